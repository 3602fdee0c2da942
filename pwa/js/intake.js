/*
 * The intake form for a resident's request, on top of outbox-forms.js (which sends it through the outbox):
 * searchable service types, the chosen type's own questions, the outreach event banner, the duplicate check
 * (the server's, or offline the same check against the open requests saved by "Ready for offline" and the
 * reports still on this tablet), and the tracking number screen with its QR code (qrcode-generator, vendored).
 *
 * Distances use the same local projection as the server (fieldops/outreach/duplicates.py):
 * x = R·Δλ·cos φ₀, y = R·Δφ, R = 6,371,008.8 m.
 */
import { $, $all, ready } from "fieldops/dom";
import { t } from "fieldops/i18n";
import * as checkin from "fieldops/outreach";
import { withMap } from "fieldops/location-picker";

// The outbox is optional here: without IndexedDB (Dexie not loaded) the form is posted as a plain form and the
// duplicate check still runs against the server.
var outboxLoaded = import("fieldops/outbox").then(function (m) { return m.outbox; }, function () { return null; });

var R = 6371008.8;

function metres(lat0, lon0, lat, lon) {
  var k = Math.PI / 180 * R;
  var x = (lon - lon0) * k * Math.cos(lat0 * Math.PI / 180);
  var y = (lat - lat0) * k;
  return Math.sqrt(x * x + y * y);
}

var form, checkTimer = null, lastResident = null, descriptionTouched = false;
// Each duplicate check takes a number; an answer for an older one is dropped. Saving the form starts a new
// round, so a check still waiting on a slow network when Save was tapped never shows its (stale) answer.
var checkRound = 0;

// ------------------------------------------------------------------ service types and their questions
function typeCode() { return form.elements.service_type.value; }
// The hidden inputs, not form.elements[name]: the server's duplicate buttons share their names.
function hidden(name) { return form.querySelector("input[type=hidden][name='" + name + "']"); }

function showQuestions() {
  var code = typeCode();
  $all("[data-attributes-for]", form).forEach(function (fs) {
    var on = fs.dataset.attributesFor === code;
    fs.hidden = !on;
    fs.disabled = !on; // a disabled fieldset is neither validated nor sent
  });
}



// The options' data-search holds each type's name, keywords and group in English and every UI language
// (fieldops/catalog/texts.py search_text), so "rats" and "bache" find their type on any page.
function setUpSearch() {
  var search = $("[data-type-search]", form);
  var status = $("[data-type-search-status]", form);
  var select = form.elements.service_type;
  if (!search) return;
  search.hidden = false;
  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var matches = [];
    $all("option[value]", select).forEach(function (opt) {
      if (!opt.value) return;
      var hay = (opt.dataset.search || opt.textContent).toLowerCase();
      var ok = words.every(function (w) { return hay.indexOf(w) !== -1; });
      opt.hidden = !ok;
      opt.disabled = !ok;
      if (ok) matches.push(opt);
    });
    $all("optgroup", select).forEach(function (g) { g.hidden = !$all("option", g).some(function (o) { return !o.hidden; }); });
    var chosen = select.selectedOptions[0];
    if (matches.length === 1 && select.value !== matches[0].value) {
      select.value = matches[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (chosen && chosen.value && chosen.hidden) {
      // A choice the search now hides must not be saved unseen: back to "Choose…".
      select.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (status) status.textContent = words.length && !matches.length ? t("no_type_match", "No type matches “%(text)s”", { text: search.value.trim() }) : "";
  });
}

// ------------------------------------------------------------------ the event
function showEvent() {
  var banner = $("[data-event-banner]");
  var ev = checkin.current();
  form.elements.event_id.value = ev ? String(ev.id) : "";
  if (!banner) return ev;
  banner.hidden = !ev;
  if (ev) {
    $("[data-event-name]", banner).textContent = ev.name;
    $("[data-event-place]", banner).textContent = [ev.place, ev.district].filter(Boolean).join(" · ");
    $("[data-event-link]", banner).href = "/events/" + ev.id;
  }
  return ev;
}

// ------------------------------------------------------------------ duplicate check
function scheduleCheck() {
  checkRound++;
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkDuplicates, 250);
}

async function serverCandidates(code, lat, lon) {
  var url = "/api/requests/duplicates?service_type=" + encodeURIComponent(code) + "&latitude=" + lat + "&longitude=" + lon;
  var resp = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
  if (!resp.ok) throw new Error("duplicates " + resp.status);
  return (await resp.json()).candidates;
}

