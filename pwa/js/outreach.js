/*
 * Outreach events on the tablet: which event this user is checked in to, kept in localStorage so requests
 * logged offline still carry the event, and the events pages' check-in and "+1 resident" buttons, which go
 * through the outbox (kinds "checkin" and "residents", fieldops/outreach/services.py apply_sync_action).
 *
 * State: {state: "in" | "out", event: {id, name, place, latitude, longitude, ends_at, ...}, at: ISO time}.
 * The server's view (data-checkin on the page) and the tablet's are reconciled by time: the newer wins, so a
 * check-in made offline (not yet on the server, or a page cached before it) is kept, and a check-in made on
 * another device or without JavaScript replaces an older local one.
 */
import { ready } from "fieldops/dom";
import { startOfflineAt } from "fieldops/offline-ready";

// The outbox is optional: without IndexedDB the check-in forms are posted as plain forms.
var outboxLoaded = import("fieldops/outbox").then(function (m) { return m.outbox; }, function () { return null; });
var userId = document.body.dataset.userId || "anon";
var KEY = "fieldops.checkin." + userId;
var GRACE_MS = 2 * 3600 * 1000; // as the server: check-in stays valid until two hours after the end

function read() {
  try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
}
function write(state) {
  try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: the server's view only */ }
}

/** Take the server's view (data-checkin) if it is newer than the tablet's; the current event. */
export function reconcile(server) {
  var local = read();
  if (server && server.event && (!local || Date.parse(server.at) > Date.parse(local.at))) {
    local = { state: "in", event: server.event, at: server.at };
    write(local);
  }
  return current();
}

/** The event the user is checked in to now, or null. */
export function current() {
  var local = read();
  if (!local || local.state !== "in" || !local.event) return null;
  if (local.event.ends_at && Date.parse(local.event.ends_at) + GRACE_MS < Date.now()) return null;
  return local.event;
}

/** Record a check-in ("in") or check-out ("out") made on this tablet. */
export function set(action, event) {
  write({ state: action === "out" ? "out" : "in", event: event, at: new Date().toISOString() });
  // Opened from the home screen without signal, the app starts on the event checked in to (or no longer).
  startOfflineAt(action === "out" || !event ? null : "/events/" + event.id).catch(function () { /* no caches */ });
  document.dispatchEvent(new CustomEvent("checkin:changed", { detail: { event: current() } }));
}


// ------------------------------------------------------------------ events pages
function showButtons() {
  var ev = current();
  document.querySelectorAll("[data-checkin-for]").forEach(function (form) {
    var mine = !!ev && String(ev.id) === form.dataset.checkinFor;
    form.querySelector("[data-checkin-button]").hidden = mine;
  });
  document.querySelectorAll("[data-checkout-for]").forEach(function (form) {
    var mine = !!ev && String(ev.id) === form.dataset.checkoutFor;
    form.querySelector("[data-checkout-button]").hidden = !mine;
    form.querySelector("[data-checked-in-badge]").hidden = !mine;
  });
}

async function showPendingResidents() {
  var counter = document.querySelector("[data-residents-met]");
  var outbox = await outboxLoaded;
  if (!counter || !outbox) return;
  var form = document.querySelector("form[data-outbox=residents]");
  var eventId = form ? Number(form.elements.event_id.value) : null;
  var items = await outbox.items();
  var pending = items.filter(function (it) { return it.kind === "residents" && it.status === "pending" && it.fields.event_id === eventId; })
    .reduce(function (n, it) { return n + (it.fields.count || 0); }, 0);
  counter.textContent = String(Number(counter.dataset.serverCount || 0) + pending);
  counter.classList.toggle("unsent", pending > 0);
}

function init() {
  var page = document.querySelector("[data-checkin-page]");
  if (page) {
    var server = null;
    try { server = JSON.parse(page.dataset.checkin || "null"); } catch (e) { server = null; }
    reconcile(server);
    showButtons();
    showPendingResidents();
  }
  document.addEventListener("outbox:added", function (evt) {
    var spec = evt.detail.spec, form = evt.detail.form;
    if (spec.kind === "checkin") {
      var event = JSON.parse(form.dataset.event);
      set(spec.fields.action, event);
      showButtons();
      // Checked in: straight to the intake form (cached for offline use), where the event is now the context.
      if (spec.fields.action === "in") window.location.assign("/requests/new");
    } else if (spec.kind === "residents") {
      showPendingResidents();
    }
  });
  document.addEventListener("outbox:acknowledged", function (evt) {
    if (evt.detail.item.kind !== "residents") return;
    var counter = document.querySelector("[data-residents-met]");
    var result = evt.detail.response && evt.detail.response.result;
    if (counter && result && result.residents_met != null) counter.dataset.serverCount = String(result.residents_met);
    showPendingResidents();
  });
}

ready(init);
