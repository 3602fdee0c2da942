"""Open311 GeoReport v2 endpoints under /open311/v2/, in JSON and XML.

Reads are anonymous (GeoReport's GETs need no key) and carry CORS headers; writes need an API key
and are exempt from CSRF because no browser session is involved. Every failure is answered in the
standard error format, in the format the client asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as RoutingNotFound
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.catalog import changes as catalog_changes
from fieldops.errors import Busy, DomainError, Forbidden, NotFound, TooLarge
from fieldops.extensions import csrf, db
from fieldops.i18n import DEFAULT_LANGUAGE, LANGUAGES
from fieldops.open311 import keys, serializers, services
from fieldops.open311.admin import bp as admin_bp
from fieldops.open311.openapi import openapi_document
from fieldops.photos.services import photo_storage
from fieldops.photos.uploads import form_photos
from fieldops.web.access import public

class _AnythingConverter(BaseConverter):
    """Like `path`, but also across newlines, so no URL under /open311/ escapes the catch-all's error format."""

    regex = "(?s:.+)"
    part_isolating = False
    weight = 200


bp = Blueprint("open311", __name__)
bp.register_blueprint(admin_bp)
# Before any route of the blueprint is added (record callbacks run in order).
@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("open311_anything", _AnythingConverter)

FORMATS = "any(json, xml)"
SPEC = "http://wiki.open311.org/GeoReport_v2"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Standard messages for HTTP errors raised by Werkzeug inside a view (e.g. an upload over the size cap).
HTTP_MESSAGES = {
    400: "The request could not be understood.",
    405: "This method is not allowed here.",
    413: "The upload is too large.",
}


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _respond(fmt: str, data: Any, *, status: int = 200, root: str | None = None, item: str | None = None) -> Response:
    if fmt == "xml":
        body = serializers.to_xml(root or "response", item, data)
        return Response(body, status=status, content_type=serializers.XML_TYPE)
    return Response(serializers.to_json(data), status=status, content_type=serializers.JSON_TYPE)


