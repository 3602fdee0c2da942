"""Business-time arithmetic: working hours, working days and holidays in the city's time zone.

Pure functions over a frozen `WorkCalendar` (no database), so the rules are easy to test and reuse.

The rules, stated once:
- Working time is the window `work_start`–`work_end` (local wall-clock time) on a working day: an ISO
  weekday listed in `workdays` that is not a holiday. Windows are turned into UTC per day, so a
  daylight-saving change never stretches or shrinks a working day (it happens at 2 a.m., outside it).
- `add_working_hours(start, h)`: the moment when `h` hours of working time have passed since `start`.
  Time outside the windows does not count; a start outside the windows waits for the next opening.
  Reaching exactly the end of a window stops there (Friday 16:00 + 1 h is Friday 17:00, not Monday).
- `add_working_days(start, n)` (the usual 311 convention): the clock starts on the working day of
  `start` if it arrives before closing time on a working day, otherwise on the next working day
  (after hours, weekends and holidays start the next working morning). The request falls due at
  closing time of the n-th working day after that start day. Monday 10:00 + 1 day = Tuesday 17:00;
  Friday 19:00 + 1 day = Tuesday 17:00 (the clock starts Monday morning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

# A request can never be more than this many days from its due time; stops a calendar with no
# working days at all (every day a holiday) from looping forever.
MAX_SEARCH_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar cannot produce a due time (e.g. it has no working days)."""


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours (local wall time), ISO working weekdays and holiday dates, in one time zone."""

    zone: ZoneInfo
    work_start: dt.time = dt.time(8, 0)
    work_end: dt.time = dt.time(17, 0)
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.work_end <= self.work_start:
            raise CalendarError(_("The working day must end after it starts."))
        if not self.workdays or not self.workdays <= set(range(1, 8)):
            raise CalendarError(_("Choose at least one working day (1 = Monday … 7 = Sunday)."))

    def is_working_day(self, day: dt.date) -> bool:
        """A listed weekday that is not a holiday."""
        return day.isoweekday() in self.workdays and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The day's working window as aware UTC datetimes (whether or not the day is a working day)."""
        opens = dt.datetime.combine(day, self.work_start, tzinfo=self.zone)
        closes = dt.datetime.combine(day, self.work_end, tzinfo=self.zone)
        return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The city's calendar date at an aware moment."""
        return _aware(moment).astimezone(self.zone).date()

    def working_days_from(self, day: dt.date) -> Iterator[dt.date]:
        """Working days from `day` (inclusive) onwards."""
        for offset in range(MAX_SEARCH_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                yield candidate
        raise CalendarError(_("The calendar has no working day in the next three years; check its working days and holidays."))

    def clock_start(self, moment: dt.datetime) -> dt.datetime:
        """When working time starts counting for something that arrives at `moment` (UTC)."""
        moment = _aware(moment).astimezone(dt.UTC)
        for day in self.working_days_from(self.local_date(moment)):
            opens, closes = self.window(day)
            if moment < closes:
                return max(moment, opens)
        raise AssertionError("unreachable")  # working_days_from raises first

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` of working time have passed since `start` (UTC in, UTC out)."""
        if hours < 0:
            raise CalendarError("Working hours to add cannot be negative.")
        remaining = dt.timedelta(hours=hours)
        moment = self.clock_start(start)
        for day in self.working_days_from(self.local_date(moment)):
            opens, closes = self.window(day)
            begin = max(moment, opens)
            if begin >= closes:
                continue
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Closing time of the `days`-th working day after the day the clock starts (see module rules)."""
        if days < 0:
            raise CalendarError("Working days to add cannot be negative.")
        start_day = self.local_date(self.clock_start(start))
        for n, day in enumerate(self.working_days_from(start_day)):
            if n == days:
                return self.window(day)[1]
        raise AssertionError("unreachable")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two moments (zero if `end` is not after `start`)."""
        start, end = _aware(start).astimezone(dt.UTC), _aware(end).astimezone(dt.UTC)
        if end <= start:
            return dt.timedelta(0)
        total = dt.timedelta(0)
        day = self.local_date(start)
        last = self.local_date(end)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self.window(day)
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    @property
    def hours_per_day(self) -> float:
        """Length of the working day in hours (on a day without a clock change)."""
        start = dt.datetime.combine(dt.date(2000, 1, 3), self.work_start)
        end = dt.datetime.combine(dt.date(2000, 1, 3), self.work_end)
        return (end - start).total_seconds() / 3600


def parse_workdays(value: str | Iterable[int | str]) -> frozenset[int]:
    """ISO weekday numbers from "1,2,3,4,5" or an iterable; refuses anything outside 1–7."""
    items = value.split(",") if isinstance(value, str) else list(value)
    days: set[int] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            number = int(text)
        except ValueError as exc:
            raise CalendarError(_("%(value)s is not a weekday number (1 = Monday … 7 = Sunday).", value=repr(text))) from exc
        if not 1 <= number <= 7:
            raise CalendarError(_("%(value)s is not a weekday number (1 = Monday … 7 = Sunday).", value=number))
        days.add(number)
    return frozenset(days)


def format_workdays(days: Iterable[int]) -> str:
    """The stored form of working weekdays: sorted, comma separated."""
    return ",".join(str(d) for d in sorted(set(days)))


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        # Local times without a zone are how Boston's export went wrong; refuse rather than guess.
        raise ValueError("naive datetime given to the business calendar; attach a time zone first")
    return moment
