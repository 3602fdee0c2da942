"""Business-time arithmetic: working hours, working days, holidays, after-hours arrivals, DST weekends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldops.sla.calendar import CalendarError, WorkCalendar, format_workdays, parse_workdays
from fieldops.sla.holidays import massachusetts_holidays, nth_weekday, observed

NY = ZoneInfo("America/New_York")
UTC = dt.UTC
PATRIOTS_DAY_2025 = dt.date(2025, 4, 21)


def local(*args: int) -> dt.datetime:
    """An aware New York wall-clock time."""
    return dt.datetime(*args, tzinfo=NY)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


CAL = WorkCalendar(zone=NY, holidays=frozenset(h.day for y in (2024, 2025, 2026) for h in massachusetts_holidays(y)))


# --- business hours -------------------------------------------------------------------------------


def test_business_hours_inside_one_day() -> None:
    assert CAL.add_working_hours(local(2025, 6, 3, 9, 0), 4) == local(2025, 6, 3, 13, 0)


def test_friday_afternoon_runs_over_the_weekend() -> None:
    # Friday 16:00 + 2 business hours: one hour on Friday, one on Monday morning.
    assert CAL.add_working_hours(local(2025, 6, 6, 16, 0), 2) == local(2025, 6, 9, 9, 0)


def test_reaching_closing_time_exactly_stops_there() -> None:
    assert CAL.add_working_hours(local(2025, 6, 6, 16, 0), 1) == local(2025, 6, 6, 17, 0)


def test_friday_evening_submission_starts_monday_morning() -> None:
    assert CAL.add_working_hours(local(2025, 6, 6, 19, 30), 3) == local(2025, 6, 9, 11, 0)


def test_after_hours_and_early_submissions_wait_for_the_opening() -> None:
    assert CAL.add_working_hours(local(2025, 6, 3, 20, 0), 1) == local(2025, 6, 4, 9, 0)
    assert CAL.add_working_hours(local(2025, 6, 3, 6, 15), 1) == local(2025, 6, 3, 9, 0)
    assert CAL.add_working_hours(local(2025, 6, 7, 11, 0), 1) == local(2025, 6, 9, 9, 0)  # Saturday


def test_many_business_hours_span_several_weeks() -> None:
    # 45 working hours = 5 full days of 9 hours: Monday 08:00 → Friday 17:00.
    assert CAL.add_working_hours(local(2025, 6, 2, 8, 0), 45) == local(2025, 6, 6, 17, 0)
    # One more minute of work spills onto Monday.
    assert CAL.add_working_hours(local(2025, 6, 2, 8, 1), 45) == local(2025, 6, 9, 8, 1)


def test_holiday_is_skipped_patriots_day() -> None:
    assert PATRIOTS_DAY_2025 in CAL.holidays
    # Friday before Patriots' Day, 16:00 + 2 h → Tuesday 09:00.
    assert CAL.add_working_hours(local(2025, 4, 18, 16, 0), 2) == local(2025, 4, 22, 9, 0)


def test_spring_forward_weekend_is_dst_correct() -> None:
    # Clocks went forward on Sunday 9 March 2025. Friday 16:00 EST is 21:00 UTC; Monday 09:00 EDT is 13:00 UTC.
    due = CAL.add_working_hours(local(2025, 3, 7, 16, 0), 2)
    assert due == utc(2025, 3, 10, 13, 0)
    assert due.astimezone(NY).hour == 9


def test_fall_back_weekend_is_dst_correct() -> None:
    # Clocks went back on Sunday 2 November 2025. Monday 09:00 EST is 14:00 UTC.
    due = CAL.add_working_hours(local(2025, 10, 31, 16, 0), 2)
    assert due == utc(2025, 11, 3, 14, 0)
    assert due.tzinfo == UTC


def test_a_calendar_working_through_the_night_counts_the_real_hour_lost_in_spring() -> None:
    round_clock = WorkCalendar(zone=NY, work_start=dt.time(0, 0), work_end=dt.time(23, 59), workdays=frozenset(range(1, 8)))
    # 01:00 → 04:00 local on the spring-forward night is only two real hours.
    assert round_clock.working_time_between(local(2025, 3, 9, 1, 0), local(2025, 3, 9, 4, 0)) == dt.timedelta(hours=2)
    assert round_clock.add_working_hours(local(2025, 3, 9, 1, 0), 2) == local(2025, 3, 9, 4, 0)


# --- business days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (local(2025, 6, 2, 10, 0), 1, local(2025, 6, 3, 17, 0)),  # Monday morning → Tuesday close
        (local(2025, 6, 2, 16, 59), 1, local(2025, 6, 3, 17, 0)),  # just before closing counts Monday
        (local(2025, 6, 2, 7, 0), 1, local(2025, 6, 3, 17, 0)),  # before opening: starts Monday
        (local(2025, 6, 2, 17, 0), 1, local(2025, 6, 4, 17, 0)),  # at closing: starts Tuesday
        (local(2025, 6, 6, 10, 0), 1, local(2025, 6, 9, 17, 0)),  # Friday → Monday
        (local(2025, 6, 6, 19, 0), 1, local(2025, 6, 10, 17, 0)),  # Friday evening → starts Monday → Tuesday
        (local(2025, 6, 7, 12, 0), 1, local(2025, 6, 10, 17, 0)),  # Saturday → starts Monday → Tuesday
        (local(2025, 6, 2, 10, 0), 5, local(2025, 6, 9, 17, 0)),  # a working week
        (local(2025, 6, 2, 10, 0), 10, local(2025, 6, 16, 17, 0)),  # trees: 10 business days
        (local(2025, 6, 2, 10, 0), 0, local(2025, 6, 2, 17, 0)),  # same day
    ],
)
def test_business_days(received: dt.datetime, days: int, due: dt.datetime) -> None:
    assert CAL.add_working_days(received, days) == due


def test_business_days_skip_holidays() -> None:
    # Thursday 17 April + 2 business days: Friday, (weekend, Patriots' Day) Tuesday.
    assert CAL.add_working_days(local(2025, 4, 17, 10, 0), 2) == local(2025, 4, 22, 17, 0)
    # Received on Patriots' Day itself: the clock starts Tuesday.
    assert CAL.add_working_days(local(2025, 4, 21, 10, 0), 1) == local(2025, 4, 23, 17, 0)
    # Thanksgiving week: Wednesday + 1 → Friday (the day after Thanksgiving is not a state holiday).
    assert CAL.add_working_days(local(2025, 11, 26, 12, 0), 1) == local(2025, 11, 28, 17, 0)
    # Christmas and New Year: Wednesday 24 Dec 2025 + 5 → Thursday 1 Jan is a holiday → Friday 2 Jan 2026.
    assert CAL.add_working_days(local(2025, 12, 24, 9, 0), 5) == local(2026, 1, 2, 17, 0)


def test_business_days_over_the_fall_back_weekend() -> None:
    due = CAL.add_working_days(local(2025, 10, 31, 10, 0), 1)
    assert due == utc(2025, 11, 3, 22, 0)  # Monday 17:00 EST


def test_business_days_over_the_spring_forward_weekend() -> None:
    due = CAL.add_working_days(local(2025, 3, 7, 10, 0), 1)
    assert due == utc(2025, 3, 10, 21, 0)  # Monday 17:00 EDT


def test_weekend_working_calendar() -> None:
    sign_shop = WorkCalendar(zone=NY, work_start=dt.time(7, 0), work_end=dt.time(15, 30), workdays=frozenset({2, 3, 4, 5, 6}))
    # Monday is off: Sunday arrival starts Tuesday; Saturday is a working day.
    assert sign_shop.add_working_days(local(2025, 6, 1, 12, 0), 0) == local(2025, 6, 3, 15, 30)
    assert sign_shop.add_working_hours(local(2025, 6, 6, 15, 0), 1) == local(2025, 6, 7, 7, 30)


# --- validation and properties -------------------------------------------------------------------


def test_calendars_refuse_impossible_settings() -> None:
    with pytest.raises(CalendarError):
        WorkCalendar(zone=NY, work_start=dt.time(17, 0), work_end=dt.time(8, 0))
    with pytest.raises(CalendarError):
        WorkCalendar(zone=NY, workdays=frozenset())
    with pytest.raises(CalendarError):
        WorkCalendar(zone=NY, workdays=frozenset({0, 8}))
    every_monday = frozenset(dt.date(2025, 1, 6) + dt.timedelta(weeks=n) for n in range(200))
    only_mondays = WorkCalendar(zone=NY, workdays=frozenset({1}), holidays=every_monday)
    with pytest.raises(CalendarError, match="no working day"):
        only_mondays.add_working_days(local(2025, 1, 1, 9, 0), 1)
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_hours(dt.datetime(2025, 6, 2, 9, 0), 1)
    with pytest.raises(CalendarError):
        CAL.add_working_hours(local(2025, 6, 2, 9, 0), -1)


def test_workday_parsing() -> None:
    assert parse_workdays("1,2, 3,4,5") == frozenset({1, 2, 3, 4, 5})
    assert parse_workdays([6, "7"]) == frozenset({6, 7})
    assert format_workdays({5, 1, 3}) == "1,3,5"
    with pytest.raises(CalendarError, match="weekday"):
        parse_workdays("1,mon")
    with pytest.raises(CalendarError, match="weekday"):
        parse_workdays("0")


moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 1), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=200 * 60))
def test_adding_working_time_then_measuring_it_gives_it_back(start: dt.datetime, minutes: int) -> None:
    due = CAL.add_working_hours(start, minutes / 60)
    assert due >= start
    assert CAL.working_time_between(start, due) == dt.timedelta(minutes=minutes)
    # The due moment is inside (or at the end of) a working window.
    day = due.astimezone(NY).date()
    opens, closes = CAL.window(day)
    assert CAL.is_working_day(day) and opens <= due <= closes


@settings(max_examples=100, deadline=None)
@given(start=moments, days=st.integers(min_value=0, max_value=30))
def test_business_days_land_on_a_closing_time_of_a_working_day(start: dt.datetime, days: int) -> None:
    due = CAL.add_working_days(start, days)
    local_due = due.astimezone(NY)
    assert local_due.time() == dt.time(17, 0) and CAL.is_working_day(local_due.date())
    # Exactly `days` working days lie after the start day and up to the due day.
    start_day = CAL.clock_start(start).astimezone(NY).date()
    between = [start_day + dt.timedelta(n) for n in range(1, (local_due.date() - start_day).days + 1)]
    assert sum(CAL.is_working_day(d) for d in between) == days


# --- holidays ------------------------------------------------------------------------------------


def test_massachusetts_holidays_2025() -> None:
    got = {h.day: h.name for h in massachusetts_holidays(2025)}
    assert got == {
        dt.date(2025, 1, 1): "New Year's Day",
        dt.date(2025, 1, 20): "Martin Luther King Jr. Day",
        dt.date(2025, 2, 17): "Washington's Birthday (Presidents' Day)",
        dt.date(2025, 4, 21): "Patriots' Day",
        dt.date(2025, 5, 26): "Memorial Day",
        dt.date(2025, 6, 19): "Juneteenth",
        dt.date(2025, 7, 4): "Independence Day",
        dt.date(2025, 9, 1): "Labor Day",
        dt.date(2025, 10, 13): "Indigenous Peoples' Day (Columbus Day)",
        dt.date(2025, 11, 11): "Veterans Day",
        dt.date(2025, 11, 27): "Thanksgiving Day",
        dt.date(2025, 12, 25): "Christmas Day",
    }


def test_weekend_holidays_are_observed_on_a_weekday() -> None:
    h2026 = {h.day: h.name for h in massachusetts_holidays(2026)}
    assert h2026[dt.date(2026, 7, 3)] == "Independence Day (observed)"  # 4 July 2026 is a Saturday
    assert dt.date(2026, 4, 20) in h2026  # Patriots' Day 2026
    # 1 January 2022 was a Saturday: observed on Friday 31 December 2021, listed in 2021.
    assert dt.date(2021, 12, 31) in {h.day for h in massachusetts_holidays(2021)}
    assert all(h.day.year == 2022 for h in massachusetts_holidays(2022))
    assert dt.date(2022, 12, 26) in {h.day for h in massachusetts_holidays(2022)}  # Christmas on a Sunday
    assert observed(dt.date(2025, 6, 19)) == dt.date(2025, 6, 19)
    assert nth_weekday(2025, 5, 1, -1) == dt.date(2025, 5, 26)
    assert nth_weekday(2025, 12, 3, -1) == dt.date(2025, 12, 31)


def test_calendar_refusals_follow_the_readers_language(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/sla?lang=es"):
        with pytest.raises(CalendarError, match=r"^8 no es un número de día de la semana \(1 = lunes … 7 = domingo\)\.$"):
            parse_workdays("1,8")
        with pytest.raises(CalendarError, match=r"^'lun' no es un número de día"):
            parse_workdays("lun")
        with pytest.raises(CalendarError, match="Elija al menos un día laborable"):
            WorkCalendar(zone=NY, workdays=frozenset())