async function savedOpenRequests() {
  // The copy "Ready for offline" stored (the data cache); fetched afresh only if there is none.
  var resp = null;
  if (window.caches) resp = await caches.match("/api/requests/open.json");
  if (!resp) resp = await fetch("/api/requests/open.json", { credentials: "same-origin" });
  return resp.json();
}

async function offlineCandidates(code, lat, lon) {
  var data = await savedOpenRequests();
  var rule = data.rules[code];
  if (!rule) return [];
  var cols = data.requests, since = Date.now() - rule.window_hours * 3600 * 1000, out = [];
  for (var i = 0; i < cols.tracking_number.length; i++) {
    if (cols.service_type[i] !== code || Date.parse(cols.created_at[i]) < since) continue;
    var d = metres(lat, lon, cols.latitude[i], cols.longitude[i]);
    if (d <= rule.radius_m) out.push({ tracking_number: cols.tracking_number[i], address: cols.address[i], created_at: cols.created_at[i], distance_m: d });
  }
  return out;
}

async function tabletCandidates(code, lat, lon, before) {
  // Reports logged on this tablet and not sent yet: two residents at one event often report the same thing.
  var outbox = await outboxLoaded;
  if (!outbox) return [];
  var option = form.elements.service_type.selectedOptions[0];
  var radius = Number(option && option.dataset.radius || 50);
  var items = await outbox.items();
  return items.filter(function (it) {
    // Only reports saved before this check began: never the one being saved now (it is not its own duplicate).
    return it.kind === "request" && it.status === "pending" && it.createdAt < before && it.fields.service_type === code && !it.fields.duplicate_of && it.fields.latitude != null;
  }).map(function (it) {
    return { tracking_number: it.fields.tracking_number, address: it.fields.address, created_at: it.capturedAt, distance_m: metres(lat, lon, it.fields.latitude, it.fields.longitude), pending: true };
  }).filter(function (c) { return c.distance_m <= radius; });
}

async function checkDuplicates() {
  var box = $("[data-duplicates]", form);
  var code = typeCode(), lat = parseFloat(form.elements.latitude.value), lon = parseFloat(form.elements.longitude.value);
  if (!box) return;
  if (!code || isNaN(lat) || isNaN(lon)) { box.hidden = true; box.dataset.checked = ""; return; }
  var round = checkRound, startedAt = Date.now();
  var found = [], offline = false;
  try {
    found = await serverCandidates(code, lat, lon);
  } catch (e) {
    offline = true;
    try { found = await offlineCandidates(code, lat, lon); } catch (e2) { found = []; }
  }
  if (round !== checkRound) return; // saved, or type or place changed, meanwhile
  var seen = {};
  found.forEach(function (c) { seen[c.tracking_number] = true; });
  var tablet = await tabletCandidates(code, lat, lon, startedAt);
  if (round !== checkRound) return;
  tablet.forEach(function (c) { if (!seen[c.tracking_number]) found.push(c); });
  found.sort(function (a, b) { return a.distance_m - b.distance_m; });
  render(box, found.slice(0, 5), offline);
}

function render(box, found, offline) {
  var list = $("[data-duplicate-list]", box);
  list.innerHTML = "";
  box.dataset.checked = "1";
  box.hidden = found.length === 0;
  $("[data-duplicate-source]", box).textContent = offline ? t("dup_offline", "Checked against the open requests saved on this tablet.") : "";
  found.forEach(function (c) {
    var li = document.createElement("li");
    li.className = "duplicate";
    li.dataset.tracking = c.tracking_number;
    var text = document.createElement("div");
    var title = document.createElement("strong");
    title.className = "mono";
    title.textContent = c.tracking_number;
    text.appendChild(title);
    if (c.address) text.appendChild(document.createTextNode(" · " + c.address));
    var meta = document.createElement("small");
    var when = new Date(c.created_at).toLocaleString(document.documentElement.lang || [], { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
    meta.textContent = t("dup_meta", "%(metres)s m away · reported %(when)s", { metres: Math.round(c.distance_m), when: when }) + (c.pending ? " · " + t("dup_pending", "logged on this tablet, not sent yet") : "");
    text.appendChild(document.createElement("br"));
    text.appendChild(meta);
    if (c.description) {
      var desc = document.createElement("p");
      desc.className = "hint";
      desc.textContent = c.description;
      text.appendChild(desc);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "big primary";
    button.dataset.addToExisting = c.tracking_number;
    button.textContent = t("dup_add", "Add to this request");
    // One tap: the report is saved (through the outbox, like any other) as part of the existing request.
    button.addEventListener("click", function () {
      hidden("duplicate_of").value = c.tracking_number;
      if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true }));
    });
    li.appendChild(text);
    li.appendChild(button);
    list.appendChild(li);
  });
}

