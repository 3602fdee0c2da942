"""Due times from each service type's standard, and the rules for counting on time and overdue.

Counting rules (the performance view reuses them through `sla_state`, `sla_state_sql` and `sla_counts`):
- on time: closed at or before its due time;
- late: closed after its due time;
- open on time: still open and not yet due (its outcome is not known yet);
- open overdue: still open and past its due time. These count as late: a city that only counts closed
  requests looks better the more it leaves undone.
"Overdue" is late + open overdue; the on-time rate is on time ÷ (on time + late + open overdue).
A request without a due time cannot be late. Duplicates merged into another request are not counted
(the surviving request carries the work).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import ngettext
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from fieldops.catalog.models import BusinessCalendar, Holiday, ServiceType, SlaUnit, TransferClock
from fieldops.servicerequests.models import ServiceRequest
from fieldops.sla.calendar import WorkCalendar, parse_workdays
from fieldops.sla.holidays import massachusetts_holidays

DEFAULT_CALENDAR_NAME = "City business calendar"
_DEFAULT_KEY = "fieldops.sla.default_calendar"
_WORK_KEY = "fieldops.sla.work_calendars"
DEFAULT_ZONE = "America/New_York"


# ---------------------------------------------------------------------------------------------------
# Calendars
# ---------------------------------------------------------------------------------------------------


def city_zone() -> ZoneInfo:
    """The city's time zone from the app settings (America/New_York outside an app)."""
    from flask import has_app_context

    if has_app_context():
        from fieldops import get_settings

        return ZoneInfo(get_settings().timezone)
    return ZoneInfo(DEFAULT_ZONE)


def work_calendar(model: BusinessCalendar, zone: ZoneInfo | None = None) -> WorkCalendar:
    """The arithmetic form of a stored calendar."""
    return WorkCalendar(
        zone=zone or city_zone(),
        work_start=model.work_start,
        work_end=model.work_end,
        workdays=parse_workdays(model.workdays),
        holidays=frozenset(h.day for h in model.holidays),
    )


def default_calendar(session: Session, *, now: dt.datetime | None = None) -> BusinessCalendar:
    """The calendar for types that name none: Mon–Fri 08:00–17:00 with this and next year's holidays, made on first use."""
    # Imports compute thousands of due times: keep the row (strongly, so the identity map keeps it and
    # its holidays) for the life of the session instead of querying for it each time.
    cached = session.info.get(_DEFAULT_KEY)
    if cached is not None and cached in session and cached.name == DEFAULT_CALENDAR_NAME:
        return cached  # type: ignore[no-any-return]
    found = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == DEFAULT_CALENDAR_NAME))
    if found is not None:
        session.info[_DEFAULT_KEY] = found
        return found
    year = (now or dt.datetime.now(dt.UTC)).astimezone(city_zone()).year
    try:
        # Two requests may create it at once; the loser re-reads the winner's row.
        with session.begin_nested():
            cal = BusinessCalendar(name=DEFAULT_CALENDAR_NAME, work_start=dt.time(8, 0), work_end=dt.time(17, 0), workdays="1,2,3,4,5")
            session.add(cal)
            session.flush()
            add_public_holidays(session, cal, [year, year + 1])
    except IntegrityError:
        found = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == DEFAULT_CALENDAR_NAME))
        if found is None:
            raise
        return found
    return cal


def add_public_holidays(session: Session, cal: BusinessCalendar, years: Iterable[int]) -> list[Holiday]:
    """Add the federal and Massachusetts holidays of the given years that the calendar lacks; returns the new ones."""
    have = {h.day for h in cal.holidays}
    added = []
    for year in years:
        for public in massachusetts_holidays(year):
            if public.day not in have:
                holiday = Holiday(day=public.day, name=public.name)
                cal.holidays.append(holiday)
                have.add(public.day)
                added.append(holiday)
    session.flush()
    return added


