"""The outreach forms read once, into typed values, with the shared rules of fieldops/web/validation.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from fieldops.web import validation
from fieldops.web.validation import FieldError


@dataclass(frozen=True)
class EventForm(validation.PointFields):
    """A new outreach event: where and when (in the city's time zone), as a supervisor typed it."""

    name: str
    place: str
    point: tuple[float, float] | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    notes: str


def local_datetime(day: str, time: str, field: str, what: str, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """A date and a time of day typed in the city's time zone, in UTC."""
    try:
        naive = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time))
    except ValueError:
        raise FieldError(field, _("Give the %(what)s as a date and a time.", what=what)) from None
    # Events are planned ahead and looked back on: the range of any date a person types, not a device's clock.
    return validation.query_time(naive.replace(tzinfo=zone).astimezone(dt.UTC), what, now)


def event_form(form: Mapping[str, str], zone: ZoneInfo, now: dt.datetime) -> EventForm:
    day = form.get("day", "")
    return EventForm(
        name=form.get("name", ""),
        place=form.get("place", ""),
        point=validation.point(form.get("latitude"), form.get("longitude")),
        starts_at=local_datetime(day, form.get("start", ""), "start", _("start"), zone, now),
        ends_at=local_datetime(day, form.get("end", ""), "end", _("end"), zone, now),
        notes=form.get("notes", ""),
    )


def resident_count(form: Mapping[str, str]) -> int:
    """How many residents the "residents came by" form adds (one when the field is left out)."""
    count = validation.whole_number(form.get("count", "1"), "count", _("number of residents"), required=True)
    assert count is not None  # required
    return count
