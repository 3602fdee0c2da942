"""One set of rules for what a client may send, shared by every way in (web forms, the sync API, Open311).

Each rule raises FieldError, a DomainError (422) that names the field, so the web form can show the message next to
the field, the sync API can answer 422 JSON with the field name, and Open311 turns it into a 400 error body. Time
rules take `now` and the settings explicitly, so tests and services decide the clock.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from fieldops.errors import DomainError
from fieldops.settings import Settings

# The one table of text limits: a field is as long on a form as in the outbox or from an Open311 client.
TEXT_LIMITS: dict[str, int] = {
    "description": 5000,
    "resident_name": 120,
    "address": 255,
    "resident_email": 254,  # RFC 5321's path limit
    "resident_phone": 40,
}
# E.164 allows 15 digits; an extension can add a few. Fewer than 3 digits is not a number anyone can call back.
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 3, 20
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)
# Times of day and dates a person types for a query or a plan (Open311 queries, exports, event dates): anything
# before the city had 311 data or far in the future is a typo or an attack, and only invites overflowing arithmetic.
EARLIEST_QUERY_YEAR = 1990
QUERY_FUTURE = dt.timedelta(days=366)


class FieldError(DomainError):
    """One field of what a client sent breaks a rule; `field` is the name the client used for it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- text ----------------------------------------------------------------------------------------------------------


def text(value: Any, field: str, limit: int | None = None, label: str | None = None) -> str:
    """A stripped text field within its limit (TEXT_LIMITS unless given); None and "" give ""."""
    if value is None:
        return ""
    name = label or field.replace("_", " ")
    if not isinstance(value, str):
        raise FieldError(field, _("The %(name)s must be text.", name=name))
    stripped = value.strip()
    limit = limit if limit is not None else TEXT_LIMITS[field]
    if len(stripped) > limit:
        raise FieldError(field, _("The %(name)s is too long (at most %(limit)s characters).", name=name, limit=limit))
    return stripped


def email(value: Any, field: str = "resident_email") -> str:
    """A syntactically valid email address (normalised domain), or "" when none was given; no DNS lookup."""
    address = text(value, field, TEXT_LIMITS["resident_email"], label=_("email address"))
    if not address:
        return ""
    try:
        # check_deliverability=False: the check must not reach the network (tests, offline servers, privacy).
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldError(field, _("“%(value)s” is not an email address.", value=address[:80])) from None


def phone(value: Any, field: str = "resident_phone") -> str:
    """A phone number with single spaces, from digits, + ( ) . - / and an extension; "" when none was given."""
    number = " ".join(text(value, field, TEXT_LIMITS["resident_phone"], label=_("phone number")).split())
    if not number:
        return ""
    digits = sum(c.isdigit() for c in number)
    if not _PHONE_CHARS.match(number) or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        raise FieldError(field, _("“%(value)s” is not a phone number.", value=number))
    return number


def resident_report(fields: dict[str, Any]) -> dict[str, Any]:
    """A report's free text and contact fields checked and normalised in place of the raw ones (other keys kept)."""
    checked = dict(fields)
    for name in ("description", "address", "resident_name"):
        if name in checked:
            checked[name] = text(checked[name], name)
    if "resident_email" in checked:
        checked["resident_email"] = email(checked["resident_email"])
    if "resident_phone" in checked:
        checked["resident_phone"] = phone(checked["resident_phone"])
    return checked


# --- numbers and places -------------------------------------------------------------------------------------------


def finite_float(value: Any, field: str, label: str | None = None) -> float | None:
    """A finite number from JSON or form text; None for nothing given. Booleans, NaN and infinity are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    name = label or field.replace("_", " ")
    if isinstance(value, bool) or not isinstance(value, int | float | str) or (isinstance(value, str) and len(value) > 40):
        raise FieldError(field, _("The %(name)s is not a number.", name=name))
    try:
        number = float(value)
    except ValueError:
        raise FieldError(field, _("The %(name)s is not a number.", name=name)) from None
    if not math.isfinite(number):
        raise FieldError(field, _("The %(name)s is not a number.", name=name))
    return number


def latitude(value: Any, field: str = "latitude") -> float | None:
    """A latitude (WGS84 degrees) from JSON or form text; None for nothing given."""
    number = finite_float(value, field, label=_("latitude"))
    if number is not None and not -90 <= number <= 90:
        raise FieldError(field, _("Latitude must be between -90 and 90."))
    return number


def longitude(value: Any, field: str = "longitude") -> float | None:
    """A longitude (WGS84 degrees) from JSON or form text; None for nothing given."""
    number = finite_float(value, field, label=_("longitude"))
    if number is not None and not -180 <= number <= 180:
        raise FieldError(field, _("Longitude must be between -180 and 180."))
    return number


class PointFields:
    """`latitude` and `longitude` of a typed form's `point` (None when no place was given), for views and templates."""

    point: tuple[float, float] | None

    @property
    def latitude(self) -> float | None:
        return self.point[0] if self.point else None

    @property
    def longitude(self) -> float | None:
        return self.point[1] if self.point else None


