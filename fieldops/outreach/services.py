"""Outreach events: create them, check staff in and out, count residents met, summarise what was asked."""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.accounts.models import Role, User
from fieldops.catalog import texts
from fieldops.db import utcnow
from fieldops.districts.services import DistrictIndex
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.offline.services import OfflinePart
from fieldops.outreach.models import EventCheckin, OutreachEvent
from fieldops.servicerequests.models import ServiceRequest
from fieldops.servicerequests.services import validate_location

# An event longer than this is a typo (a wrong date), not an outreach shift.
MAX_EVENT_HOURS = 24
# Staff arrive early and stay late: check-in is allowed this long before the start and after the end.
CHECKIN_GRACE = dt.timedelta(hours=2)
MAX_RESIDENTS_STEP = 50


# The rule lives in fieldops/access/policies.py; the name stays for the feature's callers.
may_run_events = policies.can_manage_events


def create_event(
    session: Session,
    actor: User,
    *,
    name: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    latitude: float | None = None,
    longitude: float | None = None,
    notes: str = "",
    district_index: DistrictIndex | None = None,
) -> OutreachEvent:
    """Plan an event; its ward/district comes from its point."""
    if not may_run_events(actor):
        raise Forbidden(_("Only outreach staff and supervisors can create events."))
    name, place = name.strip(), place.strip()
    if not name:
        raise DomainError(_("Give the event a name, e.g. “Coffee hour at Union Square”."))
    if len(name) > 160 or len(place) > 255:
        raise DomainError(_("The name (160 characters) or the place (255) is too long."))
    validate_location(latitude, longitude)
    if latitude is None and not place:
        raise DomainError(_("Say where the event is: tap the map or type the place."))
    if ends_at <= starts_at:
        raise DomainError(_("The event must end after it starts."))
    if ends_at - starts_at > dt.timedelta(hours=MAX_EVENT_HOURS):
        raise DomainError(_("An event can last at most %(hours)s hours; check the dates.", hours=MAX_EVENT_HOURS))
    district_id = None
    if latitude is not None and longitude is not None:
        district_id = (district_index or DistrictIndex.load(session)).locate(longitude, latitude)
    event = OutreachEvent(
        name=name,
        place=place,
        latitude=latitude,
        longitude=longitude,
        district_id=district_id,
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes.strip(),
        residents_met=0,
        created_by_id=actor.id,
    )
    session.add(event)
    session.flush()
    return event


def get_event(session: Session, event_id: int) -> OutreachEvent:
    """An event by id, or NotFound."""
    event = session.get(OutreachEvent, event_id)
    if event is None:
        raise NotFound(_("There is no outreach event %(id)s.", id=event_id))
    return event


def events_between(session: Session, since: dt.datetime, until: dt.datetime) -> list[OutreachEvent]:
    """Events that overlap [since, until), soonest first."""
    stmt = (
        sa.select(OutreachEvent)
        .where(OutreachEvent.ends_at > since, OutreachEvent.starts_at < until)
        .options(joinedload(OutreachEvent.district))
        .order_by(OutreachEvent.starts_at, OutreachEvent.id)
    )
    return list(session.scalars(stmt))


