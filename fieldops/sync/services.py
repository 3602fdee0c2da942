"""Replay outbox actions exactly once, and keep the field's evidence when the job changed meanwhile.

Rules (the tablet's outbox relies on them):
- An action's key (the outbox item's UUID) is claimed by inserting its IdempotencyKey row BEFORE the work, in the
  same transaction. A concurrent twin blocks on the primary key and fails when the first commits; the view then
  answers with the stored response. Same key + same body later: the stored status and body, nothing else happens.
  Same key + other body, or another user's key: 422.
- Stored answers: 2xx and 409 conflicts. Refusals (422 needs attention, 403, 404, a taken tracking number) are not
  stored: the transaction rolls back, nothing is written, and a resend with the same key is judged afresh.
- A conflict is a stale base_version AND a change that contradicts the action: the job was closed (by anyone), or
  is no longer the user's (reassigned). The status change is not applied; photos are attached anyway (evidence is
  append-only, even on a closed job), a SyncConflict and a "sync:conflict" history entry are written, and the 409
  is stored under the key. A stale version from any other change (typically the same tablet's earlier queued
  change) is applied against the current version.
- "close" walks a job the crew left at assigned/en route through the crew's statuses to on site (each step in
  the history), because buttons skipped offline are not a reason to refuse a finished job.
- "photos" and "note" never conflict: they add to the record, whatever happened to the job.
- Times: status changes and new requests use the tablet's captured_at, clamped to [job created, now]
  (requests: not in the future), so SLA clocks reflect when the work was done, not when signal came back.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.activity.verbs import Verb
from fieldops.accounts.models import Role, User
from fieldops.activity import services as activity
from fieldops.activity.models import Activity
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound
from fieldops.photos import services as photos
from fieldops.photos.models import PhotoKind
from fieldops.servicerequests import services as requests
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.settings import Settings
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.workorders import services as workorders
from fieldops.web import validation
from fieldops.workorders.models import CLOSED_STATUSES, WorkOrder, WorkOrderStatus

S = WorkOrderStatus

WORK_ORDER_KINDS = ("status", "close", "unable", "note", "photos")
OUTREACH_KINDS = ("checkin", "residents")  # fieldops/outreach/services.py: apply_sync_action
KINDS = (*WORK_ORDER_KINDS, "request", "visit", *OUTREACH_KINDS)
MAX_PHOTOS = 20
MAX_TEXT = 5000
# Statuses a tablet may set with a plain "status" action; closing goes through "close"/"unable".
STATUS_TARGETS = (S.EN_ROUTE, S.ON_SITE)
REQUEST_CHANNELS = tuple(c for c in Channel if c not in (Channel.IMPORT, Channel.OPEN311))
KEY_REUSED = "This sync key was already used for a different change."


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
    """A validated outbox action."""

    kind: str
    work_order_id: int | None
    base_version: int | None
    fields: dict[str, Any]
    photo_ids: list[str]
    captured_at: dt.datetime | None


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
        raise KeyReused(KEY_REUSED)
    return SyncAnswer(stored.status_code, stored.response_json)


def apply_action(session: Session, settings: Settings, user: User, key: str, body: Any) -> SyncAnswer:
    """Apply one outbox action once; the caller commits (and, on IntegrityError, rolls back and asks stored_answer)."""
    body_fingerprint = fingerprint(body)
    answer = stored_answer(session, user, key, body_fingerprint)
    if answer is not None:
        return answer
    action = parse_action(body, settings)
    claim = IdempotencyKey(key=key, user_id=user.id, request_fingerprint=body_fingerprint, status_code=0, response_json="")
    session.add(claim)
    # Claim first: a concurrent request with the same key waits here on the primary key, then fails, instead of
    # applying the change a second time.
    session.flush()
    if action.kind == "request":
        status, result = _new_request(session, user, key, action)
    elif action.kind == "visit":
        # A follow-up visit's outcome (fieldops/visits/sync.py); the visit's id travels in fields.visit_id.
        from fieldops.visits.sync import apply_visit_action

        status, result = apply_visit_action(
            session, settings, user, key,
            fields=action.fields, photo_ids=action.photo_ids, base_version=action.base_version, captured_at=action.captured_at, body=body,
        )
    elif action.kind in OUTREACH_KINDS:
        from fieldops.outreach.services import apply_sync_action

        status, result = 200, _ok(key, action, apply_sync_action(session, user, action.kind, action.fields, _clamp(action.captured_at, utcnow())))
    else:
        status, result = _work_order_action(session, settings, user, key, action, body)
    text = json.dumps(result, ensure_ascii=False)
    claim.status_code, claim.response_json = status, text
    session.flush()
    return SyncAnswer(status, text)


# --- parsing -----------------------------------------------------------------------------------------------------


def parse_action(body: Any, settings: Settings) -> Action:
    """Validate the shape of an action body (422 with a message for the person on anything malformed)."""
    if not isinstance(body, dict):
        raise DomainError("The change must be a JSON object.")
    kind = body.get("kind")
    if kind not in KINDS:
        raise DomainError(f"Unknown kind of change {kind!r}.")
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise DomainError("The change's fields must be an object.")
    work_order_id = _opt_int(body.get("work_order_id"), "work_order_id")
    if kind in WORK_ORDER_KINDS and work_order_id is None:
        raise DomainError("This change does not say which work order it is for.")
    raw_ids = body.get("photo_ids") or []
    if not isinstance(raw_ids, list) or not all(isinstance(p, str) for p in raw_ids):
        raise DomainError("photo_ids must be a list of photo ids.")
    photo_ids = list(dict.fromkeys(photos.parse_photo_id(p) for p in raw_ids if p))
    if len(photo_ids) > MAX_PHOTOS:
        raise DomainError(f"At most {MAX_PHOTOS} photos can be sent with one change.")
    if kind == "photos" and not photo_ids:
        raise DomainError("No photos were sent with this change.")
    action = Action(
        kind=kind,
        work_order_id=work_order_id if kind in WORK_ORDER_KINDS else None,
        base_version=_opt_int(body.get("base_version"), "base_version"),
        fields=fields,
        photo_ids=photo_ids,
        captured_at=_opt_time(body.get("captured_at"), settings),
    )
    _check_fields(action)
    return action


def _check_fields(action: Action) -> None:
    f = action.fields
    if action.kind == "status":
        if f.get("to") not in [s.value for s in STATUS_TARGETS]:
            raise DomainError("A status change must be to “en route” or “on site”.")
    elif action.kind == "close":
        if not _text(f, "resolution", MAX_TEXT):
            raise DomainError("Say how the job was resolved before completing it.")
    elif action.kind == "unable":
        if not _text(f, "reason", MAX_TEXT):
            raise DomainError("Give the reason the job could not be completed.")
    elif action.kind == "note":
        if not _text(f, "text", MAX_TEXT):
            raise DomainError("The note is empty.")


def _opt_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    # Bounded to the database's INTEGER, so an absurd id is a 422 rather than a database error.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise DomainError(f"{name} must be a whole number.")
    return value


def _opt_float(fields: dict[str, Any], name: str) -> float | None:
    return validation.finite_float(fields.get(name), name)


def _opt_time(value: Any, settings: Settings) -> dt.datetime | None:
    at = validation.parse_time(value, "captured_at")
    # Refused (422, "needs attention" on the tablet) rather than clamped: a clock years off is worth a person's
    # look, and a refusal is not stored, so the same item sent again after fixing the clock is judged afresh.
    return validation.client_time(at, "captured_at", settings, utcnow()) if at is not None else None


def _text(fields: dict[str, Any], name: str, max_len: int | None = None, label: str | None = None) -> str:
    return validation.text(fields.get(name), name, max_len, label)


def _clamp(at: dt.datetime | None, now: dt.datetime, earliest: dt.datetime | None = None) -> dt.datetime:
    # A tablet's clock can be wrong: never in the future, never before the record it changes existed.
    if at is None or at > now:
        return now
    if earliest is not None and at < earliest:
        return earliest
    return at


# --- work order actions ------------------------------------------------------------------------------------------


def _work_order_action(
    session: Session, settings: Settings, user: User, key: str, action: Action, body: Any
) -> tuple[int, dict[str, Any]]:
    assert action.work_order_id is not None
    wo = _lock_work_order(session, action.work_order_id)
    if action.kind in ("photos", "note"):
        if not _entitled(session, user, wo):
            raise Forbidden("This work order is not assigned to you or your crew.")
        attached = photos.attach_photos(session, user, action.photo_ids, request_id=wo.request_id, work_order=wo, source_key=key)
        result: dict[str, Any] = {"photos": len(attached)}
        if action.kind == "note":
            entry = add_note(session, user, wo, action.fields["text"], source_key=key)
            result["note_id"] = entry.id
        return 200, _ok(key, action, result, wo)

    reason = _conflict_reason(session, settings, user, wo, action)
    if reason is not None:
        return 409, _file_conflict(session, user, key, wo, action, body, reason)
    if not policies.can_edit_work_order(user, wo):
        raise Forbidden("This work order is not assigned to you or your crew.")
    at = _clamp(action.captured_at, utcnow(), wo.created_at)
    attached = photos.attach_photos(session, user, action.photo_ids, request_id=wo.request_id, work_order=wo, source_key=key)
    walked: list[str] = []
    try:
        if action.kind == "status":
            to = S(action.fields["to"])
            if wo.status == to:
                # Already there (e.g. also set from the page while this waited): nothing to change.
                return 200, _ok(key, action, {"status": wo.status.value, "changed": False, "photos": len(attached)}, wo)
            _change(session, user, wo, to, at, key)
        elif action.kind == "close":
            for step in _route(wo.status, S.ON_SITE) if wo.status in (S.ASSIGNED, S.EN_ROUTE) else []:
                _change(session, user, wo, step, at, key)
                walked.append(step.value)
            _change(session, user, wo, S.COMPLETED, at, key, resolution=action.fields["resolution"])
        else:  # unable
            _change(session, user, wo, S.UNABLE, at, key, reason=action.fields["reason"])
    except InvalidTransition as exc:
        # Not a concurrent change, just one that cannot apply: "needs attention", not a conflict.
        raise DomainError(exc.message) from exc
    return 200, _ok(key, action, {"status": wo.status.value, "changed": True, "walked_through": walked, "photos": len(attached)}, wo)


def _change(
    session: Session, user: User, wo: WorkOrder, to: WorkOrderStatus, at: dt.datetime, key: str, **texts: str
) -> None:
    # The row is locked and any stale base_version was judged above, so the current version is the expected one.
    workorders.change_status(session, user, wo, to, expected_version=wo.version, now=at, source_key=key, **texts)


def _route(frm: WorkOrderStatus, to: WorkOrderStatus) -> list[WorkOrderStatus]:
    """The shortest walk through crew transitions from `frm` to `to` (excluding frm); [to] if there is none."""
    previous: dict[WorkOrderStatus, WorkOrderStatus] = {frm: frm}
    queue = collections.deque([frm])
    while queue:
        current = queue.popleft()
        if current == to:
            path = []
            while current != frm:
                path.append(current)
                current = previous[current]
            return path[::-1]
        for nxt in sorted(workorders.CREW_TRANSITIONS[current], key=list(S).index):
            if nxt not in previous:
                previous[nxt] = current
                queue.append(nxt)
    return [to]


def _lock_work_order(session: Session, work_order_id: int) -> WorkOrder:
    # FOR UPDATE (PostgreSQL; SQLite has one writer anyway): two actions on one job are judged one after the other.
    wo = session.scalar(
        sa.select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update().execution_options(populate_existing=True)
    )
    if wo is None:
        raise NotFound(f"There is no work order {work_order_id}.")
    return wo


def _still_mine(user: User, wo: WorkOrder) -> bool:
    """On the user's list now (the same rule as "my work"); supervisors act on any job."""
    if user.has_role(Role.SUPERVISOR):
        return True
    if wo.assignee_id is not None:
        return wo.assignee_id == user.id
    return wo.crew_id is not None and wo.crew_id == user.crew_id


