/*
 * Follow-up visits: the route map on "My visits", "start from my location", and the doorstep form, which
 * saves through the outbox (kind "visit") so it works without signal, photo included.
 * folium's inline map script hands the route map over with the DOM event "fieldops:route" on the map's container,
 * detail {map, data: {stops, start}} (fieldops/maps/builder.py map_event_script).
 */
import { $, $all, flash, ready } from "fieldops/dom";
import { translator } from "fieldops/i18n";

// The page's words (templates/visits/_messages.html), English when a page has none.
var t = translator("visit-messages");
// The outbox is optional: without IndexedDB the doorstep form is posted as a plain form.
var ob = null;
var outboxLoaded = import("fieldops/outbox").then(function (m) { ob = m.outbox; return ob; }, function () { return null; });
function outbox() { return ob; }

function popup(url, label) {
  var box = document.createElement("div");
  box.className = "fo-popup";
  var link = document.createElement("a");
  link.href = url;
  link.textContent = label; // text, never HTML: addresses come from residents
  box.appendChild(link);
  return box;
}

// ------------------------------------------------------------------ the route on the map
/** Draw the numbered stops and the suggested route on map. */
export function route(map, data) {
  var latlngs = [];
  if (data.start) {
    latlngs.push(data.start);
    L.circleMarker(data.start, { radius: 7, color: "#1f4e79", fillColor: "#fff", fillOpacity: 1, weight: 3 })
      .bindTooltip(t("start", "Start")).addTo(map);
  }
  var markers = [];
  data.stops.forEach(function (s) {
    latlngs.push([s.lat, s.lon]);
    var icon = L.divIcon({ className: "fo-stop " + (s.cls || ""), html: String(s.n), iconSize: [44, 44] });
    var m = L.marker([s.lat, s.lon], { icon: icon, title: s.label, keyboard: true });
    m.bindPopup(popup(s.url, s.label));
    m.addTo(map);
    markers.push(m);
  });
  var line = null;
  if (latlngs.length > 1) {
    line = L.polyline(latlngs, { color: "#1f4e79", weight: 4, opacity: 0.75, dashArray: "8 6" }).addTo(map);
  }
  var el = map.getContainer();
  el.dataset.markerCount = String(markers.length);
  el.dataset.routePoints = String(latlngs.length);
  el.dataset.routeDrawn = line ? "true" : "false"; // canvas rendering: no SVG path to look for
  return { markers: markers, line: line };
}

document.addEventListener("fieldops:route", function (evt) { route(evt.detail.map, evt.detail.data); });

// ------------------------------------------------------------------ start from my location
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-route-from-here]");
  if (!button) return;
  if (!navigator.geolocation) { button.textContent = t("no_gps", "This device has no location"); return; }
  button.disabled = true;
  button.textContent = t("locating", "Finding your location…");
  navigator.geolocation.getCurrentPosition(function (pos) {
    var url = new URL(button.dataset.url, location.href);
    url.searchParams.set("from", pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5));
    location.href = url.toString();
  }, function (err) {
    button.disabled = false;
    button.textContent = t("no_location", "No location (%(error)s)", { error: err.message });
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
});

// ------------------------------------------------------------------ the doorstep form
var questions = null;
function loadQuestions() {
  if (questions) return questions;
  var blob = document.getElementById("visit-questions");
  try { questions = blob ? JSON.parse(blob.textContent) : {}; } catch (e) { questions = {}; }
  return questions;
}

// The resident's language: swap the question texts in place (works offline: every language is in the page).
function showLanguage(form, code) {
  var texts = loadQuestions()[code] || loadQuestions().en;
  if (!texts) return;
  var box = $("[data-visit-questions]", form);
  if (box) box.setAttribute("lang", code === "other" ? "en" : code);
  $all("[data-q]", form).forEach(function (el) {
    if (texts[el.dataset.q] != null) el.textContent = texts[el.dataset.q];
  });
}

function syncOutcome(form) {
  var reached = form.elements.outcome && form.elements.outcome.value !== "not_home";
  var box = $("[data-visit-questions]", form);
  if (box) box.hidden = !reached;
}

function describe(fields) {
  if (fields.outcome === "not_home") return t("not_home", "Not home");
  var words = { yes: t("yes", "resolved"), partly: t("partly", "partly resolved"), no: t("no", "not resolved") };
  return t("reached", "Reached") + ", " + (words[fields.resolved] || "?") +
    (fields.satisfaction ? ", " + t("satisfaction", "satisfaction %(n)s/5", { n: fields.satisfaction }) : "");
}

function itemsForVisit(all, visitId) {
  return all.filter(function (it) { return it.kind === "visit" && it.fields && String(it.fields.visit_id) === String(visitId); });
}

function showLocal(text, followOn) {
  var box = $("[data-visit-local]");
  if (!box) return;
  box.hidden = false;
  $("[data-visit-local-state]", box).textContent = text;
  if (followOn) {
    var fo = $("[data-visit-local-follow-on]", box);
    fo.hidden = false;
    $("[data-follow-on-number]", fo).textContent = followOn;
  }
}

