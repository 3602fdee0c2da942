"""/sw.js, /manifest.webmanifest and /offline: public, at the site root, always revalidated."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Flask, abort, current_app, request, url_for
from werkzeug.wrappers import Response

from fieldops.pwa.build import SW_TEMPLATE, BuildResult, content_revision, precache_entries, render_service_worker, tile_route
from fieldops.settings import Settings
from fieldops.web.access import public
from fieldops.web.assets import AssetManifest

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#1f4e79"
OFFLINE_TEMPLATE = "pwa/offline.html"
_SW_KEY = "fieldops.pwa.sw"


def _assets(app: Flask) -> AssetManifest:
    return app.extensions["fieldops.assets"]  # type: ignore[no-any-return]


def _build(app: Flask) -> BuildResult:
    build = _assets(app).build
    if build is None:
        # Only when pwa/ could not be built (read-only and never built): run `fieldops build-assets`.
        abort(404)
    return build


def render_offline_page() -> str:
    """The offline page, rendered without the request, the session or the user (it is precached
    once and shown to whoever is signed in), so its bytes depend only on the code and settings."""
    from flask_babel import force_locale

    from fieldops.i18n import DEFAULT_LANGUAGE

    # One language for everyone: the bytes must not depend on the Accept-Language of whoever fetched /sw.js first.
    with force_locale(DEFAULT_LANGUAGE):
        return current_app.jinja_env.get_template(OFFLINE_TEMPLATE).render()


def service_worker_text() -> str:
    """The worker for this app (its build, its settings); made once per app."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    text: str | None = app.extensions.get(_SW_KEY)
    if text is None:
        build = _build(app)
        settings: Settings = app.extensions["fieldops.settings"]
        template = (_assets(app).root / SW_TEMPLATE).read_text(encoding="utf-8")
        offline = {"url": url_for("pwa.offline"), "revision": content_revision(render_offline_page())}
        text = render_service_worker(
            template, build, precache=precache_entries(build, extra=[offline]), tiles=tile_route(settings.tile_url)
        )
        app.extensions[_SW_KEY] = text
    return text


def _revalidated(body: str, content_type: str) -> Response:
    resp = current_app.response_class(body, content_type=content_type)
    resp.headers["Cache-Control"] = "no-cache"
    resp.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return resp.make_conditional(request)


@bp.route("/sw.js")
@public
def service_worker() -> Response:
    resp = _revalidated(service_worker_text(), "text/javascript; charset=utf-8")
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.route("/manifest.webmanifest")
@public
def web_manifest() -> Response:
    settings: Settings = current_app.extensions["fieldops.settings"]
    assets = _assets(current_app)
    icons = []
    for size, purpose in (("192", "any"), ("512", "any"), ("512", "maskable")):
        icons.append({"src": assets.url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose})
    manifest = {
        "id": "/",
        "name": f"fieldops — {settings.city_name}",
        "short_name": "fieldops",
        "description": "Work orders, photos and closures for field crews, online or not.",
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    return _revalidated(json.dumps(manifest, ensure_ascii=False, indent=2), "application/manifest+json")


@bp.route("/offline")
@public
def offline() -> Response:
    return _revalidated(render_offline_page(), "text/html; charset=utf-8")
