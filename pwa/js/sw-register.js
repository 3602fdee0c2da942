/* Registers the service worker (/sw.js), applies its updates, and keeps one user's cached pages
 * from another: window.fieldopsSW.clearUserCaches() drops the per-user caches (pages, data). */
(function () {
  "use strict";
  var USER_CACHES = ["fieldops-pages", "fieldops-data"];
  var USER_KEY = "fieldops-sw-user";

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise(function (resolve) { setTimeout(resolve, ms); })]);
  }

  // Resolves when both the page and the worker have dropped the caches (or after 2 s at most).
  function clearUserCaches() {
    var jobs = [];
    if (window.caches) {
      jobs.push(Promise.all(USER_CACHES.map(function (name) { return caches.delete(name); })));
    }
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (sw) {
      jobs.push(new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(); };
        sw.postMessage({ type: "CLEAR_USER_CACHES" }, [channel.port2]);
      }));
    }
    return withTimeout(Promise.all(jobs), 2000).catch(function () { /* nothing cached, or no storage */ });
  }

  function version() {
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!sw) return Promise.resolve(null);
    return withTimeout(new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (evt) { resolve(evt.data && evt.data.version); };
      sw.postMessage({ type: "GET_VERSION" }, [channel.port2]);
    }), 2000);
  }

  window.fieldopsSW = { clearUserCaches: clearUserCaches, version: version };

  // Someone else signed in on this tablet (the last user's session ended without "Sign out"):
  // their cached pages must not be shown to this user offline.
  var userId = document.body && document.body.getAttribute("data-user-id");
  if (userId) {
    var last = null;
    try { last = localStorage.getItem(USER_KEY); } catch (e) { /* private mode */ }
    if (last && last !== userId) clearUserCaches();
    try { localStorage.setItem(USER_KEY, userId); } catch (e) { /* private mode */ }
  }

  if (!("serviceWorker" in navigator)) return;

  function promote(worker) {
    // A new version replaces the old one at once (only when one is running: the first install
    // activates by itself); pages opened from now on get the new version's files.
    if (worker && navigator.serviceWorker.controller) worker.postMessage({ type: "SKIP_WAITING" });
  }

  function register() {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      promote(reg.waiting);
      reg.addEventListener("updatefound", function () {
        var worker = reg.installing;
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed") promote(worker);
        });
      });
    }).catch(function (err) {
      if (window.console) console.warn("fieldops: the offline service worker could not be registered", err);
    });
  }

  if (document.readyState === "complete") register();
  else window.addEventListener("load", register);
})();
