"""Events, check-in/out, residents counted, per-event summaries; the outbox kinds for events."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from factories import CITY_HALL, UNION_SQUARE
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden
from fieldops.outreach import services
from fieldops.outreach.intake import log_request
from fieldops.outreach.models import EventCheckin
from fieldops.servicerequests.models import Channel
from factories import make_event


def test_an_event_is_placed_in_its_ward(session, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city, at=UNION_SQUARE)
    assert event.district is not None and event.district.code == "2"  # Union Square is in Ward 2
    assert services.events_between(session, utcnow() - dt.timedelta(hours=2), utcnow() + dt.timedelta(hours=1)) == [event]


def test_event_rules(session, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with pytest.raises(Forbidden):
        services.create_event(session, city.alice, name="Crew party", place="Yard", starts_at=now, ends_at=now + dt.timedelta(hours=1))
    with pytest.raises(DomainError, match="end after it starts"):
        services.create_event(session, city.olga, name="Backwards", place="Hall", starts_at=now, ends_at=now)
    with pytest.raises(DomainError, match="at most 24 hours"):
        services.create_event(session, city.sam, name="Typo", place="Hall", starts_at=now, ends_at=now + dt.timedelta(days=3))
    with pytest.raises(DomainError, match="Say where"):
        services.create_event(session, city.olga, name="Nowhere", place=" ", starts_at=now, ends_at=now + dt.timedelta(hours=1))
    typed = services.create_event(session, city.olga, name="Library hour", place="Central Library", starts_at=now, ends_at=now + dt.timedelta(hours=1))
    assert typed.district_id is None and typed.latitude is None


def test_check_in_moves_between_events_and_out(session, city) -> None:  # type: ignore[no-untyped-def]
    first = make_event(session, city)
    second = make_event(session, city, at=CITY_HALL, name="City Hall open house")
    a = services.check_in(session, city.olga, first)
    assert services.check_in(session, city.olga, first).id == a.id  # twice: no-op
    b = services.check_in(session, city.olga, second)
    assert a.checked_out_at is not None and services.current_checkin(session, city.olga).id == b.id
    assert services.check_out(session, city.olga, first) is None  # not checked in there any more
    assert services.check_out(session, city.olga, second) is b and services.current_checkin(session, city.olga) is None


def test_check_in_only_around_the_event(session, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city, starts=utcnow() + dt.timedelta(days=2))
    with pytest.raises(DomainError, match="not started"):
        services.check_in(session, city.olga, event)
    past = make_event(session, city, starts=utcnow() - dt.timedelta(days=2))
    with pytest.raises(DomainError, match="over"):
        services.check_in(session, city.olga, past)


def test_residents_count_never_goes_negative(session, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city)
    assert services.add_residents(session, city.olga, event) == 1
    assert services.add_residents(session, city.sam, event, 3) == 4
    assert services.add_residents(session, city.olga, event, -5) == 0
    with pytest.raises(DomainError):
        services.add_residents(session, city.olga, event, 500)


def test_summary_counts_requests_types_languages_and_staff(session, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city)
    services.check_in(session, city.olga, event)
    services.add_residents(session, city.olga, event, 4)
    first = log_request(session, city.olga, service_type=city.pothole, channel=Channel.STAFF, event=event,
                        latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1], resident_language="ht", description="Twou nan lari a")
    log_request(session, city.olga, service_type=city.pothole, channel=Channel.STAFF, event=event, duplicate_of=first.report.tracking_number,
                latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1], resident_language="es")
    log_request(session, city.olga, service_type=city.streetlight, channel=Channel.STAFF, event=event, address="Webster Ave", resident_language="ht")
    s = services.event_summary(session, event)
    assert (s.residents_met, s.requests, s.added_to_existing) == (4, 3, 1)
    assert s.by_type == [("Pothole", 2), ("Street light out", 1)]
    assert s.languages == [("ht", 2), ("es", 1)]
    assert [line.name for line in s.staff] == ["Olga Outreach"]
    assert first.report.channel == Channel.OUTREACH and first.report.event_id == event.id


def test_outbox_event_actions(session, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city)
    at = utcnow() - dt.timedelta(minutes=20)
    result = services.apply_sync_action(session, city.olga, "checkin", {"event_id": event.id, "action": "in"}, at)
    assert result["checked_in"] is True
    checkin = session.scalar(sa.select(EventCheckin))
    assert checkin.checked_in_at == at  # the tablet's time, not the time signal came back
    assert services.apply_sync_action(session, city.olga, "residents", {"event_id": event.id, "count": 2}, at)["residents_met"] == 2
    services.apply_sync_action(session, city.olga, "checkin", {"event_id": event.id, "action": "out"}, utcnow())
    assert checkin.checked_out_at is not None
    for bad in ({"event_id": "x", "action": "in"}, {"event_id": event.id, "action": "sideways"}, {"event_id": event.id, "count": True}):
        with pytest.raises(DomainError):
            services.apply_sync_action(session, city.olga, "checkin" if "action" in bad else "residents", bad, at)
