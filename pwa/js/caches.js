/* Names shared with the service worker, defined once in fieldops/pwa/build.py (client_config): the worker gets
   them in its injected config, pages in base.html's #fieldops-config, read here. */
import { jsonOf } from "fieldops/dom";

const el = document.getElementById("fieldops-config");
const CONFIG = (el && jsonOf(el.textContent, null)) || { caches: {}, userCaches: [], syncTag: "" };
if (!el) console.error("fieldops: #fieldops-config is missing; cache names unknown");

/** {pages, data, tiles}: the runtime caches of the worker. */
export const CACHES = Object.freeze(Object.assign({}, CONFIG.caches));
/** The caches that hold one user's pages and data (dropped on sign-out). */
export const USER_CACHES = Object.freeze(CONFIG.userCaches.slice());
/** The Background Sync tag the outbox registers and the worker answers. */
export const SYNC_TAG = CONFIG.syncTag;
/** The user's start record in the data cache: the worker opens "/" from it offline. */
export const START_DATA = CONFIG.startData;

/** Drop this page's copies of the per-user caches (the worker is told separately: sw-register.js). */
export function deleteUserCaches() {
  if (!window.caches) return Promise.resolve();
  return Promise.all(USER_CACHES.map(function (name) { return caches.delete(name); }));
}
