"""Logging a resident's request in the field: event context, the type's questions, joining an existing request.

One path for the form without JavaScript (servicerequests/views.py) and for the tablet's outbox (sync kind
"request", fieldops/sync/services.py), so a report logged offline ends up exactly like one logged online.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.catalog.attributes import validate_answers
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.i18n import RESIDENT_LANGUAGES
from fieldops.outreach.duplicates import join_as_duplicate, request_by_tracking
from fieldops.outreach.models import OutreachEvent
from fieldops.outreach.services import get_event
from fieldops.servicerequests.models import Channel, ServiceRequest


@dataclass(frozen=True)
class Logged:
    """The report as recorded, and the request the resident should follow (itself, or the one it joined)."""

    report: ServiceRequest
    follow: ServiceRequest

    @property
    def joined_existing(self) -> bool:
        return self.follow.id != self.report.id


def event_for(session: Session, event_id: Any) -> OutreachEvent | None:
    """The event a report was logged at (None when not given); refuses an unknown id."""
    if event_id in (None, ""):
        return None
    if isinstance(event_id, str) and event_id.isdigit():
        event_id = int(event_id)
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not 0 < event_id < 2**31:
        raise DomainError("The event this request was logged at is not a valid event.")
    return get_event(session, event_id)


def language_code(value: Any, default: str = "en") -> str:
    """A language code from the form, or the default (unknown codes are refused, not stored)."""
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in RESIDENT_LANGUAGES:
        raise DomainError("Choose the resident's language from the list.")
    return value


def answers_for(service_type: ServiceType, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The service type's questions answered, checked by datatype ({code: value or [values]} from a form or JSON)."""
    if not raw:
        return validate_answers(service_type, {})
    if not isinstance(raw, Mapping):
        raise DomainError("The answers to the service's questions must be an object.")
    lists: dict[str, Sequence[str]] = {}
    for code, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
            raise DomainError(f"The answer to “{code}” must be text or a number.")
        lists[str(code)] = [str(v) for v in values]
    return validate_answers(service_type, lists)


def log_request(
    session: Session,
    user: User,
    *,
    service_type: ServiceType,
    channel: Channel,
    event: OutreachEvent | None = None,
    attributes: Mapping[str, Any] | None = None,
    duplicate_of: str = "",
    description_language: str = "",
    at: dt.datetime | None = None,
    source_key: str | None = None,
    **fields: Any,
) -> Logged:
    """Record a report (at an event: channel outreach) and, when staff chose "add to the existing request", join it there."""
    from fieldops.servicerequests.services import create_request

    existing = request_by_tracking(session, duplicate_of) if duplicate_of.strip() else None
    answers = answers_for(service_type, attributes)
    resident_language = language_code(fields.pop("resident_language", ""), "en")
    # The resident's words are kept as typed; the language they are written in is recorded beside them.
    text_language = language_code(description_language, resident_language)
    at = at or utcnow()
    report = create_request(
        session,
        user,
        service_type=service_type,
        channel=Channel.OUTREACH if event is not None else channel,
        event_id=event.id if event is not None else None,
        attributes=answers,
        resident_language=resident_language,
        created_at=at,
        history_detail={"description_language": text_language} if fields.get("description") else None,
        source_key=source_key,
        **fields,
    )
    follow = report
    if existing is not None:
        follow = join_as_duplicate(session, user, report, existing, at=at, source_key=source_key)
    return Logged(report=report, follow=follow)
