"""Follow-up visits: planned after closure by the service type's policy, or by hand; recorded at the door.

Who visits: outreach staff and supervisors. A visit assigned to someone is theirs; an unassigned one is open to
every outreach worker. "My visits" lists the pending visits due by the end of today (city time) that are
assigned to me or to nobody; supervisors may also list everyone's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from fieldops.access import policies
from fieldops.activity.verbs import Verb
from fieldops.accounts.models import Role, User
from fieldops.activity import services as activity
from fieldops.catalog.models import FollowUpPolicy, ServiceType
from fieldops.db import utcnow
from fieldops.errors import Conflict, DomainError, Forbidden, NotFound
from fieldops.offline.services import OfflinePart
from fieldops.photos import services as photos
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.settings import Settings
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitReason, VisitStatus
from fieldops.workorders.models import WorkOrder, WorkOrderStatus

# Not-home attempts before the visitor leaves a card and the visit is closed (override per deployment through
# Settings.extra["visit_max_attempts"]).
MAX_NOT_HOME_ATTEMPTS = 3
MAX_COMMENTS = 5000
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,4})?$|^other$")
# Vocabulary: stored in English in the history's parameters, translated when shown (fieldops/activity/verbs.py PHRASES).
RESOLUTION_WORDS = {Resolution.YES: "resolved", Resolution.PARTLY: "partly resolved", Resolution.NO: "not resolved"}
# A visit's status as the pages show it (templates/visits/detail.html), for refusals that name it.
STATUS_WORDS = {VisitStatus.PENDING: _l("to visit"), VisitStatus.DONE: _l("done"), VisitStatus.CANCELLED: _l("cancelled")}


def status_word(status: VisitStatus) -> str:
    """The visit status in the reader's language ("done", "cancelled", "to visit")."""
    return str(STATUS_WORDS[status])


@dataclasses.dataclass(frozen=True)
class OutcomeResult:
    """What recording an outcome did: the visit, and the follow-on request it opened (if any)."""

    visit: FollowUpVisit
    follow_on: ServiceRequest | None
    closed: bool


# --- who --------------------------------------------------------------------------------------------------------


# The rules live in fieldops/access/policies.py; these names stay for the feature's callers.
is_visitor = policies.is_visitor
may_record = policies.can_record_visit


def get_visit(session: Session, user: User, visit_id: int) -> FollowUpVisit:
    """Load a visit the user may see (policies.can_view_visit), or raise NotFound as if it did not exist."""
    visit = session.get(
        FollowUpVisit,
        visit_id,
        options=[joinedload(FollowUpVisit.request).joinedload(ServiceRequest.service_type), joinedload(FollowUpVisit.assigned_to)],
    )
    if visit is None or not policies.can_view_visit(user, visit):
        raise NotFound(_("There is no follow-up visit %(id)s.", id=visit_id))
    return visit


def outreach_staff(session: Session) -> list[User]:
    """Active people who can be given visits (outreach staff first, then supervisors), by name."""
    users = session.scalars(
        sa.select(User).where(User.active.is_(True), User.role.in_([Role.OUTREACH, Role.SUPERVISOR])).order_by(User.full_name)
    )
    return sorted(users, key=lambda u: (u.role != Role.OUTREACH, u.full_name))


# --- planning ---------------------------------------------------------------------------------------------------


def sampled_for_followup(request_id: int, percent: int) -> bool:
    """A fair, repeatable draw: the same request always gets the same answer (replays never change it)."""
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"fieldops-followup:{request_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < percent * 100


def wants_followup(service_type: ServiceType, request_id: int) -> bool:
    """Whether the service type's policy asks for a follow-up visit to this request."""
    if service_type.followup_policy == FollowUpPolicy.ALWAYS:
        return True
    if service_type.followup_policy == FollowUpPolicy.SAMPLE:
        return sampled_for_followup(request_id, service_type.followup_sample_percent)
    return False


def _completed_job(req: ServiceRequest) -> WorkOrder | None:
    done = [wo for wo in req.work_orders if wo.status == WorkOrderStatus.COMPLETED]
    return max(done, key=lambda wo: (wo.completed_at or wo.updated_at, wo.id)) if done else None


