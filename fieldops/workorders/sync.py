"""The work order outbox kinds: status, close, unable, note and photos, replayed once (fieldops/sync/protocol.py).

- A conflict is a stale base_version AND a change that contradicts the action: the job was closed (by anyone), or
  is no longer the user's (reassigned). The status change is not applied; photos are attached anyway (evidence is
  append-only, even on a closed job) and the protocol files the conflict. A stale version from any other change
  (typically the same tablet's earlier queued change) is applied against the current version.
- "close" walks a job the crew left at assigned/en route through the crew's statuses to on site (each step in
  the history), because buttons skipped offline are not a reason to refuse a finished job.
- "photos" and "note" never conflict: they add to the record, whatever happened to the job.
- Status changes use the tablet's captured_at, clamped to [job created, now].
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.activity.models import Activity
from fieldops.activity.verbs import Verb
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden, InvalidTransition, NotFound
from fieldops.photos import services as photos
from fieldops.sync import protocol, reasons
from fieldops.sync.protocol import Action, Outcome, SyncContext
from fieldops.sync.registry import OutboxKind
from fieldops.workorders import services as workorders
from fieldops.workorders.models import CLOSED_STATUSES, WorkOrder, WorkOrderStatus

S = WorkOrderStatus
MAX_TEXT = 5000
# Statuses a tablet may set with a plain "status" action; closing goes through "close"/"unable".
STATUS_TARGETS = (S.EN_ROUTE, S.ON_SITE)


def work_order_ref(wo: WorkOrder) -> dict[str, Any]:
    """Where the job stands after the action, for the tablet to update its copy."""
    return {"id": wo.id, "status": wo.status.value, "version": wo.version}


# --- the kinds' own checks ----------------------------------------------------------------------------------------


def _check_status(fields: dict[str, Any]) -> None:
    if fields.get("to") not in [s.value for s in STATUS_TARGETS]:
        raise DomainError(_("A status change must be to “en route” or “on site”."))


def _required_text(name: str, message: LazyString) -> Callable[[dict[str, Any]], None]:
    def check(fields: dict[str, Any]) -> None:
        if not protocol.text(fields, name, MAX_TEXT):
            raise DomainError(str(message))

    return check


# --- applying them -----------------------------------------------------------------------------------------------


def _lock_work_order(session: Session, work_order_id: int) -> WorkOrder:
    # FOR UPDATE (PostgreSQL; SQLite has one writer anyway): two actions on one job are judged one after the other.
    wo = session.scalar(
        sa.select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update().execution_options(populate_existing=True)
    )
    if wo is None:
        raise NotFound(_("There is no work order %(id)s.", id=work_order_id))
    return wo


def _entitled(session: Session, user: User, wo: WorkOrder) -> bool:
    """May see the job now, or did before: acted on it, or it was created for them or their crew."""
    if policies.can_view_work_order(user, wo):
        return True
    # Without this, anyone could attach photos to any job by sending an old base_version.
    for entry in session.scalars(sa.select(Activity).where(Activity.work_order_id == wo.id)):
        detail = entry.detail
        if entry.actor_id == user.id or detail.get("assignee_id") == user.id:
            return True
        if user.crew_id is not None and detail.get("crew_id") == user.crew_id:
            return True
    return False


def _attach(ctx: SyncContext, action: Action, wo: WorkOrder) -> int:
    return len(photos.attach_photos(ctx.session, ctx.user, action.photo_ids, request_id=wo.request_id, work_order=wo, source_key=ctx.key))


def add_note(session: Session, user: User, wo: WorkOrder, text: str, *, source_key: str | None = None) -> Activity:
    """Add a free-text note from the field to the job's request history."""
    text = text.strip()
    if not text:
        raise DomainError(_("The note is empty."))
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


def apply_addition(ctx: SyncContext, action: Action) -> Outcome:
    """"photos" and "note": added to the job whatever happened to it, by anyone who may see it or did."""
    assert action.work_order_id is not None
    wo = _lock_work_order(ctx.session, action.work_order_id)
    if not _entitled(ctx.session, ctx.user, wo):
        raise Forbidden(_("This work order is not assigned to you or your crew."))
    result: dict[str, Any] = {"photos": _attach(ctx, action, wo)}
    if action.kind == "note":
        result["note_id"] = add_note(ctx.session, ctx.user, wo, action.fields["text"], source_key=ctx.key).id
    return 200, protocol.ok(ctx, action, result, work_order=work_order_ref(wo))


