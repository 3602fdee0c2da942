/*
 * The outbox: every change made in the field is written to IndexedDB first, then replayed to the
 * server. Nothing leaves the outbox until the server acknowledges it with a 2xx that echoes the
 * item's key (or, for a conflict, a 409 that says the evidence was kept).
 *
 * Item: {id (uuid = Idempotency-Key), kind, workOrderId, baseVersion, fields, photos: [{id, kind,
 * name, type, size, data: ArrayBuffer, uploaded}], status, attempts, nextAttemptAt, lastError,
 * createdAt, capturedAt, label, userId}
 * status: pending | attention (server refused: 4xx) | conflict (409: the server kept the evidence)
 * A 401 pauses the whole queue (state.paused = "auth") until the user signs in again; nothing is lost.
 *
 * Photos are stored as ArrayBuffers, not Blobs: Safari loses Blobs in IndexedDB.
 *
 * Pages watch the outbox with watch(fn) (Dexie liveQuery: any change to the items, from this tab or another,
 * and any change of the replay state calls fn again).
 */
import Dexie, { liveQuery } from "dexie";
import { SYNC_TAG } from "fieldops/caches";
import { t } from "fieldops/i18n";
import { uuid, trackingNumber } from "fieldops/ids";
import { readPhoto } from "fieldops/photos";

var DB_NAME = "fieldops-outbox";
var LOCK = "fieldops-outbox-replay";
var MAX_BACKOFF_MS = 5 * 60 * 1000;
var db = new Dexie(DB_NAME);
db.version(1).stores({ items: "id, status, createdAt, workOrderId" });

// Replay state changes (running, paused, last result) reach watchers through this target; item changes
// through liveQuery.
var stateEvents = new EventTarget();
var state = { running: false, paused: null, lastSyncAt: null, lastResult: "", counts: null };
var csrfToken = null;

function countsOf(items) {
  var c = { total: items.length, pending: 0, attention: 0, conflict: 0, auth: 0 };
  items.forEach(function (it) { c[it.status] = (c[it.status] || 0) + 1; });
  return c;
}

/** Every item, oldest first. */
function items() { return db.items.orderBy("createdAt").toArray(); }

/** Call fn(items, counts, state) now and whenever the items (in any tab) or the replay state change.
    Returns a function that stops watching. */
function watch(fn) {
  var last = null;
  var call = function () { try { fn(last, countsOf(last), state); } catch (e) { console.error(e); } };
  var subscription = liveQuery(items).subscribe({
    next: function (list) { last = list; call(); },
    error: function (e) { console.error("outbox watch", e); }
  });
  var onState = function () { if (last) call(); };
  stateEvents.addEventListener("change", onState);
  return function () { subscription.unsubscribe(); stateEvents.removeEventListener("change", onState); };
}

// state.counts: a synchronous copy of the counts for the UI (and tests) to read.
watch(function (list, c) { state.counts = c; });

/** The replay state changed: recount (so state.counts is current when `running` drops) and tell the watchers. */
function notify() {
  return counts().then(function (c) {
    state.counts = c;
    stateEvents.dispatchEvent(new Event("change"));
    return c;
  });
}

function counts() {
  return db.items.toArray().then(countsOf);
}

/** Write a change to the outbox (before anything is sent) and start a replay. */
async function add(spec) {
  var photos = [];
  for (var i = 0; i < (spec.files || []).length; i++) {
    photos.push(await readPhoto(spec.files[i].file, spec.files[i].kind));
  }
  var now = new Date();
  var item = {
    id: uuid(),
    kind: spec.kind,
    workOrderId: spec.workOrderId == null ? null : Number(spec.workOrderId),
    baseVersion: spec.baseVersion == null || spec.baseVersion === "" ? null : Number(spec.baseVersion),
    fields: spec.fields || {},
    photos: photos,
    status: "pending",
    attempts: 0,
    nextAttemptAt: 0,
    lastError: "",
    createdAt: now.getTime(),
    capturedAt: now.toISOString(),
    label: spec.label || spec.kind,
    userId: spec.userId || null
  };
  await db.items.add(item);
  registerBackgroundSync();
  replay();
  return item;
}

function registerBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready.then(function (reg) {
    if (reg.sync && reg.sync.register) return reg.sync.register(SYNC_TAG);
  }).catch(function () { /* not supported: the page's own triggers replay */ });
}