def schedule_after_closure(session: Session, req: ServiceRequest, now: dt.datetime) -> FollowUpVisit | None:
    """Plan the policy's follow-up visit for a request whose work was just completed (at most one per request)."""
    st = req.service_type
    if not wants_followup(st, req.id):
        return None
    # Once per request, whatever happens later (reopened and closed again, a replayed sync).
    already = session.scalar(
        sa.select(FollowUpVisit.id).where(FollowUpVisit.request_id == req.id, FollowUpVisit.reason == VisitReason.POLICY).limit(1)
    )
    if already is not None:
        return None
    closed_at = req.closed_at or now
    job = _completed_job(req)
    visit = FollowUpVisit(
        request_id=req.id,
        work_order_id=job.id if job is not None else None,
        reason=VisitReason.POLICY,
        status=VisitStatus.PENDING,
        due_at=closed_at + dt.timedelta(hours=st.followup_delay_hours),
        language=req.resident_language or "en",
        created_at=now,
    )
    session.add(visit)
    session.flush()
    sample = {} if st.followup_policy == FollowUpPolicy.ALWAYS else {"percent": st.followup_sample_percent}
    activity.record(
        session,
        request_id=req.id,
        work_order_id=visit.work_order_id,
        actor=None,
        verb=Verb.VISIT_PLANNED,
        params={"visit": visit.id, "hours": st.followup_delay_hours, "service": st.name, **sample},
        detail={"visit_id": visit.id, "due_at": visit.due_at.isoformat(), "policy": st.followup_policy.value},
        at=now,
    )
    return visit


def on_request_closed(sender: object, *, session: Session, request: ServiceRequest, at: dt.datetime, **_: object) -> None:
    """Receiver of `fieldops.signals.request_closed`: the closing of finished work plans the policy's visit."""
    schedule_after_closure(session, request, at)


def add_visit(
    session: Session,
    user: User,
    req: ServiceRequest,
    *,
    due_at: dt.datetime | None = None,
    assignee: User | None = None,
    now: dt.datetime | None = None,
) -> FollowUpVisit:
    """A supervisor adds a follow-up visit by hand (any request, any number of times)."""
    if not policies.can_manage_visits(user):
        raise Forbidden(_("Only supervisors can add follow-up visits."))
    if assignee is not None and not is_visitor(assignee):
        raise DomainError(_("%(name)s does not make follow-up visits (outreach staff and supervisors do).", name=assignee.full_name))
    now = now or utcnow()
    job = _completed_job(req) or (req.work_orders[-1] if req.work_orders else None)
    visit = FollowUpVisit(
        request_id=req.id,
        work_order_id=job.id if job is not None else None,
        reason=VisitReason.MANUAL,
        status=VisitStatus.PENDING,
        due_at=due_at or now,
        assigned_to_id=assignee.id if assignee is not None else None,
        language=req.resident_language or "en",
        created_by_id=user.id,
        created_at=now,
    )
    session.add(visit)
    session.flush()
    activity.record(
        session,
        request_id=req.id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=Verb.VISIT_ADDED,
        params={"visit": visit.id, **({"assignee": assignee.full_name} if assignee is not None else {})},
        detail={"visit_id": visit.id, "due_at": visit.due_at.isoformat(), "assignee_id": visit.assigned_to_id},
        at=now,
    )
    return visit


def assign_visit(session: Session, user: User, visit: FollowUpVisit, assignee: User | None) -> FollowUpVisit:
    """A supervisor gives a pending visit to someone, or back to the shared list (None)."""
    if not policies.can_manage_visits(user):
        raise Forbidden(_("Only supervisors can assign follow-up visits."))
    if visit.status != VisitStatus.PENDING:
        raise DomainError(_("Follow-up visit #%(id)s is %(status)s; only pending visits can be assigned.", id=visit.id, status=status_word(visit.status)))
    if assignee is not None and not is_visitor(assignee):
        raise DomainError(_("%(name)s does not make follow-up visits (outreach staff and supervisors do).", name=assignee.full_name))
    new_id = assignee.id if assignee is not None else None
    if visit.assigned_to_id == new_id:
        return visit
    visit.assigned_to = assignee
    visit.assigned_to_id = new_id
    activity.record(
        session,
        request_id=visit.request_id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=Verb.VISIT_ASSIGNED,
        params={"visit": visit.id, **({"assignee": assignee.full_name} if assignee is not None else {})},
        detail={"visit_id": visit.id, "assignee_id": new_id},
    )
    session.flush()
    return visit