def _entitled(session: Session, user: User, wo: WorkOrder) -> bool:
    """May see the job now, or did before: acted on it, or it was created for them or their crew."""
    if workorders.can_view(user, wo):
        return True
    # Without this, anyone could attach photos to any job by sending an old base_version.
    for entry in session.scalars(sa.select(Activity).where(Activity.work_order_id == wo.id)):
        detail = entry.detail
        if entry.actor_id == user.id or detail.get("assignee_id") == user.id:
            return True
        if user.crew_id is not None and detail.get("crew_id") == user.crew_id:
            return True
    return False


def _conflict_reason(session: Session, settings: Settings, user: User, wo: WorkOrder, action: Action) -> str | None:
    """Why this status change cannot apply because of a concurrent change, or None."""
    if action.base_version is None or action.base_version == wo.version:
        return None
    if not _entitled(session, user, wo):
        return None  # never theirs: a plain 403, not a conflict
    kept = _kept_phrase(action)
    if wo.status in CLOSED_STATUSES:
        last = session.scalar(
            sa.select(Activity)
            .where(Activity.work_order_id == wo.id, Activity.verb == f"status:{wo.status.value}")
            .options(joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(1)
        )
        done = {S.CANCELLED: "cancelled", S.COMPLETED: "completed", S.UNABLE: "marked unable to complete"}[wo.status]
        if last is None:
            return f"This work order was {done} while you were offline; {kept}."
        when = _when(last.created_at, ZoneInfo(settings.timezone))
        if last.actor_id == user.id:
            return f"You already {done} this work order {when}; {kept}."
        who = last.actor.full_name if last.actor is not None else "Someone"
        return f"{who} {done} this work order {when} while you were offline; {kept}."
    if not _still_mine(user, wo):
        if wo.assignee is not None:
            return f"This work order was reassigned to {wo.assignee.full_name} while you were offline; {kept}."
        if wo.crew is not None:
            return f"This work order was reassigned to {wo.crew.name} while you were offline; {kept}."
        return f"This work order was taken off your list while you were offline; {kept}."
    return None


def _kept_phrase(action: Action) -> str:
    if action.kind == "close":
        what = "your closure"
    elif action.kind == "unable":
        what = "your “unable to complete” report"
    else:
        what = f"your change to “{S(action.fields['to']).label.lower()}”"
    n = len(action.photo_ids)
    if n:
        return f"{what} and {n} photo{'s' if n != 1 else ''} were kept for a supervisor to review"
    return f"{what} was kept for a supervisor to review"


def _when(at: dt.datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    if local.date() == utcnow().astimezone(zone).date():
        return f"at {local:%H:%M}"
    return f"on {local:%b} {local.day} at {local:%H:%M}"


def _file_conflict(
    session: Session, user: User, key: str, wo: WorkOrder, action: Action, body: Any, reason: str
) -> dict[str, Any]:
    # Evidence is append-only: the photos join the job even though the change itself is not applied.
    attached = photos.attach_photos(session, user, action.photo_ids, request_id=wo.request_id, work_order=wo, source_key=key)
    conflict = SyncConflict(
        key=key,
        user_id=user.id,
        work_order_id=wo.id,
        kind=action.kind,
        payload_json=canonical_json(body),
        reason=reason,
    )
    session.add(conflict)
    session.flush()
    activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=user,
        verb=Verb.SYNC_CONFLICT,
        params={"reason": reason},
        detail={"conflict_id": conflict.id, "kind": action.kind, "fields": action.fields, "photos": len(attached)},
        source_key=key,
    )
    return {"key": key, "error": reason, "conflict_id": conflict.id, "kept": {"photos": len(attached), "fields": True}}


def add_note(session: Session, user: User, wo: WorkOrder, text: str, *, source_key: str | None = None) -> Activity:
    """Add a free-text note from the field to the job's request history."""
    text = text.strip()
    if not text:
        raise DomainError("The note is empty.")
    entry = activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=user,
        verb=Verb.NOTE,
        params={"text": text},
        source_key=source_key,
    )
    session.flush()
    return entry


