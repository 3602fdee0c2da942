"""Check answers to a service type's questions (Open311 service definition attributes) by datatype."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from flask_babel import gettext as _

from fieldops.catalog import texts
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
        raise DomainError(_("Unknown attribute %(attribute)s for service %(service)s.", attribute=_quote(unknown[0]), service=_quote(service_type.code)))
    answers: dict[str, AnswerValue] = {}
    for attr in sorted(service_type.attributes, key=lambda a: (a.order or 0, a.id or 0)):
        # `is False`: an attribute built in memory and not yet flushed has variable=None, meaning the default (True).
        if attr.variable is False:
            # Information shown to the requester, not a question: whatever a client sends for it is ignored.
            continue
        values = [v.strip() for v in raw.get(attr.code, ()) if v is not None and v.strip()]
        if not values:
            if attr.required:
                raise DomainError(_("Attribute %(attribute)s is required.", attribute=_label(attr)))
            continue
        answers[attr.code] = _clean(attr, values)
    return answers


def _clean(attr: ServiceAttribute, values: list[str]) -> AnswerValue:
    if attr.datatype is AttributeType.MULTIVALUELIST:
        allowed = [str(v["key"]) for v in attr.values]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise DomainError(_("Attribute %(attribute)s: %(value)s is not one of %(allowed)s.", attribute=_label(attr), value=_quote(bad[0]), allowed=", ".join(allowed)))
        chosen = set(values)
        # The definition's order, each key once, whatever order and repeats the client sent.
        return [key for key in allowed if key in chosen]
    if len(values) > 1:
        raise DomainError(_("Attribute %(attribute)s takes one value, not %(count)s.", attribute=_label(attr), count=len(values)))
    value = values[0]
    if attr.datatype is AttributeType.SINGLEVALUELIST:
        allowed = [str(v["key"]) for v in attr.values]
        if value not in allowed:
            raise DomainError(_("Attribute %(attribute)s: %(value)s is not one of %(allowed)s.", attribute=_label(attr), value=_quote(value), allowed=", ".join(allowed)))
        return value
    if attr.datatype is AttributeType.NUMBER:
        try:
            number = float(value)
        except ValueError:
            raise DomainError(_("Attribute %(attribute)s must be a number, not %(value)s.", attribute=_label(attr), value=_quote(value))) from None
        if not math.isfinite(number):
            raise DomainError(_("Attribute %(attribute)s must be a finite number.", attribute=_label(attr)))
        return number
    if attr.datatype is AttributeType.DATETIME:
        return _iso_datetime(attr, value)
    limit = MAX_TEXT_LENGTH if attr.datatype is AttributeType.TEXT else MAX_STRING_LENGTH
    if len(value) > limit:
        raise DomainError(_("Attribute %(attribute)s is longer than %(limit)s characters.", attribute=_label(attr), limit=limit))
    return value


def _iso_datetime(attr: ServiceAttribute, value: str) -> str:
    try:
        # Python 3.11 reads every ISO 8601 form Open311 clients send, including a trailing Z.
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(_("Attribute %(attribute)s must be an ISO 8601 date and time, e.g. 2024-05-01T14:30:00-04:00.", attribute=_label(attr))) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise DomainError(_("Attribute %(attribute)s needs a time zone (e.g. -04:00 or Z).", attribute=_label(attr)))
    try:
        # Stored in UTC like every other time, so answers compare and sort.
        at = parsed.astimezone(dt.UTC)
    except OverflowError:
        raise DomainError(_("Attribute %(attribute)s is not a plausible date and time.", attribute=_label(attr))) from None
    # The same range as every date a person types about the city's work (fieldops/web/validation.py).
    return validation.query_time(at, attr.code, utcnow()).isoformat()


def _label(attr: ServiceAttribute) -> str:
    # The question in the reader's language (the code stays as the client sent it).
    question = texts.attribute_text(attr)
    return f"{_quote(attr.code)} ({question})" if question else _quote(attr.code)


def _quote(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return f"'{shown}'"