function backoff(attempts) {
  var base = Math.min(MAX_BACKOFF_MS, 2000 * Math.pow(2, Math.max(0, attempts - 1)));
  return base / 2 + Math.random() * base / 2;
}

async function jsonOf(resp) {
  try { return await resp.json(); } catch (e) { return {}; }
}

async function fetchSession() {
  var resp = await fetch("/api/session", { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" });
  if (resp.status === 401) return { auth: false };
  if (!resp.ok) throw new Error("session check failed: " + resp.status);
  var body = await resp.json();
  csrfToken = body.csrf_token;
  return { auth: true, user: body.user };
}

function send(method, url, body, headers) {
  var h = Object.assign({ "X-CSRFToken": csrfToken || "", Accept: "application/json" }, headers || {});
  return fetch(url, { method: method, credentials: "same-origin", headers: h, body: body, cache: "no-store", redirect: "manual" });
}

// What to do with an HTTP answer: "ok", "auth", "csrf", "conflict", "attention" or "retry".
function classify(resp, body) {
  if (resp.type === "opaqueredirect" || resp.status === 401) return "auth";
  if (resp.status === 400 && body && body.code === "csrf") return "csrf";
  if (resp.status >= 200 && resp.status < 300) return "ok";
  if (resp.status === 409 || resp.status === 412) return "conflict";
  if (resp.status >= 400 && resp.status < 500 && resp.status !== 408 && resp.status !== 429) return "attention";
  return "retry"; // 5xx, 408, 429
}

async function uploadPhotos(item) {
  for (var i = 0; i < item.photos.length; i++) {
    var p = item.photos[i];
    if (p.uploaded) continue;
    var url = "/api/photos/" + p.id + "?kind=" + encodeURIComponent(p.kind) + "&filename=" + encodeURIComponent(p.name);
    var resp = await send("PUT", url, p.data, { "Content-Type": p.type });
    var body = await jsonOf(resp);
    var verdict = classify(resp, body);
    if (verdict !== "ok") return { verdict: verdict, message: body.error || t("photo_upload_failed", "Photo upload failed (%(status)s)", { status: resp.status }) };
    p.uploaded = true;
    // Resumable: a set of photos that broke halfway starts again after the last one that arrived.
    await db.items.update(item.id, { photos: item.photos });
  }
  return { verdict: "ok" };
}

async function sendAction(item) {
  var payload = {
    kind: item.kind,
    work_order_id: item.workOrderId,
    base_version: item.baseVersion,
    fields: item.fields,
    photo_ids: item.photos.map(function (p) { return p.id; }),
    captured_at: item.capturedAt
  };
  var resp = await send("POST", "/api/sync/actions", JSON.stringify(payload), { "Content-Type": "application/json", "Idempotency-Key": item.id });
  var body = await jsonOf(resp);
  var verdict = classify(resp, body);
  if (verdict === "ok" && body.key !== item.id) verdict = "retry"; // not our acknowledgement (e.g. a captive portal)
  return { verdict: verdict, body: body, status: resp.status };
}

async function acknowledge(item, body) {
  await db.transaction("rw", db.items, async function () {
    await db.items.delete(item.id);
    // Later changes to the same job were captured on top of this one: move their base version along.
    if (item.workOrderId != null && body.work_order && body.work_order.version != null) {
      var later = await db.items.where("workOrderId").equals(item.workOrderId).toArray();
      for (var i = 0; i < later.length; i++) {
        if (later[i].createdAt > item.createdAt && later[i].baseVersion === item.baseVersion) {
          await db.items.update(later[i].id, { baseVersion: body.work_order.version });
        }
      }
    }
  });
  document.dispatchEvent(new CustomEvent("outbox:acknowledged", { detail: { item: item, response: body } }));
}

// The server no longer holds photos it once took (a restore from backup): they are still here, so
// mark them unsent, send them again, then the change. Once per run: a second refusal needs a person.
async function resendMissingPhotos(item, result) {
  var ids = (result.body && result.body.code === "photos_missing" && result.body.photo_ids) || [];
  var again = item.photos.filter(function (p) { return ids.indexOf(p.id) >= 0 && p.uploaded; });
  if (!again.length) return result;
  again.forEach(function (p) { p.uploaded = false; });
  await db.items.update(item.id, { photos: item.photos });
  var up = await uploadPhotos(item);
  return up.verdict === "ok" ? await sendAction(item) : { verdict: up.verdict, body: { error: up.message } };
}

async function processItem(item) {
  var up = await uploadPhotos(item);
  var result = up.verdict === "ok" ? await sendAction(item) : { verdict: up.verdict, body: { error: up.message } };
  if (result.verdict === "csrf") {
    await fetchSession();
    result = up.verdict === "ok" ? await sendAction(item) : result;
  }
  if (result.verdict === "attention") result = await resendMissingPhotos(item, result);
  var msg = (result.body && result.body.error) || "";
  switch (result.verdict) {
    case "ok":
      await acknowledge(item, result.body);
      return "next";
    case "auth":
      state.paused = "auth";
      return "stop";
    case "conflict":
      await db.items.update(item.id, { status: "conflict", lastError: msg || t("changed_meanwhile", "This job was changed by someone else meanwhile."), conflictId: result.body && result.body.conflict_id });
      document.dispatchEvent(new CustomEvent("outbox:conflict", { detail: { item: item, response: result.body } }));
      return "next";
    case "attention":
      await db.items.update(item.id, { status: "attention", lastError: msg || t("server_refused", "The server refused this change.") });
      document.dispatchEvent(new CustomEvent("outbox:attention", { detail: { item: item, response: result.body } }));
      return "next";
    default:
      await db.items.update(item.id, { attempts: item.attempts + 1, nextAttemptAt: Date.now() + backoff(item.attempts + 1), lastError: msg || t("server_later", "The server could not take it yet; will retry.") });
      return "stop"; // keep the order: later changes wait for this one
  }
}

async function runOnce(force) {
  var session;
  try {
    session = await fetchSession();
  } catch (e) {
    state.lastResult = "offline";
    return; // no network or server down: try again on the next trigger
  }
  state.lastResult = "";
  if (!session.auth) {
    state.paused = "auth";
    return;
  }
  state.paused = null;
  var items = await db.items.where("status").equals("pending").sortBy("createdAt");
  for (var i = 0; i < items.length; i++) {
    var item = items[i];
    if (!force && item.nextAttemptAt > Date.now()) break;
    if (session.user && item.userId && session.user.id !== item.userId) {
      // Signed in as someone else on this tablet: never send one person's work under another's name.
      state.paused = "user";
      break;
    }
    var outcome;
    try {
      outcome = await processItem(item);
    } catch (e) {
      await db.items.update(item.id, { attempts: item.attempts + 1, nextAttemptAt: Date.now() + backoff(item.attempts + 1), lastError: t("no_connection_retry", "No connection; will retry.") });
      outcome = "stop";
    }
    await notify();
    if (outcome === "stop") break;
  }
  state.lastSyncAt = new Date();
}

/** Replay queued items, one replay at a time across tabs (Web Locks), or in this tab if locks are missing. */
function replay(force) {
  if (state.running) return Promise.resolve();
  state.running = true;
  notify();
  var run = function () { return runOnce(!!force); };
  var p = navigator.locks && navigator.locks.request
    ? navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) { return lock ? run() : null; })
    : run();
  return Promise.resolve(p).catch(function (e) { console.error("outbox replay", e); }).then(function () {
    state.running = false;
    return notify();
  });
}

async function retry(id) {
  await db.items.update(id, { status: "pending", nextAttemptAt: 0 });
  return replay(true);
}

/** Remove an item the server refused or flagged, after the user has read why. */
async function dismiss(id) {
  var item = await db.items.get(id);
  if (!item || item.status === "pending") return false; // never drop work that has not been answered
  await db.items.delete(id);
  return true;
}

export const outbox = {
  db: db,
  add: add,
  replay: replay,
  retry: retry,
  dismiss: dismiss,
  counts: counts,
  items: items,
  forWorkOrder: function (id) { return db.items.where("workOrderId").equals(Number(id)).sortBy("createdAt"); },
  watch: watch,
  state: state,
  uuid: uuid,
  trackingNumber: trackingNumber
};

// Triggers: page load, back online, tab visible again, every 30 s while visible, the service worker's
// Background Sync message. Each is cheap when the outbox is empty.
window.addEventListener("online", function () { replay(true); });
document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") replay(); });
setInterval(function () { if (document.visibilityState === "visible") replay(); }, 30000);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", function (evt) {
    if (evt.data && evt.data.type === "OUTBOX_SYNC") replay(true);
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { replay(); });
} else {
  replay();
}
