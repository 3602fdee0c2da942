"""Build Leaflet maps with folium, served from our own vendored files and embedded in our templates."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from fieldops.settings import Settings

# folium names its assets; every name a page may need maps to a vendored file under pwa/.
# An unknown name fails loudly instead of silently pulling a CDN URL into a page.
VENDORED_ASSETS: dict[str, str] = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
}

MARKER_SCRIPT = "js/map-markers.js"


class UnvendoredAsset(RuntimeError):
    """A folium element asked for a file we have not vendored."""


@dataclass(frozen=True)
class MapParts:
    """What a template needs: asset tags for <head>, the map's div, and its script."""

    head: Markup
    html: Markup
    script: Markup
    name: str


@dataclass(frozen=True)
class Point:
    """One marker: position, the link it opens, a label, and a style class (e.g. overdue)."""

    lat: float
    lon: float
    url: str
    label: str
    css_class: str = ""


def script_json(data: Any) -> Markup:
    """JSON to write inside an inline <script>, with < > & ' as \\u escapes (as Jinja's tojson does).

    A resident's words can then neither close the script ("</script>") nor open a comment or another
    script tag that changes how the HTML parser reads the rest of the page ("<!--<script>").
    """
    return Markup(htmlsafe_json_dumps(data, dumps=json.dumps, separators=(",", ":"), ensure_ascii=False))


class LiteralScript(Element):
    """Script text put into the page as it is: never compiled or rendered as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "LiteralScript"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        return self.text


class DataScript(MacroElement):
    """An element whose `script` macro writes data (residents' words, thousands of points) into the page.

    MacroElement.render wraps the rendered script in Element(text), which compiles that text as a Jinja
    template: "{{ ... }}" in a label would run as template code and "{% if" would fail the page, and lexing a
    10,000-point payload took ~0.4 s (bench/map_bench.py). Here the script goes into the page as it is.
    """

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure), "a map element renders inside its map's Figure"
        figure.script.add_child(LiteralScript(self._template.module.script(self, kwargs)), name=self.get_name())
        return ""


# The one bridge from folium's inline map scripts (classic scripts, run while the page parses) to the page's ES
# modules (run after it is parsed): a DOM event on the map's container, sent once the modules are there
# (DOMContentLoaded; at once for a fragment htmx swaps in later). pwa/js/map-markers.js listens for
# "fieldops:cluster", pwa/js/visits.js for "fieldops:route"; detail is {map, data}.
_MAP_EVENT_JS = """(function (map, data) {{
  function send() {{ map.getContainer().dispatchEvent(new CustomEvent({event}, {{ bubbles: true, detail: {{ map: map, data: data }} }})); }}
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", send); else send();
}})({map}, {data});"""


def map_event_script(event: str, map_name: str, data: Markup) -> Markup:
    """The inline script that hands map_name and data (script_json) to the module listening for event."""
    return Markup(_MAP_EVENT_JS.format(event=json.dumps(event), map=map_name, data=data))


def point_columns(points: Sequence[Point]) -> dict[str, list[Any]]:
    """The points as the column arrays pwa/js/map-markers.js builds markers from (one list per field)."""
    return {
        "lat": [round(p.lat, 6) for p in points],
        "lon": [round(p.lon, 6) for p in points],
        "url": [p.url for p in points],
        "label": [p.label for p in points],
        "cls": [p.css_class for p in points],
    }


class PointCluster(DataScript):
    """Clustered markers from compact column arrays: one JSON blob, not one Python object per marker.

    The browser builds each marker (see pwa/js/map-markers.js), so thousands of points cost
    one json.dumps on the server.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.script_for(this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, points: Sequence[Point], *, fit: bool = True) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement.__init__ is unannotated
        self._name = "PointCluster"
        columns = point_columns(points)
        self.fit = fit and len(points) > 0
        self.payload = script_json({"cols": columns, "fit": self.fit})
        self.default_js = [("markerclusterjs", "")]
        self.default_css = [("markerclustercss", ""), ("markerclusterdefaultcss", "")]

    def script_for(self, map_name: str) -> Markup:
        return map_event_script("fieldops:cluster", map_name, self.payload)

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure), "a map element renders inside its map's Figure"
        for name, _ in self.default_js:
            figure.header.add_child(JavascriptLink(""), name=name)
        for name, _ in self.default_css:
            figure.header.add_child(CssLink(""), name=name)
        return super().render(**kwargs)