def _ok(key: str, action: Action, result: dict[str, Any], wo: WorkOrder | None = None, req: ServiceRequest | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "kind": action.kind,
        "result": result,
        "work_order": {"id": wo.id, "status": wo.status.value, "version": wo.version} if wo is not None else None,
        "request": {"id": req.id, "tracking_number": req.tracking_number, "status": req.status.value} if req is not None else None,
    }


# --- new requests ------------------------------------------------------------------------------------------------


def _new_request(session: Session, user: User, key: str, action: Action) -> tuple[int, dict[str, Any]]:
    if not policies.can_log_request(user):
        raise Forbidden("You cannot log requests.")
    f = action.fields
    code = f.get("service_type")
    if not code or not isinstance(code, str):
        raise DomainError("Choose what the request is about.")
    service_type = session.scalar(sa.select(ServiceType).where(ServiceType.code == code, ServiceType.active.is_(True)))
    if service_type is None:
        raise DomainError(f"Unknown service type “{code}”.")
    default_channel = Channel.OUTREACH if user.role == Role.OUTREACH else Channel.STAFF
    channel_value = f.get("channel") or default_channel.value
    if channel_value not in [c.value for c in REQUEST_CHANNELS]:
        raise DomainError(f"Unknown channel “{channel_value}”.")
    consent = f.get("contact_consent", False)
    if not isinstance(consent, bool):
        raise DomainError("contact_consent must be true or false.")
    tracking = f.get("tracking_number")
    if tracking is not None:
        if not isinstance(tracking, str):
            raise DomainError("That tracking number is not in the form XXXX-XXXX.")
        tracking = requests.normalise_tracking_number(tracking)
        if not requests.TRACKING_RE.match(tracking):
            raise DomainError("That tracking number is not in the form XXXX-XXXX.")
        # Only another request can hold it: this key's own request would have been answered from the key table.
        if session.scalar(sa.select(ServiceRequest.id).where(ServiceRequest.tracking_number == tracking)) is not None:
            raise Conflict(f"Tracking number {tracking} is already used by another request; pick a new one and send again.")
    # Outreach context (event, the type's questions, "add to the existing request"): fieldops/outreach/intake.py.
    from fieldops.outreach import intake

    logged = intake.log_request(
        session,
        user,
        service_type=service_type,
        channel=Channel(channel_value),
        event=intake.event_for(session, f.get("event_id")),
        attributes=f.get("attributes"),
        duplicate_of=_text(f, "duplicate_of", 20, "existing request's tracking number"),
        description_language=_text(f, "description_language", 8, "description's language"),
        at=_clamp(action.captured_at, utcnow()),
        source_key=key,
        description=_text(f, "description"),
        latitude=_opt_float(f, "latitude"),
        longitude=_opt_float(f, "longitude"),
        address=_text(f, "address"),
        resident_name=_text(f, "resident_name", label="resident's name"),
        resident_phone=validation.phone(f.get("resident_phone")),
        resident_email=validation.email(f.get("resident_email")),
        resident_language=_text(f, "resident_language", 8, "resident's language") or "en",
        contact_consent=consent,
        tracking_number=tracking,
    )
    req = logged.report
    # Photos of a report added to an existing request go to that request, where the crew will see them.
    attached = photos.attach_photos(session, user, action.photo_ids, request_id=logged.follow.id, kind=PhotoKind.INTAKE, source_key=key)
    result = {"request_id": req.id, "tracking_number": req.tracking_number, "photos": len(attached)}
    if logged.joined_existing:
        result["added_to"] = logged.follow.tracking_number
    return 201, _ok(key, action, result, req=req)


