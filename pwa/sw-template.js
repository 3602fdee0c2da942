/* fieldops service worker.
 *
 * Source: pwa/sw-template.js. Served at /sw.js by fieldops/pwa/views.py, which replaces the
 * config placeholder below with this app's build: the precache manifest (hashed URLs), the hashed
 * URLs of the vendored workbox modules and the tile server. Nothing here is fetched from a CDN.
 *
 * Caches, named once in fieldops/pwa/build.py (CACHE_NAMES; pages read the same names, pwa/js/caches.js):
 *   <prefix>-precache-*  the app shell: hashed css/js/icons/vendor files and /offline
 *   caches.pages         HTML pages, NetworkFirst; per user, cleared on sign-out
 *   caches.data          GET /api/... JSON, NetworkFirst; per user, cleared on sign-out
 *                        (requests with cache "no-store"/"reload" bypass it; no-store answers are never kept)
 *   caches.tiles         map tiles, CacheFirst, 30 days, at most 3000
 * Messages from pages: SKIP_WAITING, CLEAR_USER_CACHES (answers USER_CACHES_CLEARED), GET_VERSION.
 * Messages to pages: OUTBOX_SYNC (Background Sync fired: replay the outbox).
 * Writes are not handled here: the page owns the outbox (Workbox BackgroundSync would treat a
 * login redirect or a 500 as delivered).
 */
/* eslint-env serviceworker */
/* global workbox, importScripts */
"use strict";

const FIELDOPS = /*@fieldops-config*/ {};

const PAGES_CACHE = FIELDOPS.caches.pages;
const DATA_CACHE = FIELDOPS.caches.data;
const TILES_CACHE = FIELDOPS.caches.tiles;
const USER_CACHES = FIELDOPS.userCaches;
const NETWORK_TIMEOUT_SECONDS = 4;

importScripts(FIELDOPS.workboxSw);
// debug:false or workbox-sw loads .dev.js builds on localhost; the callback gives every module its
// hashed (immutable) URL, so a new workbox version can never mix with a stale cached module.
workbox.setConfig({
  debug: false,
  modulePathPrefix: FIELDOPS.workboxPrefix,
  modulePathCb: function (name) {
    return FIELDOPS.workboxModules[name] || FIELDOPS.workboxPrefix + name + ".prod.js";
  },
});
// Every module at the top level: importScripts() is refused once the worker is installed.
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");
workbox.loadModule("workbox-precaching");
workbox.loadModule("workbox-expiration");
workbox.loadModule("workbox-cacheable-response");

workbox.core.setCacheNameDetails({ prefix: FIELDOPS.cachePrefix });
workbox.core.clientsClaim();

// ------------------------------------------------------------------ app shell
self.__WB_MANIFEST_INJECTED = FIELDOPS.precache;
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST_INJECTED);

// A request made with {cache: "no-store"} or "reload" wants the server's answer, never a saved
// copy (the outbox's session check, "Ready for offline" refreshing the caches itself): such
// requests are not routed here and go straight to the network.
function wantsNetworkOnly(request) {
  return request.cache === "no-store" || request.cache === "reload";
}

// Only a real 200 is kept: never a sign-in redirect (opaqueredirect, status 0), an error page or
// a response the server marked no-store.
function keepable() {
  return [
    new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),
    {
      cacheWillUpdate: function (ctx) {
        const control = ctx.response.headers.get("Cache-Control") || "";
        return Promise.resolve(/(^|,)\s*no-store\s*(,|$)/i.test(control) ? null : ctx.response);
      },
    },
  ];
}

// ------------------------------------------------------------------ pages
workbox.routing.registerRoute(
  function (ctx) {
    return ctx.request.mode === "navigate" && ctx.url.origin === self.location.origin;
  },
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES_CACHE,
    networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
    plugins: keepable(),
  })
);

// ------------------------------------------------------------------ data
workbox.routing.registerRoute(
  function (ctx) {
    return ctx.url.origin === self.location.origin && ctx.url.pathname.indexOf("/api/") === 0 && !wantsNetworkOnly(ctx.request);
  },
  new workbox.strategies.NetworkFirst({
    cacheName: DATA_CACHE,
    networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
    plugins: keepable(),
  })
);

// ------------------------------------------------------------------ map tiles
if (FIELDOPS.tiles) {
  const tilePattern = new RegExp(FIELDOPS.tiles.pattern);
  workbox.routing.registerRoute(
    function (ctx) {
      return tilePattern.test(ctx.url.href);
    },
    new workbox.strategies.CacheFirst({
      cacheName: TILES_CACHE,
      plugins: [
        // Cross-origin <img> tiles are opaque (status 0) unless the tile server sends CORS headers.
        new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [0, 200] }),
        new workbox.expiration.ExpirationPlugin({ maxEntries: 3000, maxAgeSeconds: 30 * 24 * 3600, purgeOnQuotaError: true }),
      ],
    })
  );
}

// ------------------------------------------------------------------ the start page, offline
// "/" (the installed app's start URL) only redirects, by role, so no copy of it is ever kept. Without signal it
// is answered from the start record "Ready for offline" stored with this user's data (FIELDOPS.startData, from
// /api/offline/start.json; dropped on sign-out with the rest): a redirect to the user's own start page, which
// the pages route then answers from the pages cache.
function startRedirect() {
  return caches.open(DATA_CACHE).then(function (cache) {
    return cache.match(FIELDOPS.startData);
  }).then(function (resp) {
    return resp ? resp.json() : null;
  }).then(function (record) {
    var start = record && typeof record.start === "string" && record.start.charAt(0) === "/" && record.start.charAt(1) !== "/" ? record.start : null;
    return start ? Response.redirect(new URL(start, self.location.origin).href, 302) : null;
  }).catch(function () { return null; });
}

function offlinePage() {
  return workbox.precaching.matchPrecache(FIELDOPS.offlinePage).then(function (resp) {
    return resp || Response.error();
  });
}

// Neither network nor cache: "/" goes to the user's start page if one is recorded, other pages get the
// precached offline page, anything else a network error.
workbox.routing.setCatchHandler(function (ctx) {
  if (ctx.request.mode === "navigate") {
    if (ctx.url.origin === self.location.origin && ctx.url.pathname === "/") {
      return startRedirect().then(function (resp) { return resp || offlinePage(); });
    }
    return offlinePage();
  }
  return Promise.resolve(Response.error());
});

// ------------------------------------------------------------------ messages and sync
function clearUserCaches() {
  return Promise.all(USER_CACHES.map(function (name) { return caches.delete(name); }));
}

function reply(event, message) {
  if (event.ports && event.ports[0]) event.ports[0].postMessage(message);
  else if (event.source && event.source.postMessage) event.source.postMessage(message);
}

self.addEventListener("message", function (event) {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (type === "CLEAR_USER_CACHES") {
    event.waitUntil(clearUserCaches().then(function () { reply(event, { type: "USER_CACHES_CLEARED" }); }));
  } else if (type === "GET_VERSION") {
    reply(event, { type: "VERSION", version: FIELDOPS.version });
  }
});

// Background Sync only wakes the pages: they own the outbox and replay it themselves.
self.addEventListener("sync", function (event) {
  if (event.tag !== FIELDOPS.syncTag) return;
  event.waitUntil(
    self.clients.matchAll({ includeUncontrolled: true, type: "window" }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ type: "OUTBOX_SYNC" }); });
    })
  );
});
