"""Supervisors edit the service standards (SLA targets), business calendars and holidays, and mark types private.

The page is fieldops/sla/views.py; open requests follow a change through fieldops/sla/recompute.py.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from fieldops.accounts.models import Role, User
from fieldops.catalog.models import BusinessCalendar, Holiday, ServiceType, SlaUnit, TransferClock
from fieldops.catalog.texts import type_name
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.i18n import current_language, format_locale
from fieldops.sla.services import DEFAULT_CALENDAR_NAME, wall_clock_hours, work_calendar


WEEKDAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}
# The unit as a refusal names it ("a target of 3000 business hours"), in the reader's language.
UNIT_WORDS = {SlaUnit.HOURS: _l("hours"), SlaUnit.BUSINESS_HOURS: _l("business hours"), SlaUnit.BUSINESS_DAYS: _l("business days")}


def _day_text(day: dt.date) -> str:
    # English keeps its long form ("Monday March 18, 2030"); other languages write the date their own way.
    if current_language() == "en":
        return f"{day:%A %B %-d, %Y}"
    return format_date(day, "full", locale=format_locale())


def _require_supervisor(actor: User) -> None:
    if not actor.has_role(Role.SUPERVISOR):
        raise Forbidden(_("Only supervisors and administrators may change service standards and calendars."))


def _check_calendar_fields(session: Session, cal: BusinessCalendar | None, name: str, work_start: dt.time, work_end: dt.time, workdays: set[int]) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the calendar a name."))
    if len(name) > 80:
        raise DomainError(_("A calendar name can be at most %(num)s characters.", num=80))
    clash = session.scalar(sa.select(BusinessCalendar.id).where(BusinessCalendar.name == name))
    if clash is not None and (cal is None or clash != cal.id):
        raise DomainError(_("There is already a calendar called “%(name)s”.", name=name))
    if work_end <= work_start:
        raise DomainError(_("The working day must end after it starts (%(start)s – %(end)s).", start=f"{work_start:%H:%M}", end=f"{work_end:%H:%M}"))
    if not workdays:
        raise DomainError(_("Tick at least one working day."))
    if not workdays <= set(WEEKDAY_NAMES):
        raise DomainError(_("Working days are numbered 1 (Monday) to 7 (Sunday)."))
    return name


def create_calendar(
    session: Session, actor: User, *, name: str, work_start: dt.time, work_end: dt.time, workdays: set[int]
) -> BusinessCalendar:
    """Add a business calendar (e.g. a department working weekends)."""
    _require_supervisor(actor)
    name = _check_calendar_fields(session, None, name, work_start, work_end, workdays)
    cal = BusinessCalendar(name=name, work_start=work_start, work_end=work_end, workdays=",".join(map(str, sorted(workdays))))
    session.add(cal)
    session.flush()
    return cal


def update_calendar(
    session: Session, actor: User, cal: BusinessCalendar, *, name: str, work_start: dt.time, work_end: dt.time, workdays: set[int]
) -> BusinessCalendar:
    """Change a calendar's name, working hours and working days (open requests follow via fieldops.sla.recompute)."""
    _require_supervisor(actor)
    if cal.name == DEFAULT_CALENDAR_NAME and name.strip() != DEFAULT_CALENDAR_NAME:
        raise DomainError(_("The default calendar keeps its name “%(name)s”: types without a calendar use it.", name=DEFAULT_CALENDAR_NAME))
    cal.name = _check_calendar_fields(session, cal, name, work_start, work_end, workdays)
    cal.work_start, cal.work_end = work_start, work_end
    cal.workdays = ",".join(map(str, sorted(workdays)))
    session.flush()
    return cal


def get_calendar(session: Session, calendar_id: int) -> BusinessCalendar:
    """A calendar by id, or NotFound."""
    cal = session.get(BusinessCalendar, calendar_id)
    if cal is None:
        raise NotFound(_("There is no business calendar %(id)s.", id=calendar_id))
    return cal


def add_holiday(session: Session, actor: User, cal: BusinessCalendar, *, day: dt.date, name: str) -> Holiday:
    """Mark a date as a holiday in a calendar (a date appears once)."""
    _require_supervisor(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("Say what the holiday is (e.g. “Snow emergency closure”)."))
    if len(name) > 120:
        raise DomainError(_("A holiday name can be at most %(num)s characters.", num=120))
    if any(h.day == day for h in cal.holidays):
        raise DomainError(_("%(day)s is already a holiday in %(calendar)s.", day=_day_text(day), calendar=cal.name))
    holiday = Holiday(day=day, name=name)
    cal.holidays.append(holiday)
    session.flush()
    return holiday


def remove_holiday(session: Session, actor: User, cal: BusinessCalendar, holiday_id: int) -> Holiday:
    """Take a holiday off a calendar; returns the removed row."""
    _require_supervisor(actor)
    holiday = next((h for h in cal.holidays if h.id == holiday_id), None)
    if holiday is None:
        raise NotFound(_("That holiday is not in this calendar (it may have been removed already)."))
    cal.holidays.remove(holiday)
    session.flush()
    return holiday


def update_service_standard(
    session: Session,
    actor: User,
    st: ServiceType,
    *,
    unit: SlaUnit,
    value: int,
    calendar: BusinessCalendar | None,
    on_transfer: TransferClock,
) -> ServiceType:
    """Set a type's SLA target (hours, business hours or business days), calendar and transfer rule (open requests: fieldops.sla.recompute)."""
    _require_supervisor(actor)
    limits = {SlaUnit.HOURS: 24 * 365, SlaUnit.BUSINESS_HOURS: 9 * 260, SlaUnit.BUSINESS_DAYS: 260}
    if value < 1:
        raise DomainError(_("The target for %(type)s must be at least 1.", type=type_name(st)))
    if value > limits[unit]:
        raise DomainError(_("A target of %(num)s %(unit)s is more than a year; check the number.", num=value, unit=UNIT_WORDS[unit]))
    if unit == SlaUnit.HOURS and calendar is not None:
        raise DomainError(_("Wall-clock hours do not use a calendar; choose business hours or days, or no calendar."))
    st.sla_unit = unit
    st.sla_value = value
    st.sla_calendar = calendar
    st.sla_on_transfer = on_transfer
    cal = work_calendar(calendar) if calendar is not None else None
    st.sla_hours = wall_clock_hours(unit, value, cal)
    session.flush()
    return st


def set_private(session: Session, actor: User, st: ServiceType, private: bool) -> bool:
    """Mark a type private (its requests never published) or public again; False if it already was."""
    _require_supervisor(actor)
    if st.private == private:
        return False
    st.private = private
    session.flush()
    return True
