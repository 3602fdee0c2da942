/* Registers the service worker (/sw.js) through workbox-window, applies its updates, and keeps one user's
   cached pages from another: clearUserCaches() drops the per-user caches (pages, data) here and in the worker. */
import { Workbox, messageSW } from "workbox-window";
import { deleteUserCaches } from "fieldops/caches";

const USER_KEY = "fieldops-sw-user";
const TIMEOUT_MS = 2000;

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise(function (resolve) { setTimeout(resolve, ms); })]);
}

function controller() { return navigator.serviceWorker ? navigator.serviceWorker.controller : null; }

/** Resolves when both the page and the worker have dropped the caches (or after 2 s at most). */
export function clearUserCaches() {
  const jobs = [deleteUserCaches()];
  const sw = controller();
  if (sw) jobs.push(messageSW(sw, { type: "CLEAR_USER_CACHES" }));
  return withTimeout(Promise.all(jobs), TIMEOUT_MS).catch(function () { /* nothing cached, or no storage */ });
}

/** The running worker's version (its config hash), or null without one. */
export function version() {
  const sw = controller();
  if (!sw) return Promise.resolve(null);
  return withTimeout(messageSW(sw, { type: "GET_VERSION" }).then(function (data) { return data && data.version; }), TIMEOUT_MS);
}

// Someone else signed in on this tablet (the last user's session ended without "Sign out"):
// their cached pages must not be shown to this user offline.
const userId = document.body && document.body.getAttribute("data-user-id");
if (userId) {
  let last = null;
  try { last = localStorage.getItem(USER_KEY); } catch (e) { /* private mode */ }
  if (last && last !== userId) clearUserCaches();
  try { localStorage.setItem(USER_KEY, userId); } catch (e) { /* private mode */ }
}

if ("serviceWorker" in navigator) {
  const wb = new Workbox("/sw.js", { scope: "/" });
  // A new version replaces the old one at once (the first install activates by itself, with no worker
  // waiting); pages opened from now on get the new version's files.
  wb.addEventListener("waiting", function () { if (controller()) wb.messageSkipWaiting(); });
  // register() waits for the page's load event, so the worker's precaching never competes with the page.
  wb.register().catch(function (err) {
    console.warn("fieldops: the offline service worker could not be registered", err);
  });
}
