"""The sync protocol core: replay outbox actions exactly once, whatever feature they belong to.

Rules (the tablet's outbox relies on them):
- An action's key (the outbox item's UUID) is claimed by inserting its IdempotencyKey row BEFORE the work, in the
  same transaction. A concurrent twin blocks on the primary key and fails when the first commits; the view then
  answers with the stored response. Same key + same body later: the stored status and body, nothing else happens.
  Same key + other body, or another user's key: 422.
- Stored answers: 2xx and 409 conflicts. Refusals (422 needs attention, 403, 404, a taken tracking number) are not
  stored: the transaction rolls back, nothing is written, and a resend with the same key is judged afresh.
- An action is checked in this order: its envelope (kind, work order, photo ids, captured_at), who may send its
  kind, the kind's own checks, the kind's JSON Schema; then the key is claimed and the kind's handler applies it.
- A conflict (the change contradicts what happened to the record while the tablet was offline) is filed by
  `file_conflict`, the same for every kind: a SyncConflict when there is a work order, a "sync:conflict" history
  entry, and a 409 that says what was kept for a supervisor; it is stored under the key.
- Times: a tablet's captured_at outside the settings' bounds is refused (a person should check that clock);
  inside them, `clamp` keeps it in [the record's creation, now], so clocks of the SLA reflect when the work was
  done, not when signal came back.

The kinds themselves are registered by their features (fieldops/sync/registry.py); this module names none of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.activity.verbs import Verb
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden
from fieldops.photos.services import parse_photo_id
from fieldops.settings import Settings
from fieldops.sync import reasons
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.sync.reasons import Reason
from fieldops.sync.registry import OutboxKind
from fieldops.web import validation
from fieldops.web.validation import FieldError

MAX_PHOTOS = 20
KEY_REUSED = "This sync key was already used for a different change."
# (HTTP status, answer): what a kind's handler returns once it applied (or filed a conflict for) an action.
Outcome = tuple[int, dict[str, Any]]


class BadKey(DomainError):
    """The Idempotency-Key header is missing or not a UUID."""

    status_code = 400


class KeyReused(DomainError):
    """The key belongs to another change (or another user)."""


@dataclasses.dataclass(frozen=True)
class SyncAnswer:
    """What to send back: the status and the exact JSON text (stored answers are replayed byte for byte)."""

    status_code: int
    body: str


@dataclasses.dataclass(frozen=True)
class Action:
    """A validated outbox action; `parsed` is what the kind's own checks made of its fields (None without checks)."""

    kind: str
    work_order_id: int | None
    base_version: int | None
    fields: dict[str, Any]
    photo_ids: list[str]
    captured_at: dt.datetime | None
    parsed: Any = None


@dataclasses.dataclass(frozen=True)
class SyncContext:
    """Who sends the action, under which key, and the body as sent (kept whole in a conflict)."""

    session: Session
    settings: Settings
    user: User
    key: str
    body: Any


def parse_key(value: str | None) -> str:
    """The canonical form of an Idempotency-Key header, which must be a UUID."""
    if not value:
        raise BadKey("The Idempotency-Key header is missing.")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError as exc:
        raise BadKey("The Idempotency-Key header must be a UUID.") from exc


def canonical_json(body: Any) -> str:
    """The body as canonical JSON (sorted keys, no whitespace): equal bodies give equal text."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(body: Any) -> str:
    """sha256 of the canonical JSON of a request body."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def stored_answer(session: Session, user: User, key: str, body_fingerprint: str) -> SyncAnswer | None:
    """The answer already given to this key, None if it is new; KeyReused if it was used for something else."""
    stored = session.get(IdempotencyKey, key, populate_existing=True)
    if stored is None:
        return None
    # Another user's key gets the same refusal as another body: never hand out someone else's answer.
    if stored.user_id != user.id or stored.request_fingerprint != body_fingerprint:
        raise KeyReused(_(KEY_REUSED))
    return SyncAnswer(stored.status_code, stored.response_json)


def apply_action(
    session: Session, settings: Settings, user: User, key: str, body: Any, kinds: Mapping[str, OutboxKind]
) -> SyncAnswer:
    """Apply one outbox action once; the caller commits (and, on IntegrityError, rolls back and asks stored_answer)."""
    body_fingerprint = fingerprint(body)
    answer = stored_answer(session, user, key, body_fingerprint)
    if answer is not None:
        return answer
    action = parse_action(body, settings, kinds)
    kind = kinds[action.kind]
    if kind.may_send is not None and not kind.may_send(user):
        raise Forbidden(str(kind.refusal))
    if kind.check_fields is not None:
        action = dataclasses.replace(action, parsed=kind.check_fields(action.fields))
    check_schema(kind, action.fields)
    claim = IdempotencyKey(key=key, user_id=user.id, request_fingerprint=body_fingerprint, status_code=0, response_json="")
    session.add(claim)
    # Claim first: a concurrent request with the same key waits here on the primary key, then fails, instead of
    # applying the change a second time.
    session.flush()
    status, result = kind.handler(SyncContext(session, settings, user, key, body), action)
    text = json.dumps(result, ensure_ascii=False)
    claim.status_code, claim.response_json = status, text
    session.flush()
    return SyncAnswer(status, text)


# --- parsing -----------------------------------------------------------------------------------------------------