# --- conflicts, and what a tablet keeps offline ------------------------------------------------------------------


def open_conflicts(session: Session, user: User) -> list[SyncConflict]:
    """Unresolved conflicts the user may see: supervisors all, others their own; newest first."""
    stmt = (
        sa.select(SyncConflict)
        .where(SyncConflict.resolved_at.is_(None))
        .options(joinedload(SyncConflict.user), joinedload(SyncConflict.work_order))
        .order_by(SyncConflict.created_at.desc(), SyncConflict.id.desc())
    )
    if not user.has_role(Role.SUPERVISOR):
        stmt = stmt.where(SyncConflict.user_id == user.id)
    return list(session.scalars(stmt))


def open_conflict_count(session: Session, user: User) -> int:
    """How many unresolved conflicts the user may see."""
    stmt = sa.select(sa.func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    if not user.has_role(Role.SUPERVISOR):
        stmt = stmt.where(SyncConflict.user_id == user.id)
    return session.scalar(stmt) or 0


def resolve_conflict(session: Session, user: User, conflict_id: int, note: str) -> SyncConflict:
    """A supervisor closes a conflict with a note; the note goes into the job's history."""
    if not policies.can_resolve_conflicts(user):
        raise Forbidden("Only supervisors can resolve sync conflicts.")
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound(f"There is no sync conflict {conflict_id}.")
    if conflict.resolved_at is not None:
        raise DomainError("This conflict was already resolved.")
    note = note.strip()
    if not note:
        raise DomainError("Say what was decided before marking the conflict resolved.")
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = user.id
    conflict.resolution_note = note[:MAX_TEXT]
    activity.record(
        session,
        request_id=conflict.work_order.request_id,
        work_order_id=conflict.work_order_id,
        actor=user,
        verb=Verb.SYNC_RESOLVED,
        params={"note": conflict.resolution_note},
        detail={"conflict_id": conflict.id},
    )
    session.flush()
    return conflict


def conflict_json(conflict: SyncConflict) -> dict[str, Any]:
    """A conflict as the API lists it."""
    return {
        "id": conflict.id,
        "key": conflict.key,
        "kind": conflict.kind,
        "work_order_id": conflict.work_order_id,
        "reason": conflict.reason,
        "user": {"id": conflict.user.id, "full_name": conflict.user.full_name},
        "payload": conflict.payload,
        "created_at": conflict.created_at.isoformat(),
    }


def work_order_json(wo: WorkOrder, now: dt.datetime) -> dict[str, Any]:
    """What a tablet needs to work a job offline; no resident contact details."""
    req = wo.request
    st = req.service_type
    return {
        "id": wo.id,
        "version": wo.version,
        "status": wo.status.value,
        "priority": wo.priority,
        "due_at": wo.due_at.isoformat() if wo.due_at is not None else None,
        "overdue": wo.is_overdue(now),
        "service_type": {"code": st.code, "name": st.name},
        "requires_before_photo": st.requires_before_photo,
        "requires_after_photo": st.requires_after_photo,
        "address": req.address,
        "latitude": req.latitude,
        "longitude": req.longitude,
        "description": req.description,
        "instructions": wo.instructions,
        "tracking_number": req.tracking_number,
    }


def service_type_json(st: ServiceType) -> dict[str, Any]:
    """A catalogue entry for the offline intake form."""
    return {
        "code": st.code,
        "name": st.name,
        "department": {"code": st.department.code, "name": st.department.name},
        "group": st.group,
        "sla_hours": st.sla_hours,
        "requires_before_photo": st.requires_before_photo,
        "requires_after_photo": st.requires_after_photo,
        # The intake form's questions and duplicate check, so the form works offline (fieldops/outreach/).
        "keywords": st.keywords,
        "duplicate_radius_m": st.duplicate_radius_m,
        "duplicate_window_hours": st.duplicate_window_hours,
        "attributes": [
            {
                "code": a.code,
                "datatype": a.datatype.value,
                "variable": a.variable,
                "required": a.required,
                "order": a.order,
                "description": a.description,
                "datatype_description": a.datatype_description,
                "values": a.values,
            }
            for a in st.attributes
        ],
    }