def _session_work_calendar(session: Session, model: BusinessCalendar) -> WorkCalendar:
    # Rebuilt only when the calendar's hours, days or holidays differ from the cached copy's.
    cache: dict[int, tuple[tuple[object, ...], WorkCalendar, BusinessCalendar]] = session.info.setdefault(_WORK_KEY, {})
    fingerprint = (model.work_start, model.work_end, model.workdays, tuple(h.day for h in model.holidays))
    hit = cache.get(model.id)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    built = work_calendar(model)
    cache[model.id] = (fingerprint, built, model)
    return built


def calendar_for(session: Session, service_type: ServiceType) -> BusinessCalendar:
    """The calendar a service type counts business time in: its own, or the city's default."""
    return service_type.sla_calendar or default_calendar(session)


# ---------------------------------------------------------------------------------------------------
# Due times
# ---------------------------------------------------------------------------------------------------


def sla_target(service_type: ServiceType) -> int:
    """The type's target in its own unit (sla_value, or sla_hours for plain-hours types without one)."""
    if service_type.sla_value is not None:
        return service_type.sla_value
    return service_type.sla_hours


def compute_due(session: Session, service_type: ServiceType, start: dt.datetime) -> dt.datetime:
    """The moment a request of this type started at `start` becomes overdue."""
    return due_rule(session, service_type)(start)


def due_rule(session: Session, service_type: ServiceType) -> Callable[[dt.datetime], dt.datetime]:
    """`compute_due` for one type with its target and calendar looked up once (for many requests of the type)."""
    target = sla_target(service_type)
    unit = service_type.sla_unit or SlaUnit.HOURS
    if unit == SlaUnit.HOURS:
        wall_clock = dt.timedelta(hours=target)

        def due(start: dt.datetime) -> dt.datetime:
            if start.tzinfo is None:
                raise ValueError("naive datetime given to compute_due; attach a time zone first")
            return start.astimezone(dt.UTC) + wall_clock

        return due
    cal = _session_work_calendar(session, calendar_for(session, service_type))
    if unit == SlaUnit.BUSINESS_HOURS:
        return lambda start: cal.add_working_hours(start, target)
    return lambda start: cal.add_working_days(start, target)


def local_text(moment: dt.datetime, zone: ZoneInfo | None = None) -> str:
    """A moment in the city's time, as people read it: 'Tue Mar 4, 4:00 PM'."""
    return moment.astimezone(zone or city_zone()).strftime("%a %b %-d, %-I:%M %p")


def wall_clock_hours(unit: SlaUnit, value: int, cal: WorkCalendar | None = None) -> int:
    """An approximate wall-clock equivalent of a target (kept in ServiceType.sla_hours for rough use)."""
    if unit == SlaUnit.HOURS:
        return value
    workdays = len(cal.workdays) if cal else 5
    day_hours = cal.hours_per_day if cal else 9.0
    days = value if unit == SlaUnit.BUSINESS_DAYS else value / day_hours
    return max(1, math.ceil(days * 24 * 7 / workdays))


def describe_target(service_type: ServiceType) -> str:
    """The standard in words, e.g. '48 hours', '10 business days'."""
    value = sla_target(service_type)
    unit = service_type.sla_unit or SlaUnit.HOURS
    if unit == SlaUnit.BUSINESS_DAYS:
        return ngettext("%(num)s business day", "%(num)s business days", value)
    if unit == SlaUnit.BUSINESS_HOURS:
        return ngettext("%(num)s business hour", "%(num)s business hours", value)
    return ngettext("%(num)s hour", "%(num)s hours", value)


@dataclass(frozen=True)
class ClockPlan:
    """What a transfer does to the SLA clock: the rule applied and the resulting start and due time."""

    rule: TransferClock
    started_at: dt.datetime
    due_at: dt.datetime


def plan_transfer(session: Session, req: Any, new_type: ServiceType, now: dt.datetime) -> ClockPlan:
    """The clock after moving `req` to `new_type` at `now`, by that type's transfer rule.

    restart: the clock starts again now with the new type's target. continue: the original start is
    kept; the due time stays as it was if the type is unchanged, else the new type's target is counted
    from the original start.
    """
    rule = new_type.sla_on_transfer or TransferClock.CONTINUE
    started = req.sla_started_at or req.created_at
    if rule == TransferClock.RESTART:
        return ClockPlan(rule, now, compute_due(session, new_type, now))
    if new_type.id == req.service_type_id and req.due_at is not None:
        return ClockPlan(rule, started, req.due_at)
    return ClockPlan(rule, started, compute_due(session, new_type, started))


