"""/sw.js, /manifest.webmanifest, /offline and /static headers."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from fieldops import create_app
from fieldops.pwa.build import content_revision
from helpers import login

WORKBOX_MODULES_USED = ("core", "routing", "strategies", "precaching", "expiration", "cacheable-response")


def _config(text: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text.split("const FIELDOPS = ", 1)[1].split(";\n", 1)[0])  # type: ignore[no-any-return]


def _static(client, url: str) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    """GET a file WhiteNoise serves, closing it (an unclosed file is a ResourceWarning)."""
    with client.get(url) as resp:
        return resp.status_code, dict(resp.headers), resp.get_data()


@pytest.fixture
def sw(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/sw.js").get_data(as_text=True)  # type: ignore[no-any-return]


def test_pwa_routes_are_public_and_always_revalidated(client) -> None:  # type: ignore[no-untyped-def]
    for path, content_type in (
        ("/sw.js", "text/javascript; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/offline", "text/html; charset=utf-8"),
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Content-Type"] == content_type
        assert resp.headers["Cache-Control"] == "no-cache"
        # Revalidation is cheap: an unchanged file is a 304.
        assert client.get(path, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    assert client.get("/sw.js").headers["Service-Worker-Allowed"] == "/"


def test_worker_loads_vendored_workbox_at_the_top_level(client, sw, app) -> None:  # type: ignore[no-untyped-def]
    config = _config(sw)
    assets = app.extensions["fieldops.assets"]
    assert config["workboxSw"] == assets.url("vendor/workbox/workbox-sw.js")
    assert "importScripts(FIELDOPS.workboxSw);" in sw
    assert "debug: false" in sw and "modulePathPrefix: FIELDOPS.workboxPrefix" in sw
    assert config["workboxPrefix"] == "/static/vendor/workbox/"
    for name in WORKBOX_MODULES_USED:
        # At the start of a line: top level, not inside a handler.
        assert re.search(rf'^workbox\.loadModule\("workbox-{name}"\);$', sw, re.M), name
        url = config["workboxModules"][f"workbox-{name}"]
        assert _static(client, url)[0] == 200
        assert _static(client, f"/static/vendor/workbox/workbox-{name}.prod.js")[0] == 200
    assert "backgroundSync" not in sw and 'loadModule("workbox-background-sync")' not in sw


def test_precache_manifest_is_injected(client, sw, app) -> None:  # type: ignore[no-untyped-def]
    precache = _config(sw)["precache"]
    assets = app.extensions["fieldops.assets"]
    by_url = {e["url"]: e["revision"] for e in precache}
    assert len(by_url) == len(precache)
    for path in (
        "css/app.css", "js/app.js", "js/sw-register.js", "icons/favicon.png", "icons/icon-192.png",
        "vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
        "vendor/leaflet.markercluster/leaflet.markercluster.js", "vendor/leaflet.markercluster/MarkerCluster.css",
        "vendor/dexie/dexie.min.mjs", "vendor/workbox/workbox-window.prod.mjs", "vendor/browser-image-compression/browser-image-compression.js",
    ):  # fmt: skip
        assert by_url[assets.url(path)] is None, path  # the hash is in the URL
    # The worker's workbox modules are importScripts'd, not precached; the pages' workbox-window module is.
    assert [url for url in by_url if "workbox" in url] == [assets.url("vendor/workbox/workbox-window.prod.mjs")]
    for url in by_url:
        assert _static(client, url)[0] == 200, url
    # The offline page has no hash in its URL: its revision is the hash of what /offline serves.
    offline = client.get("/offline").get_data()
    assert by_url["/offline"] == content_revision(offline)
    assert by_url["/static/vendor/leaflet/images/marker-icon.png"] is not None


def test_worker_names_no_host_but_the_tile_server(sw, settings) -> None:  # type: ignore[no-untyped-def]
    hosts = set(re.findall(r"https?:(?:\\?/){2}[^\s\"'\\/]+", sw))
    assert {h.replace("\\/", "/") for h in hosts} == {settings.tile_origin}
    tiles = _config(sw)["tiles"]
    assert tiles["origin"] == settings.tile_origin == "http://127.0.0.1:9"
    assert tiles["pathPrefix"] == "/tiles/"
    assert re.match(tiles["pattern"], "http://127.0.0.1:9/tiles/15/9911/12120.png")


def test_worker_routes_and_messages(sw) -> None:  # type: ignore[no-untyped-def]
    assert "workbox.precaching.precacheAndRoute(self.__WB_MANIFEST_INJECTED)" in sw
    assert "workbox.precaching.cleanupOutdatedCaches()" in sw
    assert "workbox.core.clientsClaim()" in sw
    for name in ("fieldops-pages", "fieldops-data", "fieldops-tiles"):
        assert f'"{name}"' in sw
    assert "networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS" in sw and "NETWORK_TIMEOUT_SECONDS = 4" in sw
    assert "statuses: [200]" in sw and "statuses: [0, 200]" in sw
    assert "maxEntries: 3000, maxAgeSeconds: 30 * 24 * 3600, purgeOnQuotaError: true" in sw
    assert "matchPrecache(FIELDOPS.offlinePage)" in sw and _config(sw)["offlinePage"] == "/offline"
    # "/" offline: a redirect to the start page recorded in the data cache (fieldops/offline/views.py start_record).
    assert _config(sw)["startData"] == "/api/offline/start.json" and "cache.match(FIELDOPS.startData)" in sw
    for message in ("SKIP_WAITING", "CLEAR_USER_CACHES", "OUTBOX_SYNC", "fieldops-outbox"):
        assert f'"{message}"' in sw
    assert "includeUncontrolled: true, type: \"window\"" in sw


def test_worker_version_is_the_hash_of_its_text_and_follows_settings(sw, settings) -> None:  # type: ignore[no-untyped-def]
    version = _config(sw)["version"]
    blank = sw.replace(f'"version": "{version}"', '"version": ""', 1)
    assert version == hashlib.sha256(blank.encode()).hexdigest()[:12]
    other = create_app(settings.with_(tile_url="https://tiles.example.gov/{z}/{x}/{y}.png"))
    other_sw = other.test_client().get("/sw.js").get_data(as_text=True)
    assert _config(other_sw)["version"] != version
    assert "https://tiles.example.gov" in other_sw
    # Same app, same settings: the same bytes.
    assert create_app(settings).test_client().get("/sw.js").get_data(as_text=True) == sw


def test_web_app_manifest(client, app, settings) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["name"] == f"fieldops — {settings.city_name}"
    assert manifest["short_name"] == "fieldops"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["background_color"] == manifest["theme_color"] == "#1f4e79"
    icons = {(i["sizes"], i["purpose"]): i for i in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in icons.values():
        assert icon["type"] == "image/png"
        status, _headers, body = _static(client, icon["src"])
        assert status == 200 and body.startswith(b"\x89PNG")


def test_offline_page_is_the_same_for_everyone(client, city) -> None:  # type: ignore[no-untyped-def]
    anonymous = client.get("/offline").get_data(as_text=True)
    assert "You are offline. This page was not saved for offline use. Your work is kept on this tablet and will be sent when you are back online." in anonymous
    # No page of any one role: the links come from the signed-in user's start record (pwa/js/offline-page.js).
    assert 'href="/my-work"' not in anonymous and 'href="/requests/new"' not in anonymous
    assert "data-offline-links" in anonymous and "/js/offline-page." in anonymous
    login(client, "alice")
    signed_in = client.get("/offline").get_data(as_text=True)
    assert signed_in == anonymous
    assert "Alice" not in signed_in and "csrf" not in signed_in.lower()


def test_static_cache_headers(client, app) -> None:  # type: ignore[no-untyped-def]
    hashed = app.extensions["fieldops.assets"].url("css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", hashed)
    status, headers, _body = _static(client, hashed)
    assert status == 200 and headers["Cache-Control"] == "max-age=31536000, public, immutable"
    for unhashed in ("/static/css/app.css", "/static/vendor/leaflet/images/layers.png"):
        status, headers, _body = _static(client, unhashed)
        assert status == 200 and headers["Cache-Control"] == "max-age=300, public"
    assert _static(client, "/static/sw-template.js")[0] == 404


def test_pages_link_the_manifest_and_register_the_worker(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    resp = client.get("/my-work")
    html = resp.get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#1f4e79">' in html
    assert re.search(r'<script type="module" src="/static/js/sw-register\.[0-9a-f]{12}\.js"></script>', html)
    assert re.search(r'<link rel="apple-touch-icon" href="/static/icons/icon-192\.[0-9a-f]{12}\.png">', html)
    assert "?v=" not in html
    assert "worker-src 'self' blob:" in resp.headers["Content-Security-Policy"]