def current_checkin(session: Session, user: User) -> EventCheckin | None:
    """The user's open check-in, if any (one at a time)."""
    stmt = (
        sa.select(EventCheckin)
        .where(EventCheckin.user_id == user.id, EventCheckin.checked_out_at.is_(None))
        .options(joinedload(EventCheckin.event))
        .order_by(EventCheckin.checked_in_at.desc(), EventCheckin.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def check_in(session: Session, user: User, event: OutreachEvent, *, at: dt.datetime | None = None) -> EventCheckin:
    """Check the user in to the event (leaving any other event); checking in twice is a no-op."""
    at = at or utcnow()
    if at < event.starts_at - CHECKIN_GRACE:
        raise DomainError(_("“%(name)s” has not started yet; check in on the day.", name=event.name))
    if at > event.ends_at + CHECKIN_GRACE:
        raise DomainError(_("“%(name)s” is over; it is no longer possible to check in.", name=event.name))
    current = current_checkin(session, user)
    if current is not None:
        if current.event_id == event.id:
            return current
        current.checked_out_at = max(at, current.checked_in_at)
    checkin = EventCheckin(event_id=event.id, user_id=user.id, checked_in_at=at)
    session.add(checkin)
    session.flush()
    return checkin


def check_out(session: Session, user: User, event: OutreachEvent, *, at: dt.datetime | None = None) -> EventCheckin | None:
    """End the user's check-in at this event; None if they were not checked in there."""
    at = at or utcnow()
    current = current_checkin(session, user)
    if current is None or current.event_id != event.id:
        return None
    current.checked_out_at = max(at, current.checked_in_at)
    session.flush()
    return current


def add_residents(session: Session, user: User, event: OutreachEvent, count: int = 1) -> int:
    """Count residents met at the event (a negative count corrects a mistaken tap); returns the new total."""
    if not policies.can_count_residents(user):
        raise Forbidden(_("You cannot count residents at events."))
    if count == 0 or abs(count) > MAX_RESIDENTS_STEP:
        raise DomainError(_("Count between 1 and %(max)s residents at a time.", max=MAX_RESIDENTS_STEP))
    # One UPDATE, not read-modify-write: several tablets tap at the same event at once.
    session.execute(
        sa.update(OutreachEvent)
        .where(OutreachEvent.id == event.id)
        .values(residents_met=_non_negative(OutreachEvent.residents_met + count))
    )
    session.refresh(event, ["residents_met"])
    return event.residents_met


def _non_negative(expr: Any) -> Any:
    # Portable max(x, 0): SQLite's max() and PostgreSQL's greatest() differ.
    return sa.case((expr < 0, 0), else_=expr)


@dataclass(frozen=True)
class StaffLine:
    name: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None


@dataclass(frozen=True)
class EventSummary:
    """What happened at an event: residents met, requests by type, languages, who worked it."""

    event: OutreachEvent
    residents_met: int
    requests: int
    added_to_existing: int
    by_type: list[tuple[str, int]] = field(default_factory=list)
    languages: list[tuple[str, int]] = field(default_factory=list)
    staff: list[StaffLine] = field(default_factory=list)
    recent: list[ServiceRequest] = field(default_factory=list)


def event_summary(session: Session, event: OutreachEvent, *, recent: int = 20) -> EventSummary:
    """Counts for one event (every report logged there, including those added to an existing request)."""
    reqs = list(
        session.scalars(
            sa.select(ServiceRequest)
            .where(ServiceRequest.event_id == event.id)
            .options(joinedload(ServiceRequest.service_type), joinedload(ServiceRequest.duplicate_of))
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        )
    )
    by_type = collections.Counter(texts.type_name(r.service_type) for r in reqs)
    languages = collections.Counter(r.resident_language or "en" for r in reqs)
    staff = [StaffLine(c.user.full_name, c.checked_in_at, c.checked_out_at) for c in event.checkins]
    return EventSummary(
        event=event,
        residents_met=event.residents_met,
        requests=len(reqs),
        added_to_existing=sum(1 for r in reqs if r.duplicate_of_id is not None),
        by_type=sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
        languages=sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])),
        staff=staff,
        recent=reqs[:recent],
    )


def event_json(event: OutreachEvent) -> dict[str, Any]:
    """What a tablet keeps about an event to log requests there offline."""
    return {
        "id": event.id,
        "name": event.name,
        "place": event.place,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "district": event.district.name if event.district is not None else None,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
    }


def check_sync_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An event outbox action's fields ("checkin" with action in/out, "residents" with count), or a 422."""
    event_id = fields.get("event_id")
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not 0 < event_id < 2**31:
        raise DomainError(_("This change does not say which event it is for."))
    if kind == "checkin":
        action = fields.get("action")
        if action not in ("in", "out"):
            raise DomainError(_("A check-in must be “in” or “out”."))
        return {"event_id": event_id, "action": action}
    if kind == "residents":
        count = fields.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise DomainError(_("The number of residents must be a whole number."))
        return {"event_id": event_id, "count": count}
    raise DomainError(f"Unknown kind of change {kind!r}.")


def apply_sync_action(session: Session, user: User, kind: str, fields: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    """Apply an outbox action about an event (fieldops/outreach/sync.py registers the kinds)."""
    checked = check_sync_fields(kind, fields)
    event = get_event(session, checked["event_id"])
    if kind == "checkin":
        if checked["action"] == "in":
            checkin = check_in(session, user, event, at=at)
            return {"event_id": event.id, "checked_in": True, "checkin_id": checkin.id}
        check_out(session, user, event, at=at)
        return {"event_id": event.id, "checked_in": False}
    return {"event_id": event.id, "residents_met": add_residents(session, user, event, checked["count"])}


def offline_pages(session: Session, user: User, *, now: dt.datetime | None = None) -> list[str]:
    """Pages a tablet keeps for events: the events list and each event of the next day (check-in works offline)."""
    now = now or utcnow()
    events = events_between(session, now - dt.timedelta(hours=12), now + dt.timedelta(hours=24))
    return ["/events", *(f"/events/{e.id}" for e in events)]


def offline_part(session: Session, user: User) -> OfflinePart:
    """Outreach: today's events, so staff check residents in without signal; checked in to one of them, outreach
    staff start the app on that event's page."""
    pages = offline_pages(session, user)
    checkin = current_checkin(session, user) if user.role == Role.OUTREACH else None
    start = f"/events/{checkin.event_id}" if checkin is not None else None
    return OfflinePart(pages=pages, start=start if start in pages else None)