def error_response(fmt: str, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """GeoReport's error list: [{"code": 404, "description": "..."}] or <errors><error>..."""
    resp = _respond(fmt, [serializers.error(status, message)], status=status, root="errors", item="error")
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def open311_view(view: Callable[..., Response]) -> Callable[..., Response]:
    """Check jurisdiction_id and NUL bytes; turn every refusal into a GeoReport error in the asked format."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        fmt = kwargs.get("fmt", "json")
        try:
            _check_arguments(kwargs)
            return view(*args, **kwargs)
        except keys.RateLimited as exc:
            return error_response(fmt, 429, exc.message, {"Retry-After": str(exc.retry_after)})
        except Busy as exc:
            return error_response(fmt, 503, exc.message, {"Retry-After": str(exc.retry_after)})
        except (NotFound, Forbidden, TooLarge) as exc:
            return error_response(fmt, exc.status_code, exc.message)
        except DomainError as exc:
            # GeoReport has one code for every refused argument.
            return error_response(fmt, 400, exc.message)
        except HTTPException as exc:
            status = exc.code or 400
            if status == 413:
                message = f"The upload is too large; the limit is {get_settings().max_photo_mb:g} MB."
            else:
                message = HTTP_MESSAGES.get(status, exc.description or "The request could not be handled.")
            return error_response(fmt, status, message)

    return public(wrapped)


def _check_arguments(kwargs: dict[str, Any]) -> None:
    # PostgreSQL text cannot hold NUL: refuse it here as a bad argument instead of failing in the database.
    values = [str(v) for v in kwargs.values()]
    for source in (request.args, request.form if request.method == "POST" else None):
        if source is not None:
            values += [k for k in source] + [v for _, vs in source.lists() for v in vs]
    # (Keys too: a multipart part can even arrive without a usable name.)
    if any(v is not None and "\x00" in v for v in values):
        raise services.BadArgument("Arguments may not contain NUL characters.")
    given = request.values.get("jurisdiction_id", "").strip()
    expected = get_settings().open311_jurisdiction
    # Optional because this endpoint serves one jurisdiction; a different one is a jurisdiction we do not know.
    if given and given != expected:
        raise NotFound(f"jurisdiction_id '{given}' not found; this endpoint serves '{expected}'.")


def _presented_key() -> str | None:
    """The api_key the client sent: the X-Api-Key header, else the form body, else the query string.

    One precedence for every method: the Open311 swagger declares api_key in the query string even for POST (and
    the PyPI `open311` client sends it there), others send it in the body or a header.
    """
    form = request.form if request.method == "POST" else None
    for value in (request.headers.get("X-Api-Key"), form.get("api_key") if form is not None else None, request.args.get("api_key")):
        if value:
            return value
    return None


def _post_fields() -> dict[str, list[str]]:
    # The swagger declares POST fields in the query string too; a field given in both places takes the body's value.
    fields = {k: vs for k, vs in request.args.lists() if k != "api_key"}
    fields.update((k, vs) for k, vs in request.form.lists() if k != "api_key")
    return fields


def _rate_limit_optional_key() -> None:
    # GETs need no key; a client that sends one is identified, counted and refused if the key is bad.
    presented = _presented_key()
    if presented:
        key = keys.authenticate(db.session(), presented)
        keys.consume(db.engine, key)


@bp.after_request
def _cors(resp: Response) -> Response:
    # Anyone may read public 311 data from a browser; writes need a key that must never live in a web page,
    # so POST gets no CORS headers and preflights only allow reads.
    if request.path.startswith("/open311/") and request.method in READ_METHODS:
        resp.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, X-Api-Key"
            resp.headers["Access-Control-Max-Age"] = "86400"
        else:
            resp.headers["Access-Control-Expose-Headers"] = "Link, Retry-After"
    return resp


# ---------------------------------------------------------------- discovery


NEVER_CHANGED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _changeset() -> str:
    """The last change to the published catalogue (fieldops/catalog/changes.py), in UTC to the second."""
    at = catalog_changes.last_change(db.session()) or NEVER_CHANGED
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _discovery() -> dict[str, Any]:
    settings = get_settings()
    changeset = _changeset()
    return {
        "changeset": changeset,
        "contact": f"{settings.city_name} 311",
        "key_service": "API keys are issued by the city's fieldops administrators.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": url_for("open311.root", _external=True).rstrip("/"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@bp.route(f"/open311/discovery.<{FORMATS}:fmt>")
@bp.route(f"/open311/v2/discovery.<{FORMATS}:fmt>")
@open311_view
def discovery(fmt: str) -> Response:
    return _respond(fmt, _discovery(), root="discovery")


@bp.route("/open311/v2/")
@open311_view
def root() -> Response:
    return _respond("json", _discovery())


@bp.route("/open311/v2/openapi.json")
@open311_view
def openapi() -> Response:
    codes = [s.code for s in services.list_services(db.session())]
    base = url_for("open311.root", _external=True).rstrip("/")
    return _respond("json", openapi_document(base, codes, get_settings().open311_jurisdiction))


# ---------------------------------------------------------------- services


def _locale() -> str:
    """The catalogue's language: `locale` (an extension: es, pt, ht, or a tag like es-US); English without it.

    GeoReport v2 has no language parameter and its clients expect the catalogue as published, so neither the
    browser's Accept-Language nor the language menu changes these answers; an unknown locale is English.
    """
    tag = request.args.get("locale", "").strip().replace("_", "-").split("-")[0].lower()
    return tag if tag in LANGUAGES else DEFAULT_LANGUAGE


@bp.route(f"/open311/v2/services.<{FORMATS}:fmt>")
@open311_view
def service_list(fmt: str) -> Response:
    _rate_limit_optional_key()
    data = [serializers.service(s) for s in services.list_services(db.session(), _locale())]
    resp = _respond(fmt, data, root="services", item="service")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.route(f"/open311/v2/services/<service_code>.<{FORMATS}:fmt>")
@open311_view
def service_definition(service_code: str, fmt: str) -> Response:
    _rate_limit_optional_key()
    st = services.get_service(db.session(), service_code)
    resp = _respond(fmt, serializers.service_definition(st, _locale()), root="service_definition")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


# ---------------------------------------------------------------- requests


def _photo_url(photo: services.PublicPhoto) -> str:
    return url_for("open311.media", photo_id=photo.id, ext=photo.extension, _external=True)


def _requests_response(fmt: str, items: list[services.PublicRequest], extensions: bool) -> Response:
    zone = _zone()
    data = [serializers.request(r, zone, _photo_url, extensions=extensions) for r in items]
    if fmt == "xml":
        resp = Response(serializers.requests_document(data), content_type=serializers.XML_TYPE)
    else:
        resp = Response(serializers.to_json(data), content_type=serializers.JSON_TYPE)
    # Status changes while crews work: clients and proxies must revalidate.
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.route(f"/open311/v2/requests.<{FORMATS}:fmt>", methods=["GET"])
@open311_view
def request_list(fmt: str) -> Response:
    _rate_limit_optional_key()
    query = services.parse_query(request.args, zone=_zone())
    items = services.find_requests(db.session(), query)
    resp = _requests_response(fmt, items, query.extensions)
    if query.ids is None and len(items) == query.page_size:
        # A full page: there may be more. Clients that know paging follow the link; others ignore it.
        args = request.args.to_dict()
        args["page"] = str(query.page + 1)
        resp.headers["Link"] = f'<{url_for("open311.request_list", fmt=fmt, _external=True, **args)}>; rel="next"'
    return resp


@bp.route(f"/open311/v2/requests.<{FORMATS}:fmt>", methods=["POST"])
@open311_view
def request_create(fmt: str) -> Response:
    key = keys.authenticate(db.session(), _presented_key())
    keys.consume(db.engine, key)
    sent = form_photos(request.files.getlist("media"), get_settings())
    # Open311 clients send one request at a time and can resend it whole: refuse it with the reason.
    if sent.too_large:
        raise TooLarge(f"media: {sent.too_large[0]}")
    if sent.refused:
        raise DomainError(f"media: {sent.refused[0]}")
    uploads = [services.Upload(photo.filename, photo.data) for photo in sent.accepted]
    req = services.submit_request(db.session(), get_settings(), key, _post_fields(), uploads)
    notice = services.sla_notice(
        req.department.name if req.department else None,
        req.service_type.name,
        req.service_type.sla_unit,
        req.service_type.sla_value,
        req.service_type.sla_hours,
    )
    tracking = req.tracking_number
    data = [{"service_request_id": tracking, "service_notice": notice, "account_id": None}]
    resp = _respond(fmt, data, root="service_requests", item="request")
    resp.headers["Location"] = url_for("open311.request_detail", service_request_id=tracking, fmt=fmt, _external=True)
    return resp


# Authenticated by API key, not by a browser session, so there is no session for a forged form to ride on.
csrf.exempt(request_create)


@bp.route(f"/open311/v2/requests/<service_request_id>.<{FORMATS}:fmt>")
@open311_view
def request_detail(service_request_id: str, fmt: str) -> Response:
    _rate_limit_optional_key()
    extensions = services._bool_arg("extensions", request.args.get("extensions"))
    item = services.get_request(db.session(), service_request_id, extensions=extensions)
    return _requests_response(fmt, [item], extensions)


@bp.route(f"/open311/v2/tokens/<token>.<{FORMATS}:fmt>")
@open311_view
def token(token: str, fmt: str) -> Response:
    _rate_limit_optional_key()
    service_request_id = services.resolve_token(db.session(), token)
    return _respond(fmt, [{"service_request_id": service_request_id, "token": token}], root="service_requests", item="request")


@bp.route("/open311/v2/media/<photo_id>.<any(jpg, png, webp):ext>")
@open311_view
def media(photo_id: str, ext: str) -> Response:
    photo = services.public_photo(db.session(), photo_id)
    if not photo.storage_key.endswith(f".{ext}"):
        raise NotFound("media not found.")
    etag = photo.sha256[:32]
    if etag in request.if_none_match:
        return Response(status=304)
    resp = Response(photo_storage(get_settings()).read(photo.storage_key), content_type=photo.content_type)
    resp.set_etag(etag)
    # The id is an unguessable UUID and the bytes never change (evidence is append-only).
    resp.headers["Cache-Control"] = "public, max-age=604800, immutable"
    return resp


# ---------------------------------------------------------------- anything else under /open311/


@bp.route("/open311/<open311_anything:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@open311_view
def unknown(rest: str) -> Response:
    fmt = "xml" if rest.endswith(".xml") else "json"
    # A known URL with another method: 405 and Allow, in the standard error format.
    adapter = current_app.url_map.bind("localhost")
    allowed: set[str] = set()
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except (RoutingNotFound, MethodNotAllowed):
            continue
        if endpoint != "open311.unknown":
            allowed.add(method)
    if allowed:
        methods = sorted(allowed | ({"HEAD", "OPTIONS"} if "GET" in allowed else set()))
        return error_response(fmt, 405, HTTP_MESSAGES[405], {"Allow": ", ".join(methods)})
    return error_response(fmt, 404, f"No such Open311 resource: /open311/{rest}. See {url_for('open311.openapi', _external=True)}.")


csrf.exempt(unknown)  # it changes nothing; a POST to a wrong URL should hear 404/405, not a CSRF complaint