def apply_status(ctx: SyncContext, action: Action) -> Outcome:
    """"status", "close" and "unable": the job's status, unless a concurrent change contradicts it (a conflict)."""
    assert action.work_order_id is not None
    session, user, key = ctx.session, ctx.user, ctx.key
    wo = _lock_work_order(session, action.work_order_id)
    situation = _conflict_situation(ctx, wo, action)
    if situation is not None:
        code, params = situation
        kept, to = _kept_what(action)
        reason = reasons.Reason(code, kept, photos=_attach(ctx, action, wo), params=params, to=to)
        return protocol.file_conflict(ctx, action, reason=reason, request_id=wo.request_id, work_order_id=wo.id)
    if not policies.can_edit_work_order(user, wo):
        raise Forbidden(_("This work order is not assigned to you or your crew."))
    at = protocol.clamp(action.captured_at, utcnow(), wo.created_at)
    attached = _attach(ctx, action, wo)
    walked: list[str] = []
    try:
        if action.kind == "status":
            to = S(action.fields["to"])
            if wo.status == to:
                # Already there (e.g. also set from the page while this waited): nothing to change.
                return 200, protocol.ok(ctx, action, {"status": wo.status.value, "changed": False, "photos": attached}, work_order=work_order_ref(wo))
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
    result = {"status": wo.status.value, "changed": True, "walked_through": walked, "photos": attached}
    return 200, protocol.ok(ctx, action, result, work_order=work_order_ref(wo))


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


def _conflict_situation(ctx: SyncContext, wo: WorkOrder, action: Action) -> tuple[str, dict[str, Any]] | None:
    """What happened to the job meanwhile that this status change contradicts (a situation of
    fieldops/sync/reasons.py and its parameters), or None."""
    session, user = ctx.session, ctx.user
    if action.base_version is None or action.base_version == wo.version:
        return None
    if not _entitled(session, user, wo):
        return None  # never theirs: a plain 403, not a conflict
    if wo.status in CLOSED_STATUSES:
        last = session.scalar(
            sa.select(Activity)
            .where(Activity.work_order_id == wo.id, Activity.verb == f"status:{wo.status.value}")
            .options(joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(1)
        )
        status = wo.status.value
        if last is None:
            return reasons.WO_CLOSED, {"status": status}
        at = last.created_at if last.created_at.tzinfo is not None else last.created_at.replace(tzinfo=dt.timezone.utc)
        if last.actor_id == user.id:
            return reasons.WO_CLOSED_BY_YOU, {"status": status, "at": at.isoformat()}
        who = last.actor.full_name if last.actor is not None else None
        return reasons.WO_CLOSED_BY, {"status": status, "at": at.isoformat(), "who": who}
    if not policies.work_order_is_on_users_list(user, wo):
        if wo.assignee is not None:
            return reasons.WO_REASSIGNED, {"holder": wo.assignee.full_name}
        if wo.crew is not None:
            return reasons.WO_REASSIGNED, {"holder": wo.crew.name}
        return reasons.WO_TAKEN_OFF, {}
    return None


def _kept_what(action: Action) -> tuple[str, str | None]:
    """What of the change is kept (fieldops/sync/reasons.py) and, for a status change, the status asked for."""
    if action.kind == "close":
        return reasons.KEPT_CLOSURE, None
    if action.kind == "unable":
        return reasons.KEPT_UNABLE, None
    return reasons.KEPT_STATUS, S(action.fields["to"]).value


# --- the kinds ---------------------------------------------------------------------------------------------------


def _text_field(description: str) -> dict[str, Any]:
    return {"type": "string", "maxLength": MAX_TEXT, "description": description}


KINDS = (
    OutboxKind(
        name="status",
        label=_l("Status change"),
        summary="Move the job to en route or on site",
        fields_schema={
            "type": "object",
            "required": ["to"],
            "properties": {"to": {"type": "string", "enum": [s.value for s in STATUS_TARGETS]}},
        },
        handler=apply_status,
        needs_work_order=True,
        check_fields=_check_status,
    ),
    OutboxKind(
        name="close",
        label=_l("Completion"),
        summary="Complete the job (walking it to on site first if needed)",
        fields_schema={"type": "object", "required": ["resolution"], "properties": {"resolution": _text_field("How the job was resolved")}},
        handler=apply_status,
        needs_work_order=True,
        check_fields=_required_text("resolution", _l("Say how the job was resolved before completing it.")),
    ),
    OutboxKind(
        name="unable",
        label=_l("Unable to complete"),
        summary="Report that the job could not be completed",
        fields_schema={"type": "object", "required": ["reason"], "properties": {"reason": _text_field("Why it could not be completed")}},
        handler=apply_status,
        needs_work_order=True,
        check_fields=_required_text("reason", _l("Give the reason the job could not be completed.")),
    ),
    OutboxKind(
        name="note",
        label=_l("Note"),
        summary="Add a note to the job's history (never a conflict)",
        fields_schema={"type": "object", "required": ["text"], "properties": {"text": _text_field("The note")}},
        handler=apply_addition,
        needs_work_order=True,
        check_fields=_required_text("text", _l("The note is empty.")),
    ),
    OutboxKind(
        name="photos",
        label=_l("Photos"),
        summary="Attach staged photos to the job (never a conflict)",
        fields_schema={"type": "object"},
        handler=apply_addition,
        needs_work_order=True,
        needs_photos=True,
    ),
)