def _figure(element: Element) -> Figure:
    """The page an element is drawn on: a folium Map's root is always a Figure (branca asserts as much)."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"{element.get_name()} is not inside a Figure")
    return figure


def build_map(
    settings: Settings,
    *,
    points: Sequence[Point] = (),
    districts: dict[str, Any] | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    fit_points: bool = True,
    bounds: tuple[float, float, float, float] | None = None,
) -> folium.Map:
    """A folium map with the configured tiles, optional district outlines and clustered points."""
    m = folium.Map(
        location=list(center or settings.map_center),
        zoom_start=zoom or settings.map_zoom,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    # Instance attributes: folium's add_js_link would mutate the class-level lists shared by every map.
    m.default_js = [("leaflet", "")]
    m.default_css = [("leaflet_css", "")]
    folium.TileLayer(
        tiles=settings.tile_url,
        attr=settings.tile_attribution,
        max_zoom=settings.tile_max_zoom,
        name="Street map",
        control=False,
    ).add_to(m)
    if districts and districts.get("features"):
        add_tooltip_layer(m, districts, name="Districts", field="name", style={"color": "#1f4e79", "weight": 2, "fillOpacity": 0.03, "dashArray": "4 4"})
    if points:
        PointCluster(points, fit=fit_points).add_to(m)
    elif bounds:
        min_lon, min_lat, max_lon, max_lat = bounds
        m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    return m


def escape_properties(geojson: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """A copy of a FeatureCollection whose `fields` are HTML-escaped text, ready for a folium tooltip or popup.

    folium's GeoJsonTooltip and GeoJsonPopup build their table as a string and assign it to innerHTML, so a
    property value is markup to the browser. Every layer whose properties are shown goes through here
    (add_tooltip_layer); values that are not shown are left as they are.
    """
    features = []
    for feature in geojson.get("features", []):
        props = dict(feature.get("properties") or {})
        for key in fields:
            if key in props:
                props[key] = html.escape("" if props[key] is None else str(props[key]), quote=True)
        features.append({**feature, "properties": props})
    return {**geojson, "features": features}


def add_tooltip_layer(m: folium.Map, geojson: Mapping[str, Any], *, name: str, field: str, style: dict[str, Any]) -> folium.GeoJson:
    """Outlines from a FeatureCollection with `field` as each shape's hover text, escaped (see escape_properties)."""
    layer = folium.GeoJson(
        escape_properties(geojson, [field]),
        name=name,
        style_function=lambda _f: style,
        tooltip=folium.GeoJsonTooltip(fields=[field], labels=False),
        zoom_on_click=False,
    )
    layer.add_to(m)
    return layer


# folium's map script as a function run once the page is parsed (DOMContentLoaded fires after the deferred Leaflet
# files and the page's modules have run), or at once in a fragment htmx swaps in later, when they are long loaded.
# Its variables stay inside the function; the map itself stays a global of its name, as templates hand it on by
# name (the location picker's "fieldops:location-map" event, sent on DOMContentLoaded after this listener).
# A map in a view tab that is not shown (My work's Map tab on a phone, [data-view-panel] hidden) is drawn when the
# tab is first shown (view-tabs.js sends "fieldops:view-shown" on the panel): a crew member reading the list does
# not wait for a map nobody is looking at, and the markers then fit the map's real size.
_DEFERRED_MAP_JS = """(function () {{
function draw() {{
{script}
window[{name}] = {var};
}}
function start() {{
  var el = document.getElementById({name});
  var panel = el && el.closest("[data-view-panel]");
  if (panel && getComputedStyle(panel).visibility === "hidden") panel.addEventListener("fieldops:view-shown", draw, {{ once: true }});
  else draw();
}}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
}})();"""


def deferred_map_script(script: Markup, map_name: str) -> Markup:
    """folium's inline map script, run after the deferred Leaflet files (see _DEFERRED_MAP_JS)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", map_name):
        raise ValueError(f"not a script name: {map_name!r}")
    return Markup(_DEFERRED_MAP_JS.format(script=script, name=json.dumps(map_name), var=map_name))


_FOLIUM_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>\s*', re.I)
# folium's rules for a page that is nothing but the map: html and body at 100 % of the screen's height (the page's
# own content then overflows body, which breaks position: sticky and the page's scrolling) and #map absolute.
_FOLIUM_PAGE_RULES = re.compile(r"<style>\s*(?:html, body|#map) \{[^}]*\}\s*</style>\s*")


def render_parts(m: folium.Map, asset_url: Callable[[str], str]) -> MapParts:
    """Render the map's pieces for our own templates, with every asset pointing at a vendored file.

    The script part goes into a template's `<script nonce="{{ csp_nonce() }}">`; the head's inline
    <style> and <script> (folium's map-size rules and Leaflet flags) get this response's nonce here, as the policy allows no other.
    """
    from flask import has_request_context

    from fieldops.web.csp import nonce

    attr = f' nonce="{nonce()}"' if has_request_context() else ""
    figure = _figure(m)
    figure.render()
    head: list[str] = []
    for name, child in figure.header._children.items():
        if isinstance(child, JavascriptLink | CssLink):
            path = VENDORED_ASSETS.get(name)
            if path is None:
                raise UnvendoredAsset(f"folium wants {name!r} ({child.url}); vendor it and add it to VENDORED_ASSETS")
            url = asset_url(path)
            # defer: Leaflet (148 KB) and markercluster no longer hold up the page's first paint; they run once
            # the page is parsed, in document order, before the map's script (deferred_map_script).
            tag = f'<script src="{url}" defer></script>' if isinstance(child, JavascriptLink) else f'<link rel="stylesheet" href="{url}">'
            head.append(tag)
        elif isinstance(child, Element) and name == m.get_name():
            # The map div's own size rules and Leaflet's L_NO_TOUCH flags. Not folium's viewport meta (it sets
            # maximum-scale=1 and user-scalable=no, which takes pinch-zoom from everyone who needs to enlarge text)
            # nor its whole-page rules.
            own = _FOLIUM_PAGE_RULES.sub("", _FOLIUM_VIEWPORT.sub("", child.render()))
            head.append(own.replace("<style>", f"<style{attr}>").replace("<script>", f"<script{attr}>"))
    head.append(f'<script type="module" src="{asset_url(MARKER_SCRIPT)}"></script>')
    return MapParts(
        head=Markup("\n".join(head)),
        html=Markup(figure.html.render()),
        script=deferred_map_script(Markup(figure.script.render()), m.get_name()),
        name=m.get_name(),
    )


def render_map(m: folium.Map) -> MapParts:
    """The map's pieces for a page of the running app: every view renders its map through this one call.

    The asset URLs come from the app's manifest (fingerprinted names under /static), so no view needs to know it.
    """
    from flask import current_app

    return render_parts(m, current_app.extensions["fieldops.assets"].url)

