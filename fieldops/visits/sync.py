"""The "visit" outbox action: a follow-up visit's outcome recorded on a tablet, replayed once.

Body (as the outbox sends it): {"kind": "visit", "base_version": <visit version>, "fields": {"visit_id", "outcome"
(reached | not_home | left_card), "resolved" (yes | partly | no, when reached), "satisfaction" (1-5 or null),
"comments", "language"}, "photo_ids": [...], "captured_at"}.

Same rules as the work order actions (fieldops/sync/services.py): the key is claimed by the caller; a visit that is
no longer pending (recorded by someone else, or cancelled), or that was reassigned while the tablet was offline,
is a conflict: the outcome is not applied, the photos are attached to the visit anyway, the whole payload is kept
(a SyncConflict when the visit belongs to a work order, and always a "sync:conflict" history entry) and the 409
is stored under the key. A stale base_version from anything else (typically the same tablet's earlier not-home
attempt) is applied against the current visit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.activity.verbs import Verb
from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.activity.models import Activity
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.settings import Settings
from fieldops.sync.models import SyncConflict
from fieldops.visits import services
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus

OUTCOMES = {o.value: o for o in VisitOutcome}
RESOLUTIONS = {r.value: r for r in Resolution}


def parse_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate a visit action's fields (422 with a message for the visitor on anything malformed)."""
    visit_id = fields.get("visit_id")
    if isinstance(visit_id, bool) or not isinstance(visit_id, int) or not 0 < visit_id < 2**31:
        raise DomainError("This change does not say which follow-up visit it is for.")
    outcome = OUTCOMES.get(fields.get("outcome"))  # type: ignore[arg-type]
    if outcome is None:
        raise DomainError("Say whether the resident was reached or not home.")
    resolved_raw = fields.get("resolved")
    resolved = None
    if resolved_raw not in (None, ""):
        resolved = RESOLUTIONS.get(resolved_raw)  # type: ignore[arg-type]
        if resolved is None:
            raise DomainError("“Is it fixed?” is answered yes, partly or no.")
    if outcome == VisitOutcome.REACHED and resolved is None:
        raise DomainError("Ask whether the problem is fixed: yes, partly or no.")
    satisfaction = fields.get("satisfaction")
    if satisfaction in (None, ""):
        satisfaction = None
    elif isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise DomainError("Satisfaction is a number from 1 to 5.")
    comments = fields.get("comments") or ""
    if not isinstance(comments, str):
        raise DomainError("The comments must be text.")
    if len(comments) > services.MAX_COMMENTS:
        raise DomainError(f"The comments are too long (at most {services.MAX_COMMENTS} characters).")
    language = fields.get("language") or "en"
    if not isinstance(language, str):
        raise DomainError("The language must be a language code.")
    return {
        "visit_id": visit_id,
        "outcome": outcome,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "comments": comments,
        "language": services.clean_language(language),
    }


def apply_visit_action(
    session: Session,
    settings: Settings,
    user: User,
    key: str,
    *,
    fields: dict[str, Any],
    photo_ids: Sequence[str],
    base_version: int | None,
    captured_at: dt.datetime | None,
    body: Any,
) -> tuple[int, dict[str, Any]]:
    """Apply one visit outcome from the outbox; returns (HTTP status, answer). The caller claims the key and commits."""
    # Who before what: a caller who may not make visits hears so, whatever the body says.
    if not policies.is_visitor(user):
        raise Forbidden("Follow-up visits are recorded by outreach staff and supervisors.")
    f = parse_fields(fields)
    # FOR UPDATE (PostgreSQL): two tablets answering for one visit are judged one after the other.
    visit = session.scalar(
        sa.select(FollowUpVisit)
        .where(FollowUpVisit.id == f["visit_id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None:
        raise NotFound(f"There is no follow-up visit {f['visit_id']}.")
    stale = base_version is not None and base_version != visit.version
    reason = None
    if visit.status != VisitStatus.PENDING:
        reason = _already_done_reason(session, settings, user, visit)
    elif not policies.can_record_visit(user, visit):
        if not stale:
            raise Forbidden("This follow-up visit is assigned to someone else.")
        who = visit.assigned_to.full_name if visit.assigned_to is not None else "someone else"
        reason = f"Follow-up visit #{visit.id} was given to {who} while you were offline"
    if reason is not None:
        return 409, _file_conflict(session, user, key, visit, photo_ids, body, reason)

    now = utcnow()
    at = captured_at if captured_at is not None and captured_at <= now else now
    at = max(at, visit.created_at)
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
        photo_ids=photo_ids,
        now=at,
        max_attempts=services.max_attempts(settings),
        source_key=key,
    )
    session.flush()
    follow_on = result.follow_on
    return 200, {
        "key": key,
        "kind": "visit",
        "result": {
            "visit_id": visit.id,
            "status": visit.status.value,
            "outcome": visit.outcome.value if visit.outcome else None,
            "resolved": visit.resolved.value if visit.resolved else None,
            "attempts": visit.attempts,
            "photos": len(photo_ids),
            "follow_on": {"id": follow_on.id, "tracking_number": follow_on.tracking_number} if follow_on is not None else None,
        },
        "work_order": None,
        "request": {"id": visit.request.id, "tracking_number": visit.request.tracking_number, "status": visit.request.status.value},
        "visit": {"id": visit.id, "status": visit.status.value, "version": visit.version},
    }


def _already_done_reason(session: Session, settings: Settings, user: User, visit: FollowUpVisit) -> str:
    entries = session.scalars(
        sa.select(Activity)
        .where(Activity.request_id == visit.request_id, Activity.verb.in_(["visit:done", "visit:left_card", "visit:cancelled"]))
        .options(joinedload(Activity.actor))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    )
    last = next((e for e in entries if e.detail.get("visit_id") == visit.id), None)
    done = "cancelled" if visit.status == VisitStatus.CANCELLED else "recorded"
    if last is None:
        return f"Follow-up visit #{visit.id} was {done} while you were offline"
    local = last.created_at.astimezone(ZoneInfo(settings.timezone))
    when = f"on {local:%b} {local.day} at {local:%H:%M}"
    if last.actor_id == user.id:
        return f"You already {done} follow-up visit #{visit.id} {when}"
    who = last.actor.full_name if last.actor is not None else "Someone"
    return f"{who} {done} follow-up visit #{visit.id} {when}, while you were offline"


def _file_conflict(
    session: Session, user: User, key: str, visit: FollowUpVisit, photo_ids: Sequence[str], body: Any, reason: str
) -> dict[str, Any]:
    # Evidence is append-only: the photos join the visit although the answers are not applied.
    attached = services.attach_visit_photos(session, user, visit, photo_ids, source_key=key) if photo_ids else []
    n = len(attached)
    reason += "; your answers" + (f" and {n} photo{'s' if n != 1 else ''} were" if n else " were") + " kept for a supervisor to review."
    conflict_id = None
    if visit.work_order_id is not None:
        conflict = SyncConflict(
            key=key,
            user_id=user.id,
            work_order_id=visit.work_order_id,
            kind="visit",
            payload_json=json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            reason=reason,
        )
        session.add(conflict)
        session.flush()
        conflict_id = conflict.id
    activity.record(
        session,
        request_id=visit.request_id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=Verb.SYNC_CONFLICT,
        params={"reason": reason},
        detail={"conflict_id": conflict_id, "kind": "visit", "visit_id": visit.id, "fields": (body or {}).get("fields"), "photos": n},
        source_key=key,
    )
    return {"key": key, "error": reason, "conflict_id": conflict_id, "kept": {"photos": n, "fields": True}}
