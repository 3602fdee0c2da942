"""Turn domain errors and HTTP errors into pages, fragments or JSON a person understands."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldops.errors import DomainError

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in again.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "That file is too large to upload.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(message: str, status: int, code: str | None = None) -> Response:
    """JSON for API clients, a small fragment for htmx, a full page otherwise."""
    if _wants_json():
        extra = {"code": code} if code else {}
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
        return error_response(exc.message, exc.status_code)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        # CSRF runs before the sign-in check; a signed-out API client must hear 401 (sign in), not "bad token".
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return error_response(MESSAGES[401], 401)
        return error_response("This form has expired or was sent from elsewhere. Reload the page and try again.", 400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 413:
            from fieldops import get_settings

            message = f"That file is too large. The limit is {get_settings().max_photo_mb:g} MB per photo."
        else:
            message = MESSAGES.get(status, exc.description or "Something went wrong.")
        return error_response(message, status)