// The visit page: changes still on this tablet replace the form with what was recorded.
function applyPendingVisit(all) {
  var status = $("#visit-status");
  if (!status) return;
  var items = itemsForVisit(all, status.dataset.visitId);
  if (!items.length) return;
  var last = items[items.length - 1];
  var form = $("#visit-form");
  if (form) form.hidden = true;
  var badge = $("[data-visit-badge]", status);
  if (badge) { badge.textContent = t("badge_recorded", "recorded"); badge.dataset.localStatus = last.status; }
  var state = last.status === "pending" ? t("not_sent", "not sent yet")
    : t(last.status === "attention" ? "attention" : "conflict", last.status + ": %(error)s", { error: last.lastError || "" });
  showLocal(t("recorded", "Recorded on this tablet: %(what)s — %(state)s", { what: describe(last.fields), state: state }));
}

// "My visits": mark visits whose outcome is still on this tablet.
function applyPendingList(items) {
  var rows = $all("li.visit[data-visit-id]");
  if (!rows.length) return;
  var all = items.filter(function (it) { return it.kind === "visit"; });
  rows.forEach(function (row) {
    var n = all.filter(function (it) { return String(it.fields.visit_id) === row.dataset.visitId; }).length;
    var tag = $("[data-visit-unsent]", row);
    if (tag) { tag.hidden = !n; tag.textContent = n ? t("row_unsent", "recorded, not sent") : ""; }
    row.classList.toggle("recorded", !!n);
  });
}

function specFromForm(form) {
  var data = new FormData(form);
  var sat = data.get("satisfaction");
  var fields = {
    visit_id: Number(form.dataset.visitId),
    outcome: data.get("outcome") || "",
    resolved: data.get("outcome") === "reached" ? (data.get("resolved") || null) : null,
    satisfaction: data.get("outcome") === "reached" && sat ? Number(sat) : null,
    comments: (data.get("comments") || "").trim(),
    language: data.get("language") || "en"
  };
  var files = [];
  data.getAll("photos").forEach(function (f) { if (f && f.size) files.push({ file: f, kind: "visit" }); });
  return {
    kind: "visit",
    workOrderId: null,
    baseVersion: form.dataset.version,
    fields: fields,
    files: files,
    label: t("label", "Visit #%(id)s (%(where)s): %(what)s", { id: fields.visit_id, where: form.dataset.label || "", what: describe(fields) }),
    userId: document.body.dataset.userId ? Number(document.body.dataset.userId) : null
  };
}

document.addEventListener("submit", async function (evt) {
  var form = evt.target;
  if (!(form instanceof HTMLFormElement) || !("visitOutbox" in form.dataset) || !outbox()) return;
  // Saved on the tablet first, whether or not there is signal; the plain POST is the no-JavaScript path.
  evt.preventDefault();
  evt.stopImmediatePropagation();
  var spec = specFromForm(form);
  if (!spec.fields.outcome) return flash(t("need_outcome", "Say whether the resident was reached or not home."), "error");
  if (spec.fields.outcome === "reached" && !spec.fields.resolved) return flash(t("need_resolved", "Ask whether the problem is fixed: yes, partly or no."), "error");
  var button = $("button[type=submit]", form);
  if (button) button.disabled = true;
  try {
    await outbox().add(spec);
  } catch (e) {
    flash(t("save_failed", "This tablet could not save the visit (%(error)s). Nothing was lost from the form; free some space and try again.", { error: e && e.message ? e.message : e }), "error");
    if (button) button.disabled = false;
    return;
  }
  flash(navigator.onLine ? t("saved_online", "Saved on this tablet; sending now.") : t("saved_offline", "Saved on this tablet. It will be sent when there is signal."), "success");
}, true);

document.addEventListener("outbox:acknowledged", function (evt) {
  var item = evt.detail.item;
  if (item.kind !== "visit") return;
  var status = $("#visit-status");
  var result = (evt.detail.response && evt.detail.response.result) || {};
  if (status && String(item.fields.visit_id) === status.dataset.visitId) {
    var badge = $("[data-visit-badge]", status);
    if (badge) { badge.textContent = result.status === "pending" ? t("badge_again", "to visit again") : t("badge_done", "done"); badge.dataset.localStatus = "sent"; }
    showLocal(t("sent", "Sent to the city: %(what)s.", { what: describe(item.fields) }), result.follow_on ? result.follow_on.tracking_number : null);
    var box = $("[data-visit-local]");
    if (box) box.dataset.sent = "true";
  }
});

function init() {
  var form = $("#visit-form");
  if (form) {
    var select = $("[data-visit-language]", form);
    if (select) select.addEventListener("change", function () { showLanguage(form, select.value); });
    $all("[data-visit-lang-link]", form).forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        if (select) select.value = a.dataset.visitLangLink;
        showLanguage(form, a.dataset.visitLangLink);
      });
    });
    $all("input[name=outcome]", form).forEach(function (r) { r.addEventListener("change", function () { syncOutcome(form); }); });
    syncOutcome(form);
  }
  // The outbox's items, now and whenever they change (liveQuery): conflicts, refusals and sent visits included.
  outboxLoaded.then(function (o) {
    if (o) o.watch(function (items) { applyPendingVisit(items); applyPendingList(items); });
  });
}
ready(init);
