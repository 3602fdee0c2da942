/* "Ready for offline": this user's pages and data stored in the service worker's caches, refreshed after sign-in
   and when over an hour old; the stamp (when, for whom) in localStorage. Needs no outbox. */
import { $, emit } from "fieldops/dom";
import { t } from "fieldops/i18n";
import { CACHES, START_DATA } from "fieldops/caches";

var userId = document.body.dataset.userId ? Number(document.body.dataset.userId) : null;
var READY_KEY = "fieldops.ready";

function readyInfo() {
  try { return JSON.parse(localStorage.getItem(READY_KEY) || "null"); } catch (e) { return null; }
}

function showReady() {
  var el = $("[data-ready-status]");
  if (!el) return;
  var info = readyInfo();
  if (info && info.userId === userId) {
    var when = new Date(info.at);
    el.textContent = t("ready_at", "Ready for offline · refreshed %(when)s (%(pages)s pages)", { when: when.toLocaleString(document.documentElement.lang || [], { weekday: "short", hour: "numeric", minute: "2-digit" }), pages: info.pages });
    el.dataset.readyAt = info.at;
  } else {
    el.textContent = t("not_ready", "Not ready for offline yet");
    delete el.dataset.readyAt;
  }
}

/** Store this user's pages and data (GET /api/offline/manifest) in the worker's caches; the stamp, or null. */
export async function getReady() {
  if (!userId || !window.caches || !navigator.onLine) return null;
  var button = $("[data-get-ready]");
  if (button) { button.disabled = true; button.textContent = t("getting_ready", "Getting ready…"); }
  try {
    if (navigator.storage && navigator.storage.persist) {
      // Ask the browser not to evict the outbox and caches under storage pressure.
      try { await navigator.storage.persist(); } catch (e) { /* the user may refuse */ }
    }
    var resp = await fetch("/api/offline/manifest", { credentials: "same-origin", cache: "no-store" });
    if (!resp.ok) throw new Error("manifest " + resp.status);
    var manifest = await resp.json();
    var pages = await caches.open(CACHES.pages);
    var data = await caches.open(CACHES.data);
    var stored = 0;
    var store = async function (cache, url) {
      var r = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      // Never keep a sign-in redirect or an error page in place of the real page.
      if (r.ok && !r.redirected) { await cache.put(url, r); stored++; }
    };
    for (var i = 0; i < manifest.pages.length; i++) await store(pages, manifest.pages[i]);
    for (var j = 0; j < manifest.data.length; j++) await store(data, manifest.data[j]);
    var info = { at: new Date().toISOString(), userId: userId, pages: manifest.pages.length, stored: stored };
    localStorage.setItem(READY_KEY, JSON.stringify(info));
    showReady();
    document.dispatchEvent(new CustomEvent("fieldops:ready", { detail: info }));
    return info;
  } catch (e) {
    var el = $("[data-ready-status]");
    if (el) el.textContent = t("ready_failed", "Could not get ready for offline (%(error)s); will try again.", { error: e.message });
    return null;
  } finally {
    if (button) { button.disabled = false; button.textContent = t("ready_button", "Ready for offline"); }
  }
}

/** Make the installed app open on `url` offline (an event checked in to without signal), or back on the role's own
   start page with null; only a page kept offline is taken. Changes the stored start record, if there is one. */
export async function startOfflineAt(url) {
  if (!window.caches || !START_DATA) return;
  var data = await caches.open(CACHES.data);
  var resp = await data.match(START_DATA);
  if (!resp) return;
  var record = await resp.json();
  var target = record.home;
  if (url && (await (await caches.open(CACHES.pages)).match(url))) target = url;
  if (record.start === target) return;
  record.start = target;
  await data.put(START_DATA, new Response(JSON.stringify(record), { headers: { "Content-Type": "application/json" } }));
}

/** Forget the stamp (sign-out, another language): the next page gets ready again. */
export function forgetReady() {
  try { localStorage.removeItem(READY_KEY); } catch (e) { /* private mode */ }
}

if (userId) {
  showReady();
  var b = $("[data-get-ready]");
  if (b) b.addEventListener("click", getReady);
  var info = readyInfo();
  // After sign-in (a different or no user recorded) and when the copy is over an hour old.
  if (!info || info.userId !== userId || Date.now() - Date.parse(info.at) > 3600 * 1000) {
    // Once the page is loaded and the browser is idle: the pages and data it fetches never compete with this
    // page's own first paint and first taps (a slow phone on one bar of signal would feel both).
    var whenIdle = function () {
      if (window.requestIdleCallback) window.requestIdleCallback(function () { getReady(); }, { timeout: 3000 });
      else setTimeout(getReady, 500);
    };
    if (document.readyState === "complete") whenIdle();
    else window.addEventListener("load", whenIdle);
  }
}

