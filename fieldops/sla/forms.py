"""The service-standards forms read once, into typed values, with the shared rules of fieldops/web/validation.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from fieldops.catalog.models import SlaUnit, TransferClock
from fieldops.web import validation
from fieldops.web.validation import FieldError

# Public holidays can be added for any year a calendar may plausibly need.
YEARS = (1900, 2200)


def time_of_day(values: Mapping[str, str], field: str, label: str) -> dt.time:
    value = values.get(field, "").strip()
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise FieldError(field, _("%(label)s must be a time like 08:00 (got “%(value)s”).", label=label, value=value[:40])) from None


@dataclass(frozen=True)
class CalendarForm:
    """A business calendar: its name, opening hours and working days (1 = Monday … 7 = Sunday)."""

    name: str
    work_start: dt.time
    work_end: dt.time
    workdays: set[int]


def calendar_form(values: MultiDict[str, str]) -> CalendarForm:
    days: set[int] = set()
    for raw in values.getlist("workdays"):
        try:
            day = validation.whole_number(raw, "workdays", minimum=1, maximum=7, required=True)
        except FieldError:
            raise FieldError("workdays", _("Working days are numbered 1 (Monday) to 7 (Sunday).")) from None
        assert day is not None
        days.add(day)
    return CalendarForm(
        name=values.get("name", ""),
        work_start=time_of_day(values, "work_start", _("Opening time")),
        work_end=time_of_day(values, "work_end", _("Closing time")),
        workdays=days,
    )


@dataclass(frozen=True)
class HolidayForm:
    day: dt.date
    name: str


def holiday_form(values: Mapping[str, str]) -> HolidayForm:
    value = values.get("day", "").strip()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError("day", _("Give the holiday's date as YYYY-MM-DD (got “%(value)s”).", value=value[:40])) from None
    return HolidayForm(day=day, name=values.get("name", ""))


def public_holiday_year(values: Mapping[str, str]) -> int:
    year = validation.whole_number(values.get("year"), "year", _("year"), minimum=YEARS[0], maximum=YEARS[1], required=True)
    assert year is not None
    return year


@dataclass(frozen=True)
class StandardForm:
    """A service type's target: how much time, in which unit, on which calendar, and what a transfer does."""

    unit: SlaUnit
    on_transfer: TransferClock
    value: int
    calendar_id: int | None


def standard_form(values: Mapping[str, str]) -> StandardForm:
    choose = _("Choose a unit and what a transfer does to the clock.")
    unit = validation.choice(values.get("unit"), SlaUnit, "unit", choose)
    rule = validation.choice(values.get("on_transfer"), TransferClock, "on_transfer", choose)
    if unit is None or rule is None:
        raise FieldError("unit" if unit is None else "on_transfer", choose)
    value = validation.whole_number(values.get("value"), "value", _("target"), required=True)  # the catalog checks its range
    assert value is not None
    return StandardForm(unit=unit, on_transfer=rule, value=value, calendar_id=validation.record_id(values.get("calendar_id"), "calendar_id", _("calendar")))
