/* Builds clustered markers in the browser from column arrays sent by the server (maps/builder.py). Leaflet and
 markercluster are classic scripts (window.L); folium's inline map script hands each map over with the DOM
 event "fieldops:cluster" on the map's container, detail {map, data: {cols, fit}} (fieldops/maps/builder.py
 map_event_script). */
function popup(url, label) {
  var box = document.createElement("div");
  box.className = "fo-popup";
  var link = document.createElement("a");
  link.href = url;
  link.textContent = label; // text, never HTML: labels carry residents' words
  box.appendChild(link);
  return box;
}
/** Add the markers to map in one cluster group (kept on the container as _fieldopsCluster). */
export function cluster(map, cols, fit) {
  var group = L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 10, showCoverageOnHover: false, maxClusterRadius: 80 });
  var markers = [];
  var icons = {}; // one icon per style: Leaflet makes each marker's element from it
  function popupOf(layer) { return popup(layer.options.url, layer.options.title); } // built when opened
  for (var i = 0; i < cols.lat.length; i++) {
    var cls = cols.cls[i] || "";
    var icon = icons[cls] || (icons[cls] = L.divIcon({ className: "fo-pin " + cls, iconSize: [44, 44] }));
    var m = L.marker([cols.lat[i], cols.lon[i]], { icon: icon, title: cols.label[i], url: cols.url[i], keyboard: true });
    m.bindPopup(popupOf);
    markers.push(m);
  }
  group.addLayers(markers);
  if (fit && markers.length) {
    // Settle the view before the group is on the map, without animation. Added first, the
    // group would split its clusters when the zoom changes and fly the markers out to their
    // places (a timer, then a CSS transition): a quick tap meanwhile lands on the bare map.
    // Room for a popup: it opens above its marker, centred on it, and one that would not fit makes
    // the map pan away (animated) under the finger that is about to tap its link. Keeps the top-left
    // pins out from under the zoom buttons too.
    var bounds = L.latLngBounds(markers.map(function (m) { return m.getLatLng(); }));
    var size = map.getSize();
    var side = Math.min(110, Math.round(size.x / 6)), top = Math.min(90, Math.round(size.y / 5));
    map.fitBounds(bounds, { paddingTopLeft: [side, top], paddingBottomRight: [side, 30], maxZoom: 17, animate: false });
  }
  group.addTo(map);
  map.getContainer().dataset.markerCount = String(markers.length);
  map.getContainer()._fieldopsCluster = group;
  map.getContainer()._fieldopsMap = map;
  return group;
}

document.addEventListener("fieldops:cluster", function (evt) {
  // A map drawn late (its tab was hidden) shows what its list shows now, if the list was filtered meanwhile.
  var data = evt.detail.map.getContainer()._fieldopsPoints || evt.detail.data;
  cluster(evt.detail.map, data.cols, data.fit);
});

// A list swapped in by htmx (My work's "Show" filter) carries its pins (data-map-points): the map beside it
// drops the old ones and shows these, so the map keeps showing what the list shows.
document.addEventListener("htmx:afterSwap", function (evt) {
  var carrier = evt.detail.target.querySelector && evt.detail.target.querySelector("[data-map-points]");
  if (!carrier) return;
  var container = carrier.closest(".split");
  container = container && container.querySelector(".folium-map");
  if (!container) return;
  var data = JSON.parse(carrier.dataset.mapPoints);
  var map = container._fieldopsMap;
  if (!map) { container._fieldopsPoints = data; return; } // not drawn yet (hidden tab): drawn with these
  map.closePopup();
  if (container._fieldopsCluster) map.removeLayer(container._fieldopsCluster);
  cluster(map, data.cols, data.fit);
});