def point(lat: Any, lon: Any, names: tuple[str, str] = ("latitude", "longitude")) -> tuple[float, float] | None:
    """A place on Earth from its two coordinates (both or neither); None when neither was given."""
    checked = latitude(lat, names[0]), longitude(lon, names[1])
    location(*checked, names=names)
    return None if checked[0] is None or checked[1] is None else (checked[0], checked[1])


def typed_point(value: Any, field: str = "coordinates") -> tuple[float, float] | None:
    """Coordinates a person typed in one field, "42.36, -71.06" (latitude then longitude); None for nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parts = value.replace(",", " ").split() if isinstance(value, str) and len(value) <= 80 else []
    if len(parts) != 2:
        raise FieldError(field, _("Type the coordinates as two numbers, latitude then longitude."))
    try:
        return point(parts[0], parts[1], names=(field, field))
    except FieldError as exc:
        raise FieldError(field, exc.message) from None


E = TypeVar("E", bound=enum.Enum)

# The largest value of a PostgreSQL integer column: an id or a count above it names no row and only overflows.
MAX_INT = 2**31 - 1


def whole_number(
    value: Any, field: str, label: str | None = None, *, minimum: int | None = None, maximum: int = MAX_INT, required: bool = False
) -> int | None:
    """A whole number from JSON or form text, within [minimum, maximum]; None for nothing given, unless required."""
    name = label or field.replace("_", " ")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(field, _("The %(name)s must be a whole number.", name=name))
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, str) and len(value) > 20):
        raise FieldError(field, _("The %(name)s must be a whole number.", name=name))
    try:
        number = int(value)
    except ValueError:
        raise FieldError(field, _("The %(name)s must be a whole number.", name=name)) from None
    low = minimum if minimum is not None else -MAX_INT - 1
    if not low <= number <= maximum:
        raise FieldError(field, _("The %(name)s must be between %(low)s and %(high)s.", name=name, low=low, high=maximum))
    return number


def record_id(value: Any, field: str, label: str | None = None) -> int | None:
    """The id of a row chosen on a form (a crew, a person, a calendar); None for nothing chosen."""
    return whole_number(value, field, label, minimum=1)


def choice(value: Any, options: type[E], field: str, message: str) -> E | None:
    """One of an enum's values (a select or radio button); None for nothing chosen; `message` says what to choose."""
    if value is None or value == "":
        return None
    try:
        return options(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise FieldError(field, message) from None


def location(latitude: float | None, longitude: float | None, names: tuple[str, str] = ("latitude", "longitude")) -> None:
    """Both coordinates or neither, on Earth (WGS84)."""
    if (latitude is None) != (longitude is None):
        raise FieldError(names[0] if latitude is None else names[1], _("Give both latitude and longitude, or neither."))
    if latitude is not None and not -90 <= latitude <= 90:
        raise FieldError(names[0], _("Latitude must be between -90 and 90."))
    if longitude is not None and not -180 <= longitude <= 180:
        raise FieldError(names[1], _("Longitude must be between -180 and 180."))


# --- times --------------------------------------------------------------------------------------------------------


def parse_time(value: Any, field: str) -> dt.datetime | None:
    """An ISO 8601 time from a client, aware (a time without a zone is read as UTC, as browsers send UTC)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise FieldError(field, _("%(field)s must be an ISO 8601 time.", field=field))
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(field, _("%(field)s must be an ISO 8601 time.", field=field)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        raise FieldError(
            field, _("The time %(value)s is not plausible: check the date and time of the device, then send it again.", value=value)
        ) from None


def client_time(at: dt.datetime, field: str, settings: Settings, now: dt.datetime) -> dt.datetime:
    """A time recorded on a device (captured_at, a visit, a check-in): within [now − past days, now + future minutes].

    A tablet may sync a day's work late, so the past bound is generous; a time beyond it means the device's clock
    (or the client) is wrong, and the crew member is asked to check it rather than the server storing a year 1.
    """
    earliest = now - dt.timedelta(days=settings.client_time_past_days)
    latest = now + dt.timedelta(minutes=settings.client_time_future_minutes)
    if at < earliest:
        raise FieldError(
            field,
            _(
                "This was recorded on %(day)s, more than %(days)s days ago: check the date and time of the device, then send it again.",
                day=at.date().isoformat(),
                days=settings.client_time_past_days,
            ),
        )
    if at > latest:
        raise FieldError(
            field,
            _(
                "This was recorded on %(day)s, in the future: check the date and time of the device, then send it again.",
                day=at.date().isoformat(),
            ),
        )
    return at


def query_time(at: dt.datetime, field: str, now: dt.datetime) -> dt.datetime:
    """A time a person asks about or plans for (queries, exports, events): from 1990 to a year from now."""
    if at.year < EARLIEST_QUERY_YEAR or at > now + QUERY_FUTURE:
        raise FieldError(
            field,
            _("%(field)s must be between %(first)s and a year from now.", field=field, first=EARLIEST_QUERY_YEAR),
        )
    return at


def query_date(day: dt.date, field: str, now: dt.datetime) -> dt.date:
    """A calendar date for a query or a plan, in the same range as query_time."""
    query_time(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC), field, now)
    return day
