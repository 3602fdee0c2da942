/* Where am I: the device's position on the crew's maps (My work, a job) and the intake map, with its accuracy
   circle and a "Show my location" button; My work's "Nearest first" sort. GPS needs no signal, so all of it works
   offline. One watchPosition for the page, started when the user asks (the button, the sort) or at once when the
   permission is already granted (no prompt on page load). Refusals and a missing fix are said in words, in a
   role="status" line under the map and beside the sort, never silently.
   Maps opt in: a "fieldops:cluster" map inside [data-my-location] (maps/builder.py map_event_script), and the
   location picker's map ("fieldops:location-map"). Leaflet is a classic script (window.L). */
import { t } from "fieldops/i18n";

var watchId = null;
var last = null; // {lat, lon, accuracy}
var lastError = null; // {code}: 1 refused, 2 unavailable, 3 timed out, 0 no geolocation at all
var listeners = [];

function notify() { listeners.forEach(function (fn) { fn(last, lastError); }); }

/** Words for a failure: permission refused, no fix, or no geolocation on this device. */
export function explain(error) {
  if (!error) return "";
  if (error.code === 1) return t("location_denied", "Location is not allowed for this app, so your position cannot be shown. Allow location for this site in the browser's settings, then try again.");
  if (error.code === 0) return t("location_unsupported", "This device cannot tell its position.");
  return t("location_unavailable", "Your position is not available yet (no GPS fix). It needs no signal: try again in the open.");
}

/** Start watching the position (once per page); fn(position, error) now and on every change. */
export function watch(fn) {
  if (fn) { listeners.push(fn); if (last || lastError) fn(last, lastError); }
  if (watchId !== null) return;
  if (!navigator.geolocation) { lastError = { code: 0 }; notify(); return; }
  watchId = navigator.geolocation.watchPosition(
    function (pos) {
      last = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      lastError = null;
      notify();
    },
    function (err) {
      // Refused: stop, so the next tap asks again (and says why it cannot) instead of waiting for nothing.
      if (err.code === 1) { navigator.geolocation.clearWatch(watchId); watchId = null; }
      lastError = { code: err.code };
      // A fix already known stays on the map; a timeout while moving is not worth a message then.
      if (err.code === 1 || !last) notify();
    },
    { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 }
  );
}

/** Watch at once, without a prompt, if the user already allowed location for this site. */
function watchIfAllowed() {
  if (!navigator.permissions || !navigator.permissions.query) return;
  navigator.permissions.query({ name: "geolocation" }).then(function (status) {
    if (status.state === "granted") watch();
  }, function () { /* not supported: wait for a tap */ });
}

/** Metres between two points (haversine; ample at a city's scale). */
export function metresBetween(lat1, lon1, lat2, lon2) {
  var r = 6371008.8, rad = Math.PI / 180;
  var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
  return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A distance in the page's language: metres under 1 km (to 10 m), then km with one decimal. */
export function formatDistance(metres) {
  var lang = document.documentElement.lang || undefined;
  if (metres < 1000) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: "meter", unitDisplay: "short", maximumFractionDigits: 0 }).format(Math.max(10, Math.round(metres / 10) * 10));
  }
  return new Intl.NumberFormat(lang, { style: "unit", unit: "kilometer", unitDisplay: "short", maximumFractionDigits: 1 }).format(metres / 1000);
}

function statusLine(after) {
  var line = document.createElement("p");
  line.className = "location-message";
  line.setAttribute("role", "status");
  line.dataset.locationMessage = "";
  after.insertAdjacentElement("afterend", line);
  return line;
}

