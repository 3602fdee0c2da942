"""Turn domain errors and HTTP errors into pages, fragments or JSON a person understands."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldops.errors import Busy, DomainError
from fieldops.web.validation import FieldError

# Lazy: translated into the page's language when the error is shown (fieldops/i18n.py).
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in again."),
    403: _l("You do not have access to this page."),
    404: _l("We could not find that page."),
    405: _l("That action is not allowed here."),
    413: _l("That file is too large to upload."),
}


def wants_json() -> bool:
    """True for an API client: its errors are JSON, never a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(message: str, status: int, code: str | None = None, **extra: str) -> Response:
    """JSON for API clients, a small fragment for htmx, a full page otherwise."""
    if wants_json():
        if code:
            extra["code"] = code
        return make_response(jsonify(error=message, status=status, **extra), status)
    if request.headers.get("HX-Request") == "true":
        resp = make_response(render_template("_error_fragment.html", message=message), status)
        # htmx does not swap error responses by default; point it at the page's message area.
        resp.headers["HX-Retarget"] = "#flash"
        resp.headers["HX-Reswap"] = "innerHTML"
        return resp
    return make_response(render_template("error.html", message=message, status=status), status)


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        body = {"field": exc.field} if isinstance(exc, FieldError) else {}
        resp = error_response(exc.message, exc.status_code, getattr(exc, "code", None), **body)
        if isinstance(exc, Busy):
            # The tablet's outbox retries a 503 with backoff; Retry-After tells it (and proxies) when.
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        # CSRF runs before the sign-in check; a signed-out API client must hear 401 (sign in), not "bad token".
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return error_response(str(MESSAGES[401]), 401)
        return error_response(_("This form has expired or was sent from elsewhere. Reload the page and try again."), 400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 413:
            from fieldops import get_settings

            message = _("That file is too large. The limit is %(mb)s MB per photo.", mb=f"{get_settings().max_photo_mb:g}")
        else:
            message = str(MESSAGES.get(status, exc.description or _("Something went wrong.")))
        return error_response(message, status)
