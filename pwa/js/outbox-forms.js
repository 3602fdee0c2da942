/* Forms that work offline: a form with data-outbox="<kind>" is saved to the outbox instead of being posted
   (before htmx sees it), after the checks the server would make; the tracking number screen of a new request. */
import { $, $all, emit, flash } from "fieldops/dom";
import { t } from "fieldops/i18n";
import { outbox } from "fieldops/outbox";
import { answers, missing } from "fieldops/intake-answers";
import { clearPicker } from "fieldops/location-picker";
import { STATUS_LABELS as LABELS } from "fieldops/job";

var userId = document.body.dataset.userId ? Number(document.body.dataset.userId) : null;

function itemFromForm(form, submitter) {
  var data = new FormData(form);
  if (submitter && submitter.name) data.set(submitter.name, submitter.value);
  var kind = form.dataset.outbox;
  var spec = { kind: kind, workOrderId: form.dataset.workOrder || null, baseVersion: data.get("version"), fields: {}, files: [], userId: userId };
  if (kind === "status") {
    var to = data.get("to");
    if (to === "completed") {
      spec.kind = "close";
      spec.fields.resolution = (data.get("resolution") || "").trim();
      spec.label = t("label_complete", "Complete: %(resolution)s", { resolution: spec.fields.resolution });
    } else if (to === "unable_to_complete") {
      spec.kind = "unable";
      spec.fields.reason = (data.get("reason") || "").trim();
      spec.label = t("label_unable", "Unable to complete: %(reason)s", { reason: spec.fields.reason });
    } else {
      spec.fields.to = to;
      spec.label = LABELS[to] || to;
    }
  } else if (kind === "photos") {
    var photoKind = data.get("kind") || "before";
    data.getAll("photos").forEach(function (f) { if (f && f.size) spec.files.push({ file: f, kind: photoKind }); });
    spec.label = spec.files.length + " " + photoKind + " photo" + (spec.files.length === 1 ? "" : "s");
  } else if (kind === "request") {
    ["service_type", "description", "address", "resident_name", "resident_phone", "resident_email", "resident_language"].forEach(function (k) {
      spec.fields[k] = (data.get(k) || "").trim();
    });
    var lat = data.get("latitude"), lon = data.get("longitude");
    spec.fields.latitude = lat ? Number(lat) : null;
    spec.fields.longitude = lon ? Number(lon) : null;
    spec.fields.contact_consent = !!data.get("contact_consent");
    spec.fields.channel = form.dataset.channel || "staff";
    spec.fields.tracking_number = outbox.trackingNumber();
    // Outreach context (intake.js keeps these inputs up to date): the event, the type's answers, a joined request.
    var eventId = data.get("event_id");
    if (eventId) { spec.fields.event_id = Number(eventId); spec.fields.channel = "outreach"; }
    spec.fields.duplicate_of = (data.get("duplicate_of") || "").trim();
    spec.fields.description_language = data.get("description_language") || "";
    spec.fields.attributes = answers(form);
    data.getAll("photos").forEach(function (f) { if (f && f.size) spec.files.push({ file: f, kind: "intake" }); });
    var select = form.querySelector("select[name=service_type]");
    spec.label = t("label_new_request", "New request %(tracking)s: %(type)s", { tracking: spec.fields.tracking_number, type: select && select.selectedOptions[0] ? select.selectedOptions[0].textContent : spec.fields.service_type });
    if (spec.fields.duplicate_of) spec.label += " → " + spec.fields.duplicate_of;
  } else {
    // Event actions ("checkin", "residents"): the form's hidden fields; ids and counts are numbers.
    data.forEach(function (value, key) {
      if (key === "csrf_token" || value instanceof File) return;
      spec.fields[key] = (key === "event_id" || key === "count") ? Number(value) : value;
    });
    spec.label = form.dataset.label || kind;
  }
  return spec;
}

// Checks the server would make, made here too so a crew member offline hears about them at once.
async function precheck(form, spec) {
  if (spec.kind === "close") {
    if (!spec.fields.resolution) return t("need_resolution", "Say how the job was resolved before completing it.");
    var panel = $("#status-panel");
    var required = (panel && panel.dataset.requires ? panel.dataset.requires.split(",") : []).filter(Boolean);
    if (required.length) {
      var have = (panel.dataset.has || "").split(",").filter(Boolean);
      var pending = await outbox.forWorkOrder(spec.workOrderId);
      pending.forEach(function (it) { if (it.status === "pending") it.photos.forEach(function (p) { have.push(p.kind); }); });
      var lacking = required.filter(function (k) { return have.indexOf(k) === -1; });
      if (lacking.length) {
        var type = panel.closest("main") && $("h1") ? $("h1").textContent.split("·").pop().trim() : "";
        var key = lacking.length > 1 ? "both" : lacking[0];
        var fallbacks = { before: "%(type)s jobs need a “before” photo before they can be completed.", after: "%(type)s jobs need an “after” photo before they can be completed.",
          both: "%(type)s jobs need a “before” photo and an “after” photo before they can be completed." };
        return t("needs_photo_" + key, fallbacks[key] || fallbacks.after, { type: type });
      }
    }
  }
  if (spec.kind === "unable" && !spec.fields.reason) return t("need_reason", "Give the reason the job could not be completed.");
  if (spec.kind === "photos" && !spec.files.length) return t("need_photo", "Choose at least one photo to upload.");
  if (spec.kind === "request") {
    if (!spec.fields.service_type) return t("choose_type", "Choose what the request is about.");
    if (spec.fields.latitude == null && !spec.fields.address) return t("give_location", "Give a location: use GPS, tap the map, or type an address.");
    var missingAnswer = missing(form);
    if (missingAnswer) return missingAnswer;
  }
  return null;
}