// ------------------------------------------------------------------ maps
function attach(map) {
  var container = map.getContainer();
  if (container._fieldopsMyLocation) return;
  container._fieldopsMyLocation = true;
  var line = statusLine(container);
  var dot = null, ring = null, centreNext = false;

  var Control = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control my-location-control");
      var button = L.DomUtil.create("button", "my-location-button", bar);
      button.type = "button";
      button.setAttribute("aria-label", t("my_location", "Show my location"));
      button.title = t("my_location", "Show my location");
      button.dataset.showMyLocation = "";
      var icon = L.DomUtil.create("span", "my-location-icon", button);
      icon.setAttribute("aria-hidden", "true");
      L.DomEvent.disableClickPropagation(bar); // a tap here is not a tap on the map (the intake picker's point)
      L.DomEvent.on(button, "click", function () {
        if (last) { map.setView([last.lat, last.lon], Math.max(map.getZoom(), 16)); return; }
        centreNext = true;
        line.textContent = t("finding_location", "Finding your location…");
        watch(); // asks for permission if need be (a user's tap), or says why it cannot
        if (lastError && lastError.code !== 1) line.textContent = explain(lastError);
      });
      return bar;
    },
  });
  new Control().addTo(map);

  listeners.push(function (pos, error) {
    if (!pos) { line.textContent = explain(error); centreNext = false; return; }
    line.textContent = "";
    var here = [pos.lat, pos.lon];
    if (!dot) {
      ring = L.circle(here, { radius: pos.accuracy, className: "my-location-accuracy", color: "#1a73e8", weight: 1, fillColor: "#1a73e8", fillOpacity: 0.12, interactive: false }).addTo(map);
      dot = L.circleMarker(here, { radius: 8, className: "my-location-dot", color: "#ffffff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1, interactive: false }).addTo(map);
      container._fieldopsHere = { dot: dot, ring: ring };
    } else {
      ring.setLatLng(here).setRadius(pos.accuracy);
      dot.setLatLng(here);
    }
    container.dataset.hereAt = pos.lat.toFixed(6) + "," + pos.lon.toFixed(6) + "," + Math.round(pos.accuracy);
    if (centreNext) { centreNext = false; map.setView(here, Math.max(map.getZoom(), 16)); }
  });
  if (last || lastError) listeners[listeners.length - 1](last, lastError);
}

document.addEventListener("fieldops:cluster", function (evt) {
  if (evt.target.closest && evt.target.closest("[data-my-location]")) attach(evt.detail.map);
});
document.addEventListener("fieldops:location-map", function (evt) { attach(evt.detail.map); });

// ------------------------------------------------------------------ My work: nearest first
function sortRows(select, line) {
  var list = document.querySelector("[data-sortable-by-distance]");
  if (!list) return;
  var rows = Array.prototype.slice.call(list.querySelectorAll("li[data-work-order]"));
  rows.forEach(function (row, i) { if (!row.dataset.order) row.dataset.order = String(i); });
  var byDistance = select.value === "distance" && last;
  rows.forEach(function (row) {
    var shown = row.querySelector("[data-distance]");
    var lat = parseFloat(row.dataset.lat), lon = parseFloat(row.dataset.lon);
    if (!byDistance || isNaN(lat) || isNaN(lon)) { delete row.dataset.metres; if (shown) shown.remove(); return; }
    var metres = metresBetween(last.lat, last.lon, lat, lon);
    row.dataset.metres = String(Math.round(metres));
    if (!shown) {
      shown = document.createElement("span");
      shown.className = "distance";
      shown.dataset.distance = "";
      (row.querySelector(".meta") || row).appendChild(shown);
    }
    shown.textContent = t("distance_away", "%(distance)s away", { distance: formatDistance(metres) });
  });
  rows.sort(function (a, b) {
    if (byDistance) {
      var da = a.dataset.metres === undefined ? Infinity : Number(a.dataset.metres);
      var db = b.dataset.metres === undefined ? Infinity : Number(b.dataset.metres);
      if (da !== db) return da - db;
    }
    return Number(a.dataset.order) - Number(b.dataset.order);
  });
  rows.forEach(function (row) { list.appendChild(row); });
  list.dataset.sortedBy = byDistance ? "distance" : "due";
  if (select.value === "distance" && !last) line.textContent = lastError ? explain(lastError) : t("finding_location", "Finding your location…");
  else line.textContent = "";
}

function setUpSort() {
  var select = document.querySelector("[data-sort-select]");
  if (!select) return;
  var label = select.closest("[data-sort-by]");
  if (label) label.hidden = false; // a choice only JavaScript can make (the position is the tablet's)
  var line = statusLine(select.closest("form") || select);
  // Not the filter form's change: sorting is done here, on the tablet, with no request.
  select.addEventListener("change", function (evt) {
    evt.stopPropagation();
    if (select.value === "distance") watch();
    sortRows(select, line);
  });
  listeners.push(function () { if (select.value === "distance") sortRows(select, line); });
  // The list swapped in by the "Show" filter is sorted the same way.
  document.addEventListener("htmx:afterSwap", function () { if (select.value === "distance") sortRows(select, line); });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpSort); else setUpSort();
watchIfAllowed();
