/* My work's "List | Map" tabs ([data-view-tabs]). The template gives the media query under which the two views
   are tabs (data-tabs-media, the same as app.css's); otherwise they stand side by side and the tabs are not shown.
   The chosen view is the box's data-view ("list" first), which app.css reads. The map is never display: none: the
   hidden map keeps its size (visibility: hidden), so the markers' fitBounds on load measures the real map; it is
   still told to measure itself again (Leaflet's invalidateSize) whenever its tab is shown or the layout changes.
   A map whose tab is hidden when the page loads is drawn only when the tab is first shown (fieldops:view-shown).
   The chosen tab is remembered per page (localStorage) and shown again on the next visit. */
import { $, $all, on, ready } from "fieldops/dom";

// Leaflet maps by their container, from the one bridge folium's inline script has to the modules (map-markers.js).
const maps = new WeakMap();
document.addEventListener("fieldops:cluster", function (evt) { maps.set(evt.detail.map.getContainer(), evt.detail.map); });

function leafletMap(box) {
  const el = $(".folium-map", box);
  if (!el) return null;
  // A map without markers sends no event; folium names the map's global variable after its container's id.
  const map = maps.get(el) || window[el.id];
  return map && typeof map.invalidateSize === "function" ? map : null;
}

function setUp(box) {
  const media = window.matchMedia(box.dataset.tabsMedia || "(orientation: portrait)");
  const tabs = $all("[data-view-tab]", box);
  const panelOf = function (tab) { return $("[data-view-panel='" + tab.dataset.viewTab + "']", box); };
  // A panel that is showing is told so: a map not drawn while its tab was hidden is drawn then (maps/builder.py).
  const shown = function () {
    tabs.forEach(function (tab) {
      const panel = panelOf(tab);
      if (panel && getComputedStyle(panel).visibility !== "hidden" && getComputedStyle(panel).display !== "none") {
        panel.dispatchEvent(new CustomEvent("fieldops:view-shown"));
      }
    });
  };
  const resize = function () { shown(); const map = leafletMap(box); if (map) map.invalidateSize(); };

  // The view the person chose last on this page comes back when they return to it (from a job, next morning).
  const key = "fieldops.view:" + location.pathname;
  function remember(name) { try { localStorage.setItem(key, name); } catch (e) { /* private mode */ } }
  function remembered() { try { return localStorage.getItem(key); } catch (e) { return null; } }

  function select(name, focus) {
    box.dataset.view = name;
    tabs.forEach(function (tab) {
      const selected = tab.dataset.viewTab === name;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    });
    if (name === "map") resize();
  }
  // Tab panels only while they are tabs: side by side they are two plain regions.
  function layout() {
    tabs.forEach(function (tab) {
      const panel = panelOf(tab);
      if (!panel) return;
      if (media.matches) { panel.setAttribute("role", "tabpanel"); panel.setAttribute("aria-labelledby", tab.id); }
      else { panel.removeAttribute("role"); panel.removeAttribute("aria-labelledby"); }
    });
    resize();
  }
  on(box, "click", "[data-view-tab]", function (evt, tab) { select(tab.dataset.viewTab, false); remember(tab.dataset.viewTab); });
  // The ARIA tabs pattern: arrows, Home and End move between the tabs (and show the one they reach).
  on(box, "keydown", "[data-view-tab]", function (evt, tab) {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[evt.key];
    if (next === undefined) return;
    evt.preventDefault();
    const name = tabs[(next + tabs.length) % tabs.length].dataset.viewTab;
    select(name, true);
    remember(name);
  });
  media.addEventListener("change", layout);
  const last = remembered();
  if (last && last !== box.dataset.view && tabs.some(function (tab) { return tab.dataset.viewTab === last; })) select(last, false);
  layout();
}

ready(function () { $all("[data-view-tabs]").forEach(setUp); });