def parse_action(body: Any, settings: Settings, kinds: Mapping[str, OutboxKind]) -> Action:
    """Validate the envelope of an action body (422 with a message for the person on anything malformed)."""
    if not isinstance(body, dict):
        raise DomainError("The change must be a JSON object.")
    name = body.get("kind")
    kind = kinds.get(name) if isinstance(name, str) else None
    if kind is None:
        raise DomainError(f"Unknown kind of change {name!r}.")
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise DomainError("The change's fields must be an object.")
    work_order_id = opt_int(body.get("work_order_id"), "work_order_id")
    if kind.needs_work_order and work_order_id is None:
        raise DomainError(_("This change does not say which work order it is for."))
    raw_ids = body.get("photo_ids") or []
    if not isinstance(raw_ids, list) or not all(isinstance(p, str) for p in raw_ids):
        raise DomainError("photo_ids must be a list of photo ids.")
    photo_ids = list(dict.fromkeys(parse_photo_id(p) for p in raw_ids if p))
    if len(photo_ids) > MAX_PHOTOS:
        raise DomainError(_("At most %(num)s photos can be sent with one change.", num=MAX_PHOTOS))
    if kind.needs_photos and not photo_ids:
        raise DomainError(_("No photos were sent with this change."))
    return Action(
        kind=kind.name,
        work_order_id=work_order_id if kind.needs_work_order else None,
        base_version=opt_int(body.get("base_version"), "base_version"),
        fields=fields,
        photo_ids=photo_ids,
        captured_at=_opt_time(body.get("captured_at"), settings),
    )


def check_schema(kind: OutboxKind, fields: dict[str, Any]) -> None:
    """The fields against the kind's JSON Schema (the one the OpenAPI document shows); 422 naming the field."""
    error = best_match(Draft202012Validator(kind.fields_schema).iter_errors(fields))
    if error is None:
        return
    if error.validator == "required" and not error.path:
        missing = next((n for n in error.validator_value if n not in fields), "?")
        raise FieldError(str(missing), f"The change's field “{missing}” is missing.")
    field = str(error.path[0]) if error.path else "fields"
    raise FieldError(field, f"The change's field “{field}” is not valid: {error.message}")


def opt_int(value: Any, name: str) -> int | None:
    """An optional id or version: a whole number the database's INTEGER holds (an absurd id is a 422, not a 500)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise DomainError(f"{name} must be a whole number.")
    return value


def positive_id(value: Any, message: str) -> int:
    """A record's id inside the fields (visit_id, event_id): a positive INTEGER, or a 422 with `message`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise DomainError(message)
    return value


def opt_float(fields: dict[str, Any], name: str) -> float | None:
    return validation.finite_float(fields.get(name), name)


def text(fields: dict[str, Any], name: str, max_len: int | None = None, label: str | None = None) -> str:
    return validation.text(fields.get(name), name, max_len, label)


def _opt_time(value: Any, settings: Settings) -> dt.datetime | None:
    at = validation.parse_time(value, "captured_at")
    # Refused (422, "needs attention" on the tablet) rather than clamped: a clock years off is worth a person's
    # look, and a refusal is not stored, so the same item sent again after fixing the clock is judged afresh.
    return validation.client_time(at, "captured_at", settings, utcnow()) if at is not None else None


def clamp(at: dt.datetime | None, now: dt.datetime, earliest: dt.datetime | None = None) -> dt.datetime:
    """A tablet's time, never in the future, never before the record it changes existed."""
    if at is None or at > now:
        return now
    if earliest is not None and at < earliest:
        return earliest
    return at


# --- answers and conflicts ---------------------------------------------------------------------------------------


def ok(
    ctx: SyncContext,
    action: Action,
    result: dict[str, Any],
    *,
    work_order: dict[str, Any] | None = None,
    request: dict[str, Any] | None = None,
    **more: Any,
) -> dict[str, Any]:
    """An applied action's answer: the kind's result and where the records it touched now stand."""
    return {"key": ctx.key, "kind": action.kind, "result": result, "work_order": work_order, "request": request, **more}


def file_conflict(
    ctx: SyncContext,
    action: Action,
    *,
    reason: Reason,
    request_id: int,
    work_order_id: int | None,
    detail: dict[str, Any] | None = None,
) -> Outcome:
    """File a conflict: the change is not applied, and everything the field sent is kept for a supervisor.

    `reason` says what happened meanwhile (a situation code and its parameters: "Sam completed this work order at
    10:12 while you were offline"), what of the change is kept ("your closure") and how many photos the handler
    attached anyway (evidence is append-only). It is stored as structure (fieldops/sync/reasons.py) and said in
    each reader's language when read; the 409's error is said in the sender's. A SyncConflict (the supervisors'
    list) needs a work order; the history entry is always written.
    """
    zone = ZoneInfo(ctx.settings.timezone)
    conflict_id = None
    if work_order_id is not None:
        conflict = SyncConflict(
            key=ctx.key,
            user_id=ctx.user.id,
            work_order_id=work_order_id,
            kind=action.kind,
            payload_json=canonical_json(ctx.body),
            reason=reasons.stored(reason),
        )
        ctx.session.add(conflict)
        ctx.session.flush()
        conflict_id = conflict.id
    photos = reason.photos
    activity.record(
        ctx.session,
        request_id=request_id,
        work_order_id=work_order_id,
        actor=ctx.user,
        verb=Verb.SYNC_CONFLICT,
        # The English sentence is the stored summary (exports); the history shows DETAIL_KEY in the reader's language.
        params={"reason": reasons.describe_english(reason, zone)},
        detail={
            "conflict_id": conflict_id,
            "kind": action.kind,
            **(detail or {}),
            "fields": action.fields,
            "photos": photos,
            reasons.DETAIL_KEY: reason.to_json(),
        },
        source_key=ctx.key,
    )
    error = reasons.describe(reason, zone)
    return 409, {"key": ctx.key, "error": error, "conflict_id": conflict_id, "kept": {"photos": photos, "fields": True}}
