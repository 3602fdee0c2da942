"""The sync API the tablet's outbox talks to, its OpenAPI document, and the conflicts page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.db import utcnow
from fieldops.errors import DomainError, PhotosMissing
from fieldops.extensions import db
from fieldops.photos import services as photos
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.uploads import read_photo_body
from fieldops.sync import protocol, reasons, services
from fieldops.sync.http import no_store_json as _json
from fieldops.sync.openapi import openapi_document
from fieldops.sync.registry import registered_kinds, registered_paths
from fieldops.web.validation import FieldError

bp = Blueprint("sync", __name__)


@bp.route("/api/session")
def session_info() -> Response:
    user = current_user
    return _json(
        {
            "user": {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role.value},
            "csrf_token": generate_csrf(),
            "server_time": utcnow().isoformat(),
        }
    )


def _photo_json(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "sha256": photo.sha256,
        "size": photo.size,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at is not None else None,
        "attached": photo.request_id is not None or photo.work_order_id is not None,
    }


# A plain <photo_id> (not <uuid:>) so a malformed id is our 404, after the sign-in check, like every other route.
@bp.route("/api/photos/<photo_id>", methods=["PUT"])
def put_photo(photo_id: str) -> Response:
    try:
        pid = str(uuid.UUID(photo_id))
    except ValueError:
        abort(404)
    try:
        kind = PhotoKind(request.args.get("kind", ""))
    except ValueError as exc:
        raise DomainError(_("Say what kind of photo this is: before, after, intake or visit.")) from exc
    # One photo's cap, not the form cap: over it is a 413 before (or while) reading, never a body in memory.
    raw = read_photo_body(request, get_settings())
    filename = request.args.get("filename", "")

    def stage() -> tuple[Photo, bool]:
        return photos.stage_photo(db.session(), get_settings(), current_user, photo_id=pid, raw=raw, kind=kind, filename=filename)

    try:
        photo, created = stage()
        db.session.commit()
    except IntegrityError:
        # The same upload arrived twice at once and the other copy won: answer as for a retry.
        db.session.rollback()
        photo, created = stage()
    return _json(_photo_json(photo), 201 if created else 200)


@bp.route("/api/sync/actions", methods=["POST"])
def sync_action() -> Response:
    key = protocol.parse_key(request.headers.get("Idempotency-Key"))
    body = request.get_json(silent=True)
    if body is None:
        return _json({"key": key, "error": "The change must be sent as JSON."}, 400, key)
    try:
        answer = _apply(key, body)
    except StaleDataError:
        # SQLite only (PostgreSQL locks the row first): another write to the job landed in between. Retryable.
        db.session.rollback()
        resp = _json({"key": key, "error": "The work order changed at the same moment; this will be retried."}, 503, key)
        resp.headers["Retry-After"] = "2"
        return resp
    except DomainError as exc:
        # Refusals are not stored under the key: nothing of this change was written.
        db.session.rollback()
        answer_body: dict[str, object] = {"key": key, "error": exc.message}
        if isinstance(exc, PhotosMissing):
            # The tablet sends these photos again, then the change (pwa/js/outbox.js).
            answer_body.update(code=exc.code, photo_ids=exc.photo_ids)
        elif isinstance(exc, FieldError):
            answer_body["field"] = exc.field
        return _json(answer_body, exc.status_code, key)
    except Exception:
        # A 500 must leave nothing behind (not even the claimed key), so the tablet's retry applies cleanly.
        db.session.rollback()
        raise
    resp = make_response(answer.body, answer.status_code)
    resp.mimetype = "application/json"
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Idempotency-Key"] = key
    return resp


def _apply(key: str, body: Any) -> protocol.SyncAnswer:
    try:
        answer = protocol.apply_action(db.session(), get_settings(), current_user, key, body, registered_kinds())
        db.session.commit()
        return answer
    except IntegrityError:
        # Most likely the same key applied by a concurrent request that committed first: answer what it answered.
        db.session.rollback()
        stored = protocol.stored_answer(db.session(), current_user, key, protocol.fingerprint(body))
        if stored is None:
            raise
        return stored


@bp.route("/api/sync/conflicts")
def conflicts_json() -> Response:
    conflicts = services.open_conflicts(db.session(), current_user)
    return _json([{**services.conflict_json(c), "url": url_for("workorders.detail", work_order_id=c.work_order_id)} for c in conflicts])


@bp.route("/conflicts")
def conflicts() -> str:
    return render_template(
        "sync/conflicts.html",
        conflicts=services.open_conflicts(db.session(), current_user),
        reason_text=reasons.reason_text,
        title=_("Sync conflicts"),
        kind_labels={name: kind.label or name for name, kind in registered_kinds().items()},
    )


# A plain <conflict_id> so a malformed id is a 404 after the sign-in and CSRF checks.
@bp.route("/conflicts/<conflict_id>/resolve", methods=["POST"])
def resolve(conflict_id: str) -> Response:
    if not conflict_id.isdigit():
        abort(404)
    conflict = services.resolve_conflict(db.session(), current_user, int(conflict_id), request.form.get("note", ""))
    db.session.commit()
    flash(_("Conflict on work order #%(id)s marked resolved.", id=conflict.work_order_id), "success")
    return redirect(url_for("sync.conflicts"))


@bp.route("/api/sync/openapi.json")
def openapi() -> Response:
    # Built from the kinds the features registered, so the document is what the API checks.
    return _json(openapi_document(registered_kinds(), registered_paths()))


@bp.app_context_processor
def _conflict_count() -> dict[str, Any]:
    def count() -> int:
        # Called only where the template asks (the supervisors' nav), so other pages cost no query.
        if not current_user.is_authenticated:
            return 0
        return services.open_conflict_count(db.session(), current_user)

    return {"open_conflict_count": count}