def cancel_visit(session: Session, user: User, visit: FollowUpVisit, reason: str = "") -> FollowUpVisit:
    """A supervisor cancels a pending visit (e.g. the resident asked not to be visited)."""
    if not policies.can_manage_visits(user):
        raise Forbidden(_("Only supervisors can cancel follow-up visits."))
    if visit.status != VisitStatus.PENDING:
        raise DomainError(_("Follow-up visit #%(id)s is %(status)s; only pending visits can be cancelled.", id=visit.id, status=status_word(visit.status)))
    visit.status = VisitStatus.CANCELLED
    visit.completed_at = utcnow()
    reason = reason.strip()[:MAX_COMMENTS]
    activity.record(
        session,
        request_id=visit.request_id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=Verb.VISIT_CANCELLED,
        params={"visit": visit.id, **({"reason": reason} if reason else {})},
        detail={"visit_id": visit.id},
    )
    session.flush()
    return visit


# --- lists ------------------------------------------------------------------------------------------------------


def end_of_local_day(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant of the next calendar day in the city, as UTC."""
    local = at.astimezone(zone)
    nxt = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    return nxt.astimezone(dt.UTC)


def _visit_options() -> list[LoaderOption]:
    return [
        joinedload(FollowUpVisit.request).joinedload(ServiceRequest.service_type),
        joinedload(FollowUpVisit.request).joinedload(ServiceRequest.district),
        joinedload(FollowUpVisit.assigned_to),
        joinedload(FollowUpVisit.work_order),
    ]


def my_visits(session: Session, user: User, *, due_before: dt.datetime, everyone: bool = False) -> list[FollowUpVisit]:
    """Pending visits due before `due_before`, assigned to the user or to nobody (everyone's: supervisors), soonest due first."""
    if not is_visitor(user):
        raise Forbidden(_("Follow-up visits are made by outreach staff and supervisors."))
    if everyone and not policies.can_manage_visits(user):
        raise Forbidden(_("Only supervisors can list everyone's visits."))
    stmt = sa.select(FollowUpVisit).where(FollowUpVisit.status == VisitStatus.PENDING, FollowUpVisit.due_at < due_before)
    if not everyone:
        stmt = stmt.where(sa.or_(FollowUpVisit.assigned_to_id == user.id, FollowUpVisit.assigned_to_id.is_(None)))
    stmt = stmt.options(*_visit_options()).order_by(FollowUpVisit.due_at, FollowUpVisit.id)
    return list(session.scalars(stmt).unique())


def upcoming_count(session: Session, user: User, *, after: dt.datetime) -> int:
    """Pending visits for the user (or nobody) that become due after `after` (shown as "coming up")."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(FollowUpVisit)
        .where(
            FollowUpVisit.status == VisitStatus.PENDING,
            FollowUpVisit.due_at >= after,
            sa.or_(FollowUpVisit.assigned_to_id == user.id, FollowUpVisit.assigned_to_id.is_(None)),
        )
    ) or 0


def visits_for_request(session: Session, req: ServiceRequest) -> list[FollowUpVisit]:
    """A request's follow-up visits, oldest first."""
    stmt = (
        sa.select(FollowUpVisit)
        .where(FollowUpVisit.request_id == req.id)
        .options(joinedload(FollowUpVisit.assigned_to), joinedload(FollowUpVisit.follow_on_request))
        .order_by(FollowUpVisit.created_at, FollowUpVisit.id)
    )
    return list(session.scalars(stmt).unique())


def visit_of_follow_on(session: Session, req: ServiceRequest) -> FollowUpVisit | None:
    """The visit that opened this request as follow-on work, if it was one."""
    return session.scalar(sa.select(FollowUpVisit).where(FollowUpVisit.follow_on_request_id == req.id).limit(1))


def photos_for_visit(session: Session, visit: FollowUpVisit) -> list[Photo]:
    """Photos taken at the visit, in the order they were added."""
    return list(session.scalars(sa.select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.created_at, Photo.id)))


def offline_pages(session: Session, user: User, *, now: dt.datetime | None = None, max_visits: int = 200) -> list[str]:
    """'My visits' and each visit page the user may need without signal in the next 24 hours."""
    if not is_visitor(user):
        return []
    now = now or utcnow()
    # 24 h ahead covers "due by the end of today" in any time zone without needing the city's zone here.
    visits = my_visits(session, user, due_before=now + dt.timedelta(hours=24))[:max_visits]
    return ["/visits"] + [f"/visits/{v.id}" for v in visits]


def offline_part(session: Session, user: User) -> OfflinePart:
    """Follow-up visitors (outreach staff, supervisors): 'My visits' and each visit page of the day."""
    return OfflinePart(pages=offline_pages(session, user))


# --- at the door ------------------------------------------------------------------------------------------------


def next_attempt_due(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Not home: try again from the start of the next day (city time), so it leaves today's list."""
    return end_of_local_day(at, zone)


def clean_language(value: str | None) -> str:
    """A short language code (en, es, pt-br, other); anything else is refused."""
    lang = (value or "en").strip().lower()
    if not LANGUAGE_RE.match(lang) or len(lang) > 8:
        raise DomainError(_("“%(value)s” is not a language code.", value=value))
    return lang


def record_outcome(
    session: Session,
    user: User,
    visit: FollowUpVisit,
    *,
    outcome: VisitOutcome,
    zone: ZoneInfo,
    resolved: Resolution | None = None,
    satisfaction: int | None = None,
    comments: str = "",
    language: str = "en",
    photo_ids: Sequence[str] = (),
    now: dt.datetime | None = None,
    max_attempts: int = MAX_NOT_HOME_ATTEMPTS,
    source_key: str | None = None,
) -> OutcomeResult:
    """Record what happened at the door; "no"/"partly" opens a linked follow-on request, not home retries then leaves a card."""
    now = now or utcnow()
    if not may_record(user, visit):
        raise Forbidden(_("This follow-up visit is assigned to someone else."))
    if visit.status != VisitStatus.PENDING:
        raise Conflict(_("Follow-up visit #%(id)s was already recorded (%(status)s).", id=visit.id, status=status_word(visit.status)))
    comments = (comments or "").strip()
    if len(comments) > MAX_COMMENTS:
        raise DomainError(_("The comments are too long (at most %(max)s characters).", max=MAX_COMMENTS))
    language = clean_language(language)
    req = visit.request
    follow_on: ServiceRequest | None = None

    if outcome == VisitOutcome.REACHED:
        if resolved is None:
            raise DomainError(_("Ask whether the problem is fixed: yes, partly or no."))
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise DomainError(_("Satisfaction is a number from 1 to 5."))
    elif outcome in (VisitOutcome.NOT_HOME, VisitOutcome.LEFT_CARD):
        # Nobody answered: no questions were asked, so no answers may be stored.
        resolved, satisfaction = None, None
    else:  # pragma: no cover - the enum has no other members
        raise DomainError(f"Unknown outcome {outcome!r}.")

    visit.attempts += 1
    visit.last_attempt_at = now
    visit.comments = comments
    visit.language = language
    if user.has_role(Role.OUTREACH) and visit.assigned_to_id is None:
        visit.assigned_to_id = user.id  # who knocked, for the record and for the next attempt

    if outcome == VisitOutcome.REACHED:
        visit.outcome = VisitOutcome.REACHED
        visit.resolved = resolved
        visit.satisfaction = satisfaction
        visit.status = VisitStatus.DONE
        visit.completed_at = now
        assert resolved is not None
        said: dict[str, Any] = {"resolved": RESOLUTION_WORDS[resolved]}
        if satisfaction is not None:
            said["satisfaction"] = satisfaction
        verb = Verb.VISIT_DONE
    elif outcome == VisitOutcome.LEFT_CARD or visit.attempts >= max_attempts:
        visit.outcome = VisitOutcome.LEFT_CARD
        visit.status = VisitStatus.DONE
        visit.completed_at = now
        said = {"attempt": visit.attempts}
        verb = Verb.VISIT_LEFT_CARD
    else:
        visit.outcome = VisitOutcome.NOT_HOME
        visit.due_at = max(visit.due_at, next_attempt_due(now, zone))
        said = {"attempt": visit.attempts, "attempts": max_attempts}
        verb = Verb.VISIT_NOT_HOME

    if comments:
        said["comments"] = comments
    activity.record(
        session,
        request_id=req.id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=verb,
        params={"visit": visit.id, **said},
        detail={
            "visit_id": visit.id,
            "outcome": visit.outcome.value if visit.outcome else None,
            "resolved": resolved.value if resolved else None,
            "satisfaction": satisfaction,
            "attempt": visit.attempts,
            "language": language,
        },
        source_key=source_key,
        at=now,
    )
    if photo_ids:
        attach_visit_photos(session, user, visit, photo_ids, source_key=source_key)
    if visit.outcome == VisitOutcome.REACHED and resolved in (Resolution.NO, Resolution.PARTLY):
        follow_on = _open_follow_on(session, user, visit, now, source_key)
    session.flush()
    return OutcomeResult(visit=visit, follow_on=follow_on, closed=visit.status == VisitStatus.DONE)


def attach_visit_photos(
    session: Session, user: User, visit: FollowUpVisit, photo_ids: Sequence[str], *, source_key: str | None = None
) -> list[Photo]:
    """Attach the user's staged photos to the visit (and its request); already attached there is a no-op."""
    attached = photos.attach_photos(session, user, photo_ids, request_id=visit.request_id, kind=PhotoKind.VISIT, source_key=source_key)
    for photo in attached:
        if photo.visit_id not in (None, visit.id):
            raise DomainError(_("Photo %(id)s belongs to another visit.", id=photo.id))
        photo.visit_id = visit.id
    return attached


def _open_follow_on(session: Session, user: User, visit: FollowUpVisit, now: dt.datetime, source_key: str | None) -> ServiceRequest:
    """The reopened work: a new request linked to the original, with its own SLA, into triage like any other."""
    original = visit.request
    assert visit.resolved is not None
    words = RESOLUTION_WORDS[visit.resolved]
    # Only people's own words: what the resident told the visitor, then the original report. Why this request
    # exists (which visit, what it found, after which request) is said on its page from the visit, in the reader's
    # language. Staff channel: none of it is published (public_description stays empty).
    parts = [text for text in (visit.comments, original.description) if text]
    follow_on = create_request(
        session,
        user,
        service_type=original.service_type,
        channel=Channel.STAFF,
        description="\n".join(parts),
        latitude=original.latitude,
        longitude=original.longitude,
        address=original.address,
        # The same resident: the department may need to call back; contact stays private as on the original.
        resident_name=original.resident_name,
        resident_phone=original.resident_phone,
        resident_email=original.resident_email,
        resident_language=original.resident_language,
        contact_consent=original.contact_consent,
        created_at=now,
        parent=original,
        source_key=source_key,
    )
    visit.follow_on_request_id = follow_on.id
    visit.follow_on_request = follow_on
    activity.record(
        session,
        request_id=original.id,
        work_order_id=visit.work_order_id,
        actor=user,
        verb=Verb.VISIT_FOLLOW_ON,
        params={"resolved": words, "follow_on": follow_on.tracking_number},
        detail={"visit_id": visit.id, "follow_on_id": follow_on.id, "follow_on_tracking_number": follow_on.tracking_number},
        source_key=source_key,
        at=now,
    )
    activity.record(
        session,
        request_id=follow_on.id,
        actor=user,
        verb=Verb.VISIT_FOLLOW_ON_OF,
        params={"visit": visit.id, "original": original.tracking_number, "resolved": words},
        detail={"visit_id": visit.id, "parent_id": original.id, "parent_tracking_number": original.tracking_number},
        source_key=source_key,
        at=now,
    )
    return follow_on


def follow_on_origin(session: Session, req: ServiceRequest) -> FollowUpVisit | None:
    """The follow-up visit that opened this request (a follow-on), or None."""
    return session.scalars(sa.select(FollowUpVisit).where(FollowUpVisit.follow_on_request_id == req.id).limit(1)).first()


def follow_on_reason(visit: FollowUpVisit) -> str:
    """Why a follow-on request exists, in the reader's language: which visit found what, after which request."""
    assert visit.resolved is not None
    return _(
        "Opened because follow-up visit #%(visit)s found %(original)s %(resolved)s",
        visit=visit.id, original=visit.request.tracking_number, resolved=_(RESOLUTION_WORDS[visit.resolved]),
    )


def max_attempts(settings: Settings) -> int:
    """The not-home retry limit: Settings.extra["visit_max_attempts"] if set, else MAX_NOT_HOME_ATTEMPTS."""
    value = settings.extra.get("visit_max_attempts")
    if not isinstance(value, (int, float, str)):  # unset, or not a number in any spelling
        return MAX_NOT_HOME_ATTEMPTS
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return MAX_NOT_HOME_ATTEMPTS