document.addEventListener("submit", async function (evt) {
  var form = evt.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.outbox) return;
  // Before htmx sees it: the change goes to the outbox, whether or not there is signal.
  evt.preventDefault();
  evt.stopImmediatePropagation();
  var spec = itemFromForm(form, evt.submitter);
  var problem = await precheck(form, spec);
  if (problem) { flash(problem, "error"); return; }
  var buttons = $all("button[type=submit]", form);
  buttons.forEach(function (b) { b.disabled = true; });
  var item;
  try {
    item = await outbox.add(spec);
  } catch (e) {
    // Storage full or blocked: say so, and keep the form as it is so nothing typed is lost.
    flash(t("save_failed", "This tablet could not save the change (%(error)s). Nothing was lost from the form; free some space and try again.", { error: e && e.message ? e.message : e }), "error");
    buttons.forEach(function (b) { b.disabled = false; });
    return;
  }
  buttons.forEach(function (b) { b.disabled = false; });
  if (spec.kind === "request") {
    // A report added to an existing request: the resident follows the existing request's number.
    showTracking(spec.fields.duplicate_of || spec.fields.tracking_number, { joined: !!spec.fields.duplicate_of, language: spec.fields.resident_language });
    form.reset();
    clearPicker();
  } else {
    $all("textarea, input[type=file]", form).forEach(function (el) { el.value = ""; });
  }
  emit(document, "outbox:added", { spec: spec, form: form });
  flash(navigator.onLine ? t("saved_sending", "Saved on this tablet; sending now.") : t("saved_offline", "Saved on this tablet. It will be sent when there is signal."), "success");
  follow(item.id, $("#flash .flash"), spec.kind === "request" ? $("[data-tracking-panel] [data-tracking-state]") : null);
}, true);

// The words "sending now" must not outlive the sending: the message and the receipt's status line follow the
// item in the outbox (watch: Dexie liveQuery) until it is sent (it leaves the outbox) or refused.
var stopFollowing = null;
function follow(itemId, message, receipt) {
  if (stopFollowing) stopFollowing();
  var done = false;
  var stop = outbox.watch(function (list, counts, state) {
    if (!list || done) return;
    var item = list.find(function (it) { return it.id === itemId; });
    var text, receiptText;
    if (!item) {
      text = receiptText = t("tracking_sent", "Sent to the city.");
      done = true;
    } else if (item.status !== "pending") {
      text = receiptText = t("tracking_refused", "Not sent: the city refused it. Tap the sync indicator in the top bar to see why.");
    } else if (navigator.onLine && !state.paused) {
      text = t("saved_sending", "Saved on this tablet; sending now.");
      receiptText = t("tracking_sending", "Sending to the city now.");
    } else {
      text = t("saved_offline", "Saved on this tablet. It will be sent when there is signal.");
      receiptText = t("tracking_offline", "Saved on this tablet; it will be sent when there is signal. The number is already valid.");
    }
    // Only while it is still this item's message (a later one replaces it) and this item's receipt.
    if (message && message.isConnected && message.textContent !== text) message.textContent = text;
    if (receipt && receipt.dataset.item === itemId && receipt.textContent !== receiptText) receipt.textContent = receiptText;
    if (done) setTimeout(stopIt, 0);
  });
  function stopIt() { stop(); if (stopFollowing === stopIt) stopFollowing = null; }
  stopFollowing = stopIt;
  if (receipt) receipt.dataset.item = itemId;
}

function showTracking(number, opts) {
  var panel = $("[data-tracking-panel]");
  if (!panel) return;
  panel.hidden = false;
  $("[data-tracking-number]", panel).textContent = number;
  $("[data-tracking-state]", panel).textContent = navigator.onLine ? t("tracking_sending", "Sending to the city now.") : t("tracking_offline", "Saved on this tablet; it will be sent when there is signal. The number is already valid.");
  // The QR code and the intro line: intake.js (it knows the status page's address and the resident's language).
  emit(document, "intake:tracking", { number: number, joined: !!(opts && opts.joined), language: opts && opts.language });
}

