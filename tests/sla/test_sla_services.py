"""Due times from service standards, the default calendar, counting on time / overdue, admin services."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from factories import UNION_SQUARE, make_job
from fieldops.sla import standards
from fieldops.catalog.models import BusinessCalendar, Holiday, SlaUnit, TransferClock
from fieldops.errors import DomainError, Forbidden
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.sla import services
from fieldops.sla.services import SlaState, sla_state

UTC = dt.UTC


def make_request(session, city, *, created_at: dt.datetime | None = None) -> ServiceRequest:  # type: ignore[no-untyped-def]
    """A pothole report at Union Square with no work order."""
    kwargs = {"created_at": created_at} if created_at else {}
    return create_request(
        session, city.sam, service_type=city.pothole, channel=Channel.PHONE, latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1], **kwargs
    )

MONDAY_10AM = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)  # Boston, EDT
FRIDAY_7PM = dt.datetime(2025, 6, 6, 23, 0, tzinfo=UTC)


def test_hours_are_wall_clock(session, city) -> None:  # type: ignore[no-untyped-def]
    assert services.compute_due(session, city.pothole, FRIDAY_7PM) == FRIDAY_7PM + dt.timedelta(hours=48)
    city.pothole.sla_value = 24
    assert services.compute_due(session, city.pothole, FRIDAY_7PM) == FRIDAY_7PM + dt.timedelta(hours=24)
    with pytest.raises(ValueError, match="naive"):
        services.compute_due(session, city.pothole, dt.datetime(2025, 6, 2, 10, 0))


def test_business_units_use_the_default_calendar_made_on_first_use(session, city) -> None:  # type: ignore[no-untyped-def]
    assert session.scalar(sa.select(sa.func.count()).select_from(BusinessCalendar)) == 0
    city.streetlight.sla_unit, city.streetlight.sla_value = SlaUnit.BUSINESS_DAYS, 2
    # Friday 19:00 → the clock starts Monday → due Wednesday 17:00 EDT.
    assert services.compute_due(session, city.streetlight, FRIDAY_7PM) == dt.datetime(2025, 6, 11, 21, 0, tzinfo=UTC)
    cal = session.scalars(sa.select(BusinessCalendar)).one()
    assert cal.name == services.DEFAULT_CALENDAR_NAME
    assert (cal.work_start, cal.work_end, cal.workdays) == (dt.time(8), dt.time(17), "1,2,3,4,5")
    names = {h.name for h in cal.holidays}
    assert "Patriots' Day" in names and "Thanksgiving Day" in names
    assert len(cal.holidays) >= 22  # two years
    city.streetlight.sla_unit, city.streetlight.sla_value = SlaUnit.BUSINESS_HOURS, 4
    assert services.compute_due(session, city.streetlight, FRIDAY_7PM) == dt.datetime(2025, 6, 9, 16, 0, tzinfo=UTC)  # Monday 12:00
    assert services.default_calendar(session) is cal


def test_a_type_can_have_its_own_calendar(session, city) -> None:  # type: ignore[no-untyped-def]
    saturdays = BusinessCalendar(name="Sign shop", work_start=dt.time(7), work_end=dt.time(15), workdays="2,3,4,5,6")
    session.add(saturdays)
    city.streetlight.sla_unit, city.streetlight.sla_value, city.streetlight.sla_calendar = SlaUnit.BUSINESS_DAYS, 1, saturdays
    # Friday 19:00 → starts Saturday → due Tuesday (Monday is off) at 15:00 EDT.
    assert services.compute_due(session, city.streetlight, FRIDAY_7PM) == dt.datetime(2025, 6, 10, 19, 0, tzinfo=UTC)
    saturdays.holidays.append(Holiday(day=dt.date(2025, 6, 10), name="Shop closed"))
    assert services.compute_due(session, city.streetlight, FRIDAY_7PM) == dt.datetime(2025, 6, 11, 19, 0, tzinfo=UTC)


def test_new_requests_get_their_due_time_and_clock_start(session, city) -> None:  # type: ignore[no-untyped-def]
    city.pothole.sla_unit, city.pothole.sla_value = SlaUnit.BUSINESS_DAYS, 5
    req = make_request(session, city, created_at=MONDAY_10AM)
    assert req.sla_started_at == MONDAY_10AM
    assert req.due_at == dt.datetime(2025, 6, 9, 21, 0, tzinfo=UTC)


# --- counting ------------------------------------------------------------------------------------

NOW = dt.datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
DUE = dt.datetime(2025, 6, 9, 12, 0, tzinfo=UTC)
CASES = [
    (DUE, DUE - dt.timedelta(hours=1), SlaState.ON_TIME),
    (DUE, DUE, SlaState.ON_TIME),  # closed exactly at the due time is on time
    (DUE, DUE + dt.timedelta(seconds=1), SlaState.LATE),
    (DUE, None, SlaState.OPEN_OVERDUE),
    (NOW + dt.timedelta(hours=1), None, SlaState.OPEN_ON_TIME),
    (NOW, None, SlaState.OPEN_ON_TIME),  # due this instant: not yet overdue
    (None, None, SlaState.OPEN_ON_TIME),
    (None, DUE, SlaState.ON_TIME),
]


@pytest.mark.parametrize(("due", "closed", "state"), CASES)
def test_sla_state(due, closed, state) -> None:  # type: ignore[no-untyped-def]
    assert sla_state(due, closed, NOW) == state
    assert sla_state(due, closed, NOW).counts_as_late == (state in (SlaState.LATE, SlaState.OPEN_OVERDUE))


def test_sql_states_and_counts_match_the_python_rule(session, city) -> None:  # type: ignore[no-untyped-def]
    made = []
    for due, closed, _ in CASES:
        req = make_request(session, city, created_at=DUE - dt.timedelta(days=3))
        req.due_at, req.closed_at = due, closed
        made.append(req)
    dup = make_request(session, city)
    dup.duplicate_of = made[0]
    dup.due_at, dup.closed_at = DUE, DUE + dt.timedelta(days=9)  # would be late, but duplicates do not count
    session.flush()
    rows = dict(
        session.execute(
            sa.select(ServiceRequest.id, services.sla_state_sql(ServiceRequest.due_at, ServiceRequest.closed_at, NOW)).where(
                ServiceRequest.id.in_([r.id for r in made])
            )
        ).all()
    )
    assert [rows[r.id] for r in made] == [c[2].value for c in CASES]
    counts = services.sla_counts(session, now=NOW)
    assert (counts.total, counts.on_time, counts.late, counts.open_on_time, counts.open_overdue) == (8, 3, 1, 3, 1)
    # Open overdue counts as late: 3 on time out of 5 decided.
    assert counts.overdue == 2 and counts.decided == 5 and counts.on_time_rate == pytest.approx(0.6)
    narrowed = services.sla_counts(session, ServiceRequest.closed_at.is_(None), now=NOW)
    assert (narrowed.total, narrowed.open_overdue) == (4, 1)
    assert services.SlaCounts().on_time_rate is None


def test_open_overdue_work_counts_against_the_city(session, city) -> None:  # type: ignore[no-untyped-def]
    # A tool that counts only closed requests would call this 100% on time.
    old = make_job(session, city, created_at=NOW - dt.timedelta(days=5)).request
    done = make_request(session, city, created_at=NOW - dt.timedelta(days=5))
    done.closed_at = done.created_at + dt.timedelta(hours=10)
    session.flush()
    counts = services.sla_counts(session, ServiceRequest.id.in_([old.id, done.id]), now=NOW)
    assert (counts.on_time, counts.open_overdue, counts.on_time_rate) == (1, 1, 0.5)


# --- describing and editing ----------------------------------------------------------------------


def test_describe_target(city) -> None:  # type: ignore[no-untyped-def]
    assert services.describe_target(city.pothole) == "48 hours"
    city.pothole.sla_unit, city.pothole.sla_value = SlaUnit.BUSINESS_DAYS, 1
    assert services.describe_target(city.pothole) == "1 business day"
    city.pothole.sla_unit, city.pothole.sla_value = SlaUnit.BUSINESS_HOURS, 6
    assert services.describe_target(city.pothole) == "6 business hours"


def test_editing_a_standard(session, city) -> None:  # type: ignore[no-untyped-def]
    cal = services.default_calendar(session)
    standards.update_service_standard(session, city.sam, city.streetlight, unit=SlaUnit.BUSINESS_DAYS, value=5, calendar=cal, on_transfer=TransferClock.RESTART)
    assert (city.streetlight.sla_unit, city.streetlight.sla_value, city.streetlight.sla_calendar_id, city.streetlight.sla_on_transfer) == (
        SlaUnit.BUSINESS_DAYS, 5, cal.id, TransferClock.RESTART,
    )
    assert city.streetlight.sla_hours == 168  # 5 working days ≈ one week of wall-clock time
    with pytest.raises(Forbidden):
        standards.update_service_standard(session, city.alice, city.streetlight, unit=SlaUnit.HOURS, value=4, calendar=None, on_transfer=TransferClock.CONTINUE)
    with pytest.raises(DomainError, match="at least 1"):
        standards.update_service_standard(session, city.sam, city.streetlight, unit=SlaUnit.HOURS, value=0, calendar=None, on_transfer=TransferClock.CONTINUE)
    with pytest.raises(DomainError, match="more than a year"):
        standards.update_service_standard(session, city.sam, city.streetlight, unit=SlaUnit.BUSINESS_DAYS, value=400, calendar=None, on_transfer=TransferClock.CONTINUE)
    with pytest.raises(DomainError, match="do not use a calendar"):
        standards.update_service_standard(session, city.sam, city.streetlight, unit=SlaUnit.HOURS, value=4, calendar=cal, on_transfer=TransferClock.CONTINUE)


def test_calendar_and_holiday_editing(session, city) -> None:  # type: ignore[no-untyped-def]
    default = services.default_calendar(session)
    cal = standards.create_calendar(session, city.sam, name=" Sign shop ", work_start=dt.time(7), work_end=dt.time(15, 30), workdays={2, 3, 4, 5, 6})
    assert (cal.name, cal.workdays) == ("Sign shop", "2,3,4,5,6")
    with pytest.raises(DomainError, match="already a calendar"):
        standards.create_calendar(session, city.sam, name="Sign shop", work_start=dt.time(7), work_end=dt.time(15), workdays={1})
    with pytest.raises(DomainError, match="end after it starts"):
        standards.update_calendar(session, city.sam, cal, name="Sign shop", work_start=dt.time(15), work_end=dt.time(7), workdays={1})
    with pytest.raises(DomainError, match="at least one working day"):
        standards.update_calendar(session, city.sam, cal, name="Sign shop", work_start=dt.time(7), work_end=dt.time(15), workdays=set())
    with pytest.raises(DomainError, match="keeps its name"):
        standards.update_calendar(session, city.sam, default, name="Mine now", work_start=dt.time(7), work_end=dt.time(15), workdays={1})
    with pytest.raises(Forbidden):
        standards.create_calendar(session, city.alice, name="x", work_start=dt.time(7), work_end=dt.time(15), workdays={1})
    h = standards.add_holiday(session, city.sam, cal, day=dt.date(2025, 3, 17), name="Evacuation Day")
    with pytest.raises(DomainError, match="already a holiday"):
        standards.add_holiday(session, city.sam, cal, day=dt.date(2025, 3, 17), name="Again")
    with pytest.raises(DomainError, match="Say what the holiday is"):
        standards.add_holiday(session, city.sam, cal, day=dt.date(2025, 3, 18), name=" ")
    standards.remove_holiday(session, city.sam, cal, h.id)
    assert cal.holidays == []
    with pytest.raises(DomainError, match="not in this calendar"):
        standards.remove_holiday(session, city.sam, cal, h.id)
    added = services.add_public_holidays(session, cal, [2030])
    assert len(added) == 12 and services.add_public_holidays(session, cal, [2030]) == []
    assert [c.name for c in services.calendars(session)] == [services.DEFAULT_CALENDAR_NAME, "Sign shop"]


def test_holidays_command(app, session) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["holidays", "--year", "2031"])
    assert result.exit_code == 0, result.output
    assert "Patriots' Day" in result.output and "2031-04-21" in result.output
    result = runner.invoke(args=["holidays", "--list"])
    assert result.exit_code == 0 and "2031-04-21" in result.output
    result = runner.invoke(args=["holidays", "--calendar", "Nope"])
    assert result.exit_code != 0 and "No calendar named 'Nope'" in result.output
