"""Check answers to a service type's questions (Open311 service definition attributes) by datatype."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from fieldops.catalog.models import AttributeType, ServiceAttribute, ServiceType
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.web import validation

# Long enough for any real answer, short enough that one form cannot fill the JSON column with megabytes.
MAX_STRING_LENGTH = 500
MAX_TEXT_LENGTH = 5000

AnswerValue = str | float | list[str]


def validate_answers(service_type: ServiceType, raw: Mapping[str, Sequence[str]]) -> dict[str, AnswerValue]:
    """Check raw form answers ({code: [values]}) against the service definition; return clean typed answers."""
    by_code = {attr.code: attr for attr in service_type.attributes}
    unknown = sorted(code for code in raw if code not in by_code)
    if unknown:
        raise DomainError(f"Unknown attribute {_quote(unknown[0])} for service {_quote(service_type.code)}.")
    answers: dict[str, AnswerValue] = {}
    for attr in sorted(service_type.attributes, key=lambda a: (a.order or 0, a.id or 0)):
        # `is False`: an attribute built in memory and not yet flushed has variable=None, meaning the default (True).
        if attr.variable is False:
            # Information shown to the requester, not a question: whatever a client sends for it is ignored.
            continue
        values = [v.strip() for v in raw.get(attr.code, ()) if v is not None and v.strip()]
        if not values:
            if attr.required:
                raise DomainError(f"Attribute {_label(attr)} is required.")
            continue
        answers[attr.code] = _clean(attr, values)
    return answers


def _clean(attr: ServiceAttribute, values: list[str]) -> AnswerValue:
    if attr.datatype is AttributeType.MULTIVALUELIST:
        allowed = [str(v["key"]) for v in attr.values]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise DomainError(f"Attribute {_label(attr)}: {_quote(bad[0])} is not one of {', '.join(allowed)}.")
        chosen = set(values)
        # The definition's order, each key once, whatever order and repeats the client sent.
        return [key for key in allowed if key in chosen]
    if len(values) > 1:
        raise DomainError(f"Attribute {_label(attr)} takes one value, not {len(values)}.")
    value = values[0]
    if attr.datatype is AttributeType.SINGLEVALUELIST:
        allowed = [str(v["key"]) for v in attr.values]
        if value not in allowed:
            raise DomainError(f"Attribute {_label(attr)}: {_quote(value)} is not one of {', '.join(allowed)}.")
        return value
    if attr.datatype is AttributeType.NUMBER:
        try:
            number = float(value)
        except ValueError:
            raise DomainError(f"Attribute {_label(attr)} must be a number, not {_quote(value)}.") from None
        if not math.isfinite(number):
            raise DomainError(f"Attribute {_label(attr)} must be a finite number.")
        return number
    if attr.datatype is AttributeType.DATETIME:
        return _iso_datetime(attr, value)
    limit = MAX_TEXT_LENGTH if attr.datatype is AttributeType.TEXT else MAX_STRING_LENGTH
    if len(value) > limit:
        raise DomainError(f"Attribute {_label(attr)} is longer than {limit} characters.")
    return value


def _iso_datetime(attr: ServiceAttribute, value: str) -> str:
    try:
        # Python 3.11 reads every ISO 8601 form Open311 clients send, including a trailing Z.
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(f"Attribute {_label(attr)} must be an ISO 8601 date and time, e.g. 2024-05-01T14:30:00-04:00.") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise DomainError(f"Attribute {_label(attr)} needs a time zone (e.g. -04:00 or Z).")
    try:
        # Stored in UTC like every other time, so answers compare and sort.
        at = parsed.astimezone(dt.UTC)
    except OverflowError:
        raise DomainError(f"Attribute {_label(attr)} is not a plausible date and time.") from None
    # The same range as every date a person types about the city's work (fieldops/web/validation.py).
    return validation.query_time(at, attr.code, utcnow()).isoformat()


def _label(attr: ServiceAttribute) -> str:
    return f"{_quote(attr.code)} ({attr.description})" if attr.description else _quote(attr.code)


def _quote(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return f"'{shown}'"
