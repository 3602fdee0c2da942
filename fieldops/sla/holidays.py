"""Public holidays a Massachusetts city closes for: the US federal holidays plus Patriots' Day.

Fixed-date holidays that fall on a weekend are observed on the nearest weekday (Saturday → Friday,
Sunday → Monday), as the federal government and Massachusetts municipalities do. Suffolk County's
Evacuation Day and Bunker Hill Day (Boston only) and a city's own closures (the day after
Thanksgiving, snow days) are added on the calendar page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PublicHoliday:
    day: dt.date
    name: str


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given ISO weekday (1 = Monday) of a month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        offset = (weekday - first.isoweekday()) % 7
        return first + dt.timedelta(days=offset + 7 * (n - 1))
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.isoweekday() - weekday) % 7)


def observed(day: dt.date) -> dt.date:
    """The weekday a fixed-date holiday is observed on."""
    if day.isoweekday() == 6:
        return day - dt.timedelta(days=1)
    if day.isoweekday() == 7:
        return day + dt.timedelta(days=1)
    return day


def massachusetts_holidays(year: int) -> list[PublicHoliday]:
    """Federal and Massachusetts state holidays observed in `year`, in date order."""
    fixed = [
        (dt.date(year, 1, 1), "New Year's Day"),
        (dt.date(year, 6, 19), "Juneteenth"),
        (dt.date(year, 7, 4), "Independence Day"),
        (dt.date(year, 11, 11), "Veterans Day"),
        (dt.date(year, 12, 25), "Christmas Day"),
    ]
    floating = [
        (nth_weekday(year, 1, 1, 3), "Martin Luther King Jr. Day"),
        (nth_weekday(year, 2, 1, 3), "Washington's Birthday (Presidents' Day)"),
        (nth_weekday(year, 4, 1, 3), "Patriots' Day"),
        (nth_weekday(year, 5, 1, -1), "Memorial Day"),
        (nth_weekday(year, 9, 1, 1), "Labor Day"),
        (nth_weekday(year, 10, 1, 2), "Indigenous Peoples' Day (Columbus Day)"),
        (nth_weekday(year, 11, 4, 4), "Thanksgiving Day"),
    ]
    days = [PublicHoliday(observed(d), name if observed(d) == d else f"{name} (observed)") for d, name in fixed]
    days += [PublicHoliday(d, name) for d, name in floating]
    # New Year's Day on a Saturday is observed on Friday Dec 31 of the year before; keep only this year's.
    days = [h for h in days if h.day.year == year]
    nye = observed(dt.date(year + 1, 1, 1))
    if nye.year == year:
        days.append(PublicHoliday(nye, "New Year's Day (observed)"))
    return sorted(days, key=lambda h: h.day)