// ------------------------------------------------------------------ tracking number screen
function statusUrl(number, language) {
  var url = form.dataset.statusUrl.replace("XXXX-XXXX", encodeURIComponent(number));
  if (language && ["es", "pt", "ht"].indexOf(language) !== -1) url += "?lang=" + language;
  return url;
}

function showQr(evt) {
  var panel = $("[data-tracking-panel]");
  var box = $("[data-tracking-qr]", panel);
  var url = statusUrl(evt.detail.number, evt.detail.language);
  box.dataset.url = url;
  box.innerHTML = "";
  if (window.qrcode) {
    var qr = window.qrcode(0, "M");
    qr.addData(url);
    qr.make();
    // qrcode-generator's own markup; it escapes the title itself (escapeXml), and the number is ours.
    box.innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true, title: evt.detail.number });
  }
  var intro = $("[data-tracking-intro]", panel);
  if (evt.detail.joined) intro.textContent = t("tracking_joined", "Added to the existing request: give the resident this number.");
  else intro.textContent = intro.dataset.original || intro.textContent;
  $("[data-duplicates]", form).hidden = true;
  panel.scrollIntoView({ block: "center" });
}

async function nextResident(sameResident) {
  var panel = $("[data-tracking-panel]");
  panel.hidden = true;
  var ev = checkin.current();
  var outbox = await outboxLoaded;
  if (!sameResident && ev && outbox) {
    // The resident is done: count them at the event (the outbox sends it when there is signal).
    outbox.add({ kind: "residents", fields: { event_id: ev.id, count: 1 }, label: "+1 resident", userId: Number(document.body.dataset.userId) });
  }
  if (sameResident && lastResident) {
    Object.keys(lastResident).forEach(function (k) {
      var el = form.elements[k];
      if (!el) return;
      if (el.type === "checkbox") el.checked = !!lastResident[k]; else el.value = lastResident[k];
    });
  }
  window.scrollTo(0, 0);
  form.elements.service_type.focus();
}

// ------------------------------------------------------------------ wiring
function init() {
  form = document.getElementById("request-form");
  if (!form) return;
  var server = null;
  try { server = JSON.parse(form.dataset.checkin || "null"); } catch (e) { server = null; }
  checkin.reconcile(server);
  var ev = showEvent();
  if (ev && ev.latitude != null && !server) withMap(function (map) { map.setView([ev.latitude, ev.longitude], 16); });
  var intro = $("[data-tracking-intro]");
  if (intro) intro.dataset.original = intro.textContent;

  setUpSearch();
  showQuestions();
  form.dataset.intakeReady = ""; // app.css hid the questions until now, so the first paint shows none that go away
  form.elements.service_type.addEventListener("change", function () { showQuestions(); scheduleCheck(); });
  form.addEventListener("location:set", scheduleCheck);
  form.elements.resident_language.addEventListener("change", function () {
    if (!descriptionTouched) form.elements.description_language.value = form.elements.resident_language.value;
  });
  form.elements.description_language.addEventListener("change", function () { descriptionTouched = true; });
  document.addEventListener("intake:tracking", showQr);
  document.addEventListener("outbox:added", function (evt) {
    if (evt.detail.spec.kind !== "request") return;
    checkRound++; // a check still on its way answers for the report just saved: drop it
    clearTimeout(checkTimer);
    var f = evt.detail.spec.fields;
    lastResident = { resident_name: f.resident_name, resident_phone: f.resident_phone, resident_email: f.resident_email, resident_language: f.resident_language, contact_consent: f.contact_consent };
    hidden("duplicate_of").value = "";
    descriptionTouched = false;
    var search = $("[data-type-search]", form);
    if (search) { search.value = ""; search.dispatchEvent(new Event("input")); }
    showQuestions();
    showEvent();
    $("[data-duplicates]", form).hidden = true;
  });
  document.addEventListener("checkin:changed", showEvent);
  // Reached only when field.js did not take the submit into the outbox (it stops the event first): the form
  // goes to the server as a plain POST. Staff who saw this page's candidates and still chose "Save request"
  // have answered the duplicate question, so the server must not ask it again.
  form.addEventListener("submit", function () {
    var box = $("[data-duplicates]", form);
    var shown = box && !box.hidden && $all("[data-add-to-existing]", box).length > 0;
    if (shown && !hidden("duplicate_of").value) hidden("not_duplicate").value = "1";
  });
  var next = $("[data-next-resident]"), same = $("[data-same-resident]");
  if (next) next.addEventListener("click", function () { nextResident(false); });
  if (same) same.addEventListener("click", function () { nextResident(true); });
}

ready(init);
