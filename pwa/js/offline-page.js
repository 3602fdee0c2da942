/* The offline page (templates/pwa/offline.html) is precached once and shown to whoever is signed in, so its links
   come from the signed-in user's start record (GET /api/offline/start.json, kept in the data cache by "Ready for
   offline", dropped on sign-out): only the top-bar pages this user has offline, labelled in their language.
   No imports: the page has no import map (it is the same bytes for every user). */
var START_DATA = "/api/offline/start.json";

function show(record) {
  var nav = document.querySelector("[data-offline-links]");
  if (!nav || !record || !Array.isArray(record.links)) return;
  record.links.forEach(function (link) {
    if (typeof link.url !== "string" || link.url.charAt(0) !== "/" || link.url.charAt(1) === "/") return;
    var a = document.createElement("a");
    a.href = link.url;
    a.textContent = String(link.label || link.url);
    nav.appendChild(a);
  });
  nav.hidden = nav.children.length === 0;
}

if (window.caches) {
  caches.match(START_DATA).then(function (resp) { return resp ? resp.json() : null; }).then(show, function () { /* no record: no links */ });
}
