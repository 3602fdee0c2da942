"""The "visit" outbox action: a follow-up visit's outcome recorded on a tablet, replayed once.

Body (as the outbox sends it): {"kind": "visit", "base_version": <visit version>, "fields": {"visit_id", "outcome"
(reached | not_home | left_card), "resolved" (yes | partly | no, when reached), "satisfaction" (1-5 or null),
"comments", "language"}, "photo_ids": [...], "captured_at"}.

Same rules as the work order kinds (fieldops/sync/protocol.py): the key is claimed by the protocol; a visit that is
no longer pending (recorded by someone else, or cancelled), or that was reassigned while the tablet was offline,
is a conflict: the outcome is not applied, the photos are attached to the visit anyway, and the protocol files the
conflict (a SyncConflict when the visit belongs to a work order, and always a "sync:conflict" history entry; the
409 is stored under the key). A stale base_version from anything else (typically the same tablet's earlier not-home
attempt) is applied against the current visit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.accounts.models import User
from fieldops.activity.models import Activity
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.servicerequests.sync import request_ref
from fieldops.sync import protocol, reasons
from fieldops.sync.protocol import Action, Outcome, SyncContext
from fieldops.sync.registry import OutboxKind
from fieldops.visits import services
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus

OUTCOMES = {o.value: o for o in VisitOutcome}
RESOLUTIONS = {r.value: r for r in Resolution}


def parse_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate a visit action's fields (422 with a message for the visitor on anything malformed)."""
    visit_id = fields.get("visit_id")
    if isinstance(visit_id, bool) or not isinstance(visit_id, int) or not 0 < visit_id < 2**31:
        raise DomainError(_("This change does not say which follow-up visit it is for."))
    outcome = OUTCOMES.get(fields.get("outcome"))  # type: ignore[arg-type]
    if outcome is None:
        raise DomainError(_("Say whether the resident was reached or not home."))
    resolved_raw = fields.get("resolved")
    resolved = None
    if resolved_raw not in (None, ""):
        resolved = RESOLUTIONS.get(resolved_raw)
        if resolved is None:
            raise DomainError(_("“Is it fixed?” is answered yes, partly or no."))
    if outcome == VisitOutcome.REACHED and resolved is None:
        raise DomainError(_("Ask whether the problem is fixed: yes, partly or no."))
    satisfaction = fields.get("satisfaction")
    if satisfaction in (None, ""):
        satisfaction = None
    elif isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise DomainError(_("Satisfaction is a number from 1 to 5."))
    comments = fields.get("comments") or ""
    if not isinstance(comments, str):
        raise DomainError(_("The comments must be text."))
    if len(comments) > services.MAX_COMMENTS:
        raise DomainError(_("The comments are too long (at most %(max)s characters).", max=services.MAX_COMMENTS))
    language = fields.get("language") or "en"
    if not isinstance(language, str):
        raise DomainError(_("The language must be a language code."))
    return {
        "visit_id": visit_id,
        "outcome": outcome,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "comments": comments,
        "language": services.clean_language(language),
    }


