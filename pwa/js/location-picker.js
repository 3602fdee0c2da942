/* The location picker of the new-request and new-event forms: tap the map or use GPS; the point goes into the
   form's latitude/longitude inputs and a "location:set" event. The map is folium's (a classic inline script):
   the template hands it over with the DOM event "fieldops:location-map" on the form, detail {map}, sent on
   DOMContentLoaded (module scripts have run by then). Needs no outbox. */
import { $ } from "fieldops/dom";
import { t } from "fieldops/i18n";

var pickerMarker = null, pickerMap = null, pickerForm = null;
/** Put the form's point at lat, lon (how: where it came from, shown to the user). */
export function setLocation(lat, lon, how) {
  if (!pickerForm) return;
  pickerForm.elements.latitude.value = lat.toFixed(6);
  pickerForm.elements.longitude.value = lon.toFixed(6);
  var status = $("[data-location-status]", pickerForm);
  if (status) status.textContent = how + ": " + lat.toFixed(5) + ", " + lon.toFixed(5);
  pickerForm.dispatchEvent(new CustomEvent("location:set", { bubbles: true, detail: { lat: lat, lon: lon, how: how } }));
  if (pickerMap) {
    if (!pickerMarker) pickerMarker = L.marker([lat, lon]).addTo(pickerMap);
    else pickerMarker.setLatLng([lat, lon]);
    pickerMap.setView([lat, lon], Math.max(pickerMap.getZoom(), 16));
  }
}
/** Forget the point (a new report starts without one). */
export function clearPicker() {
  if (pickerMarker && pickerMap) { pickerMap.removeLayer(pickerMarker); pickerMarker = null; }
  // Hidden inputs keep their value through form.reset(): clear the point so the next report does not inherit it.
  if (pickerForm) { pickerForm.elements.latitude.value = ""; pickerForm.elements.longitude.value = ""; }
  var status = pickerForm && $("[data-location-status]", pickerForm);
  if (status) status.textContent = t("no_location", "No location yet.");
}
function attach(map, form) {
  pickerMap = map; pickerForm = form;
  map.on("click", function (e) { setLocation(e.latlng.lat, e.latlng.lng, t("map_point", "Map")); });
  var gps = $("[data-use-gps]", form);
  if (gps) gps.addEventListener("click", function () {
    var status = $("[data-location-status]", form);
    if (!navigator.geolocation) { status.textContent = t("no_gps", "This device has no GPS; tap the map or type an address."); return; }
    status.textContent = t("finding_location", "Finding your location…");
    navigator.geolocation.getCurrentPosition(
      function (pos) { setLocation(pos.coords.latitude, pos.coords.longitude, t("gps_fix", "GPS (±%(metres)s m)", { metres: Math.round(pos.coords.accuracy) })); },
      function (err) { status.textContent = t("no_fix", "No GPS fix (%(error)s); tap the map or type an address.", { error: err.message }); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
}

var waiting = [];
/** Call fn(map) with the picker's Leaflet map: now if it is attached, else when it is. */
export function withMap(fn) {
  if (pickerMap) fn(pickerMap); else waiting.push(fn);
}

document.addEventListener("fieldops:location-map", function (evt) {
  attach(evt.detail.map, evt.target);
  waiting.splice(0).forEach(function (fn) { fn(pickerMap); });
});
