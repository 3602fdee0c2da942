"""One URL serves the full page or, to htmx, just the named block."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not a history restore, which needs the page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, block: str | None = None, *, status: int = 200, **context: Any) -> Response:
    """Render the whole template, or only `block` when htmx asks; caches learn they differ by HX-Request."""
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    resp = make_response(body, status)
    resp.vary.add("HX-Request")
    return resp
