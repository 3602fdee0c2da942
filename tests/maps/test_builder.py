import re

import pytest

from fieldops.maps.builder import Point, UnvendoredAsset, build_map, render_parts, script_json
from fieldops.settings import Settings


def _asset_url(path: str) -> str:
    return f"/static/{path}"


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(instance_path=tmp_path, database_url="sqlite://", secret_key="x", storage_path=tmp_path, tile_url="https://tiles.example.gov/{z}/{x}/{y}.png", tile_attribution="City GIS")


def test_map_uses_only_vendored_files_and_the_configured_tiles(settings: Settings) -> None:
    points = [Point(42.38 + i / 1000, -71.1, f"/work-orders/{i}", f"job {i}") for i in range(50)]
    parts = render_parts(build_map(settings, points=points, districts=None), _asset_url)
    everything = parts.head + parts.html + parts.script
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", everything))
    assert urls == {"https://tiles.example.gov/{z}/{x}/{y}.png"}
    assert "/static/vendor/leaflet/leaflet.js" in parts.head
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in parts.head
    assert "City GIS" in parts.script


def test_thousands_of_points_are_one_json_payload(settings: Settings) -> None:
    points = [Point(42.3 + (i % 100) / 1000, -71.1 + (i // 100) / 1000, f"/w/{i}", f"#{i}") for i in range(5000)]
    parts = render_parts(build_map(settings, points=points), _asset_url)
    # No per-marker L.marker() calls in the server output: the browser builds them from columns.
    assert parts.script.count("L.marker(") == 0
    assert parts.script.count('"fieldops:cluster"') == 1
    assert "/w/4999" in parts.script


def test_labels_cannot_break_out_of_the_script(settings: Settings) -> None:
    parts = render_parts(build_map(settings, points=[Point(42.38, -71.1, "/w/1", "</script><script>alert(1)</script>")]), _asset_url)
    assert "</script>" not in parts.script


def test_an_unvendored_folium_plugin_fails_loudly(settings: Settings) -> None:
    from folium.plugins import Fullscreen

    m = build_map(settings)
    Fullscreen().add_to(m)
    with pytest.raises(UnvendoredAsset, match="vendor it"):
        render_parts(m, _asset_url)


def test_a_map_without_points_can_open_on_the_city_bounds(settings: Settings) -> None:
    parts = render_parts(build_map(settings, bounds=(-71.13, 42.37, -71.07, 42.42)), _asset_url)
    assert "fitBounds" in parts.script and "42.42" in parts.script


@pytest.mark.parametrize("label", ["{{ 7*7 }} {{ this.__class__ }}", "{% if", "{# open comment", "}} {%- raw %}"])
def test_labels_are_never_read_as_template_code(settings: Settings, label: str) -> None:
    # folium compiles an element's rendered script as a Jinja template; the points' payload must skip that.
    parts = render_parts(build_map(settings, points=[Point(42.38, -71.1, "/w/1", label)]), _asset_url)
    assert script_json([label])[1:-1] in parts.script
    assert "branca.element" not in parts.script


def test_route_stops_are_never_read_as_template_code(settings: Settings) -> None:
    from fieldops.visits.views import VisitRoute

    m = build_map(settings)
    VisitRoute([{"lat": 42.38, "lon": -71.1, "label": "{{ 7*7 }} at {% if"}], None).add_to(m)
    parts = render_parts(m, _asset_url)
    assert "{{ 7*7 }} at {% if" in parts.script


def test_a_view_renders_its_map_with_the_apps_fingerprinted_assets(settings: Settings) -> None:
    from fieldops import create_app
    from fieldops.maps.builder import render_map

    app = create_app(settings)
    with app.test_request_context("/"):
        parts = render_map(build_map(settings, points=[Point(42.38, -71.1, "/w/1", "job")]))
    manifest = app.extensions["fieldops.assets"]
    assert f'src="{manifest.url("vendor/leaflet/leaflet.js")}"' in parts.head
    assert f'src="{manifest.url("js/map-markers.js")}"' in parts.head
    assert "nonce=" in parts.head


def test_the_map_leaves_the_page_its_zoom_and_its_scrolling(settings: Settings) -> None:
    # folium writes a standalone page's rules: no pinch-zoom (maximum-scale=1, user-scalable=no) and html/body at
    # the screen's height, which breaks the page's own scrolling and its sticky message area. Ours keeps neither.
    parts = render_parts(build_map(settings, points=[Point(42.38, -71.1, "/w/1", "a job")]), _asset_url)
    head = str(parts.head)
    assert "viewport" not in head and "user-scalable" not in head
    assert "html, body" not in head and "#map {" not in head
    assert "position: relative" in head  # the map's own size rules stay


def test_leaflet_does_not_hold_up_the_first_paint(settings: Settings) -> None:
    # Leaflet and markercluster are deferred; the map's script waits for them (DOMContentLoaded) and keeps the map a
    # global of its name, which the location picker's templates hand on.
    parts = render_parts(build_map(settings, points=[Point(42.38, -71.1, "/w/1", "a job")]), _asset_url)
    assert re.search(r'<script src="/static/vendor/leaflet/leaflet\.js" defer>', parts.head)
    assert re.search(r'<script src="/static/vendor/leaflet\.markercluster/leaflet\.markercluster\.js" defer>', parts.head)
    script = str(parts.script)
    assert 'document.addEventListener("DOMContentLoaded", start)' in script
    # A map inside a hidden view tab waits to be shown (tests/browser/test_phone_layout.py watches it happen).
    assert 'addEventListener("fieldops:view-shown", draw' in script
    assert f'window["{parts.name}"] = {parts.name};' in script
    assert script.index("function draw()") < script.index("L.map(") < script.index("DOMContentLoaded")
