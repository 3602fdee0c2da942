"""Content-Security-Policy: one nonce per page, a strict policy, and the endpoint browsers report violations to.

The policy is the second line of defence: every value the app writes into HTML is escaped (Jinja autoescape,
fieldops.maps.builder.escape_properties for map layers, pwa/js/html.js in the browser), and if one is missed
the browser still refuses any script the server did not write, because only scripts carrying this
response's nonce (or loaded from our own origin) run.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

from flask import Blueprint, Flask, Response, request

from fieldops.extensions import csrf
from fieldops.settings import Settings
from fieldops.web.access import public

log = logging.getLogger("fieldops.csp")

bp = Blueprint("csp", __name__)

REPORT_PATH = "/csp-report"
# A violation report is a few hundred bytes; anything much bigger is not a browser reporting.
MAX_REPORT_BYTES = 8 * 1024
# htmx fragments are swapped into a page whose policy holds that page's nonce, not the fragment's: the page's
# scripts send their nonce (pwa/js/app.js) and the fragment's own <script> tags are written with it, so htmx,
# which copies a script's attributes when it runs it, runs only those. The header is only ever echoed into
# a nonce attribute, so it must look like one of ours.
NONCE_HEADER = "X-Fieldops-Nonce"
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{22,64}")
ENVIRON_KEY = "fieldops.csp_nonce"


def nonce() -> str:
    """The nonce of the response being built; every inline <script> and <style> the server writes carries it."""
    # Chosen on first use, so responses that end before any before_request hook ran (a login redirect) get one too.
    # Kept in the request's environ, not in g: g belongs to the app context, which can outlive one request.
    env = request.environ
    if ENVIRON_KEY not in env:
        sent = request.headers.get(NONCE_HEADER, "")
        if request.headers.get("HX-Request") == "true" and _NONCE_RE.fullmatch(sent):
            env[ENVIRON_KEY] = sent
        else:
            env[ENVIRON_KEY] = secrets.token_urlsafe(16)
    return env[ENVIRON_KEY]  # type: ignore[no-any-return]


def policy(settings: Settings, page_nonce: str) -> str:
    """The Content-Security-Policy header value for one response."""
    tiles = settings.tile_origin
    return "; ".join(
        (
            "default-src 'self'",
            f"img-src 'self' data: blob: {tiles}",
            f"connect-src 'self' {tiles}",
            # Leaflet places tiles and markers through element.style (the CSSOM), which style-src does not govern;
            # the only <style> elements are folium's map-size rules, written with the nonce.
            f"style-src 'self' 'nonce-{page_nonce}'",
            f"script-src 'self' 'nonce-{page_nonce}'",
            # /sw.js, and browser-image-compression's blob: worker.
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            f"report-uri {REPORT_PATH}",
            "report-to csp",
        )
    )


def _add_headers(settings: Settings, resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", policy(settings, nonce()))
    resp.headers.setdefault("Reporting-Endpoints", f'csp="{REPORT_PATH}"')
    return resp


@bp.route(REPORT_PATH, methods=["POST"])
@public
@csrf.exempt
def report() -> Response:
    """Log a browser's violation report (report-uri or Reporting API format); the body is bounded and never echoed."""
    length = request.content_length
    if length is not None and length > MAX_REPORT_BYTES:
        return Response(status=413)
    body = request.stream.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return Response(status=413)
    try:
        data = json.loads(body)
    except ValueError:
        return Response(status=400)
    # report-uri sends {"csp-report": {...}}; report-to sends [{"type": "csp-violation", "body": {...}}, ...].
    reports = [data.get("csp-report", data)] if isinstance(data, dict) else [r.get("body", r) for r in data if isinstance(r, dict)]
    for r in reports[:10]:
        if not isinstance(r, dict):
            continue
        log.warning(
            "CSP violation: %s blocked %s on %s (%s:%s) sample=%r",
            _field(r, "effective-directive", "effectiveDirective", "violated-directive"),
            _field(r, "blocked-uri", "blockedURL"),
            _field(r, "document-uri", "documentURL"),
            _field(r, "source-file", "sourceFile"),
            _field(r, "line-number", "lineNumber"),
            _field(r, "script-sample", "sample")[:80],
        )
    return Response(status=204)


def _field(report: dict[str, object], *names: str) -> str:
    for name in names:
        value = report.get(name)
        if value is not None:
            # One line per report: a forged report cannot add lines to the log.
            return str(value)[:300].replace("\n", " ").replace("\r", " ")
    return ""


def init_app(app: Flask, settings: Settings) -> None:
    """Add the policy to each response, offer the nonce to templates, and take reports."""
    app.after_request(lambda resp: _add_headers(settings, resp))
    app.jinja_env.globals["csp_nonce"] = nonce
    app.register_blueprint(bp)