# ---------------------------------------------------------------------------------------------------
# Counting on time and overdue
# ---------------------------------------------------------------------------------------------------


class SlaState(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OPEN_ON_TIME = "open_on_time"
    OPEN_OVERDUE = "open_overdue"

    @property
    def label(self) -> str:
        return {"on_time": "On time", "late": "Closed late", "open_on_time": "Open", "open_overdue": "Overdue"}[self.value]

    @property
    def counts_as_late(self) -> bool:
        return self in (SlaState.LATE, SlaState.OPEN_OVERDUE)


def sla_state(due_at: dt.datetime | None, closed_at: dt.datetime | None, now: dt.datetime) -> SlaState:
    """Where one request stands against its standard (see the module docstring)."""
    if closed_at is not None:
        return SlaState.LATE if due_at is not None and closed_at > due_at else SlaState.ON_TIME
    return SlaState.OPEN_OVERDUE if due_at is not None and now > due_at else SlaState.OPEN_ON_TIME


def sla_state_sql(due_at: Any, closed_at: Any, now: dt.datetime) -> sa.ColumnElement[str]:
    """`sla_state` as a SQL CASE over two columns (same answers, row by row)."""
    return sa.case(
        (sa.and_(closed_at.is_not(None), due_at.is_not(None), closed_at > due_at), SlaState.LATE.value),
        (closed_at.is_not(None), SlaState.ON_TIME.value),
        (sa.and_(due_at.is_not(None), due_at < sa.literal(now, type_=_utc_type())), SlaState.OPEN_OVERDUE.value),
        else_=SlaState.OPEN_ON_TIME.value,
    )


def _utc_type() -> Any:
    from fieldops.db import UTCDateTime

    return UTCDateTime()


@dataclass(frozen=True)
class SlaCounts:
    total: int = 0
    on_time: int = 0
    late: int = 0
    open_on_time: int = 0
    open_overdue: int = 0

    @property
    def overdue(self) -> int:
        """Closed late plus still open past due."""
        return self.late + self.open_overdue

    @property
    def decided(self) -> int:
        """Requests whose outcome is known: closed, or open and already overdue."""
        return self.on_time + self.late + self.open_overdue

    @property
    def on_time_rate(self) -> float | None:
        """Share on time among the decided ones (None when nothing is decided yet)."""
        return self.on_time / self.decided if self.decided else None


def sla_count_columns(due_at: Any, closed_at: Any, now: dt.datetime) -> list[sa.ColumnElement[int]]:
    """Labelled SUM columns (total, on_time, late, open_on_time, open_overdue) for a GROUP BY query."""
    state = sla_state_sql(due_at, closed_at, now)
    cols: list[sa.ColumnElement[int]] = [sa.func.count().label("total")]
    for s in SlaState:
        cols.append(sa.func.coalesce(sa.func.sum(sa.case((state == s.value, 1), else_=0)), 0).label(s.value))
    return cols


def sla_counts(session: Session, *where: sa.ColumnElement[bool], now: dt.datetime) -> SlaCounts:
    """Counts of requests in each state, merged duplicates left out; `where` narrows (type, district, dates)."""
    row = session.execute(
        sa.select(*sla_count_columns(ServiceRequest.due_at, ServiceRequest.closed_at, now)).where(
            ServiceRequest.duplicate_of_id.is_(None), *where
        )
    ).one()
    return SlaCounts(total=row.total, on_time=row.on_time, late=row.late, open_on_time=row.open_on_time, open_overdue=row.open_overdue)


def calendars(session: Session) -> list[BusinessCalendar]:
    """Every business calendar, the default first, with holidays loaded."""
    default_calendar(session)
    stmt = sa.select(BusinessCalendar).options(selectinload(BusinessCalendar.holidays)).order_by(
        BusinessCalendar.name != DEFAULT_CALENDAR_NAME, BusinessCalendar.name
    )
    return list(session.scalars(stmt))