def apply_visit_action(ctx: SyncContext, action: Action) -> Outcome:
    """Apply one visit outcome from the outbox (who may send it and its fields were checked by the protocol)."""
    session, settings, user, key = ctx.session, ctx.settings, ctx.user, ctx.key
    f: dict[str, Any] = action.parsed
    # FOR UPDATE (PostgreSQL): two tablets answering for one visit are judged one after the other.
    visit = session.scalar(
        sa.select(FollowUpVisit)
        .where(FollowUpVisit.id == f["visit_id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None:
        raise NotFound(_("There is no follow-up visit %(id)s.", id=f["visit_id"]))
    stale = action.base_version is not None and action.base_version != visit.version
    situation: tuple[str, dict[str, Any]] | None = None
    if visit.status != VisitStatus.PENDING:
        situation = _already_done(session, user, visit)
    elif not policies.can_record_visit(user, visit):
        if not stale:
            raise Forbidden(_("This follow-up visit is assigned to someone else."))
        who = visit.assigned_to.full_name if visit.assigned_to is not None else None
        situation = reasons.VISIT_GIVEN, {"visit": visit.id, "who": who}
    if situation is not None:
        # Evidence is append-only: the photos join the visit although the answers are not applied.
        attached = services.attach_visit_photos(session, user, visit, action.photo_ids, source_key=key) if action.photo_ids else []
        code, params = situation
        return protocol.file_conflict(
            ctx,
            action,
            reason=reasons.Reason(code, reasons.KEPT_ANSWERS, photos=len(attached), params=params),
            request_id=visit.request_id,
            work_order_id=visit.work_order_id,
            detail={"visit_id": visit.id},
        )

    result = services.record_outcome(
        session,
        user,
        visit,
        outcome=f["outcome"],
        zone=ZoneInfo(settings.timezone),
        resolved=f["resolved"],
        satisfaction=f["satisfaction"],
        comments=f["comments"],
        language=f["language"],
        photo_ids=action.photo_ids,
        now=protocol.clamp(action.captured_at, utcnow(), visit.created_at),
        max_attempts=services.max_attempts(settings),
        source_key=key,
    )
    session.flush()
    follow_on = result.follow_on
    answer = {
        "visit_id": visit.id,
        "status": visit.status.value,
        "outcome": visit.outcome.value if visit.outcome else None,
        "resolved": visit.resolved.value if visit.resolved else None,
        "attempts": visit.attempts,
        "photos": len(action.photo_ids),
        "follow_on": {"id": follow_on.id, "tracking_number": follow_on.tracking_number} if follow_on is not None else None,
    }
    return 200, protocol.ok(
        ctx,
        action,
        answer,
        request=request_ref(visit.request),
        visit={"id": visit.id, "status": visit.status.value, "version": visit.version},
    )


def _already_done(session: Session, user: User, visit: FollowUpVisit) -> tuple[str, dict[str, Any]]:
    """Who recorded or cancelled the visit meanwhile, and when: a situation of fieldops/sync/reasons.py."""
    entries = session.scalars(
        sa.select(Activity)
        .where(Activity.request_id == visit.request_id, Activity.verb.in_(["visit:done", "visit:left_card", "visit:cancelled"]))
        .options(joinedload(Activity.actor))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    )
    last = next((e for e in entries if e.detail.get("visit_id") == visit.id), None)
    done = "cancelled" if visit.status == VisitStatus.CANCELLED else "recorded"
    if last is None:
        return reasons.VISIT_DONE, {"visit": visit.id, "status": done}
    at = last.created_at if last.created_at.tzinfo is not None else last.created_at.replace(tzinfo=dt.timezone.utc)
    if last.actor_id == user.id:
        return reasons.VISIT_DONE_BY_YOU, {"visit": visit.id, "status": done, "at": at.isoformat()}
    who = last.actor.full_name if last.actor is not None else None
    return reasons.VISIT_DONE_BY, {"visit": visit.id, "status": done, "at": at.isoformat(), "who": who}


KINDS = (
    OutboxKind(
        name="visit",
        label=_l("Follow-up visit"),
        summary="Record a follow-up visit's outcome (the visit's id is in fields.visit_id)",
        fields_schema={
            "type": "object",
            "required": ["visit_id", "outcome"],
            "properties": {
                "visit_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "outcome": {"type": "string", "enum": list(OUTCOMES)},
                "resolved": {"enum": [*RESOLUTIONS, "", None], "description": "Required when the resident was reached"},
                "satisfaction": {"enum": [1, 2, 3, 4, 5, "", None]},
                "comments": {"type": ["string", "null"], "maxLength": services.MAX_COMMENTS},
                "language": {"type": ["string", "null"], "description": "The language the visit was held in"},
            },
        },
        handler=apply_visit_action,
        may_send=policies.is_visitor,
        refusal=_l("Follow-up visits are recorded by outreach staff and supervisors."),
        check_fields=parse_fields,
    ),
)
