"""Logging a resident's request in the field: event context, the type's questions, joining an existing request.

One path for the form without JavaScript (servicerequests/views.py) and for the tablet's outbox (sync kind
"request", fieldops/servicerequests/sync.py), so a report logged offline ends up exactly like one logged online.

The duplicate question: on the tablet, intake.js asks it before the report enters the outbox. The form without
JavaScript asks it on the server (log_unless_duplicate): a report near an open request of its type is not saved
until staff choose "add to this request" (duplicate_of) or "it is a new problem" (confirmed_new).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.catalog.attributes import validate_answers
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.i18n import RESIDENT_LANGUAGES
from fieldops.outreach.duplicates import Candidate, find_duplicates, join_as_duplicate, request_by_tracking
from fieldops.outreach.models import OutreachEvent
from fieldops.outreach.services import get_event
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.services import parse_photo_id
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.servicerequests.services import create_request, validate_location
from fieldops.web import validation


@dataclass(frozen=True)
class Logged:
    """The report as recorded, and the request the resident should follow (itself, or the one it joined)."""

    report: ServiceRequest
    follow: ServiceRequest

    @property
    def joined_existing(self) -> bool:
        return self.follow.id != self.report.id


@dataclass(frozen=True)
class PossibleDuplicates:
    """Nothing was saved: open requests of the type nearby that the report may repeat, nearest first."""

    candidates: list[Candidate]


@dataclass(frozen=True)
class CheckedReport:
    """A report's answers and languages as they will be stored."""

    answers: dict[str, Any]
    resident_language: str
    text_language: str


def event_for(session: Session, event_id: Any) -> OutreachEvent | None:
    """The event a report was logged at (None when not given); refuses an unknown id."""
    if event_id in (None, ""):
        return None
    if isinstance(event_id, str) and event_id.isdigit():
        event_id = int(event_id)
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not 0 < event_id < 2**31:
        raise DomainError(_("The event this request was logged at is not a valid event."))
    return get_event(session, event_id)


def language_code(value: Any, default: str = "en") -> str:
    """A language code from the form, or the default (unknown codes are refused, not stored)."""
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in RESIDENT_LANGUAGES:
        raise DomainError(_("Choose the resident's language from the list."))
    return value


def answers_for(service_type: ServiceType, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The service type's questions answered, checked by datatype ({code: value or [values]} from a form or JSON)."""
    if not raw:
        return validate_answers(service_type, {})
    if not isinstance(raw, Mapping):
        raise DomainError(_("The answers to the service's questions must be an object."))
    lists: dict[str, Sequence[str]] = {}
    for code, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
            raise DomainError(_("The answer to “%(code)s” must be text or a number.", code=code))
        lists[str(code)] = [str(v) for v in values]
    return validate_answers(service_type, lists)


def check_report(
    service_type: ServiceType,
    *,
    attributes: Mapping[str, Any] | None,
    resident_language: Any,
    description_language: Any,
    latitude: float | None,
    longitude: float | None,
) -> CheckedReport:
    """Check what staff typed the way log_request will (answers, languages, the point), saving nothing."""
    validate_location(latitude, longitude)
    answers = answers_for(service_type, attributes)
    resident = language_code(resident_language, "en")
    # The resident's words are kept as typed; the language they are written in is recorded beside them.
    return CheckedReport(answers=answers, resident_language=resident, text_language=language_code(description_language, resident))


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
    fields = validation.resident_report(fields)
    existing = request_by_tracking(session, duplicate_of) if duplicate_of.strip() else None
    checked = check_report(
        service_type,
        attributes=attributes,
        resident_language=fields.pop("resident_language", ""),
        description_language=description_language,
        latitude=fields.get("latitude"),
        longitude=fields.get("longitude"),
    )
    at = at or utcnow()
    report = create_request(
        session,
        user,
        service_type=service_type,
        channel=Channel.OUTREACH if event is not None else channel,
        event_id=event.id if event is not None else None,
        attributes=checked.answers,
        resident_language=checked.resident_language,
        created_at=at,
        history_detail={"description_language": checked.text_language} if fields.get("description") else None,
        source_key=source_key,
        **fields,
    )
    follow = report
    if existing is not None:
        follow = join_as_duplicate(session, user, report, existing, at=at, source_key=source_key)
    return Logged(report=report, follow=follow)


def log_unless_duplicate(
    session: Session,
    user: User,
    *,
    service_type: ServiceType,
    channel: Channel,
    confirmed_new: bool = False,
    event: OutreachEvent | None = None,
    attributes: Mapping[str, Any] | None = None,
    duplicate_of: str = "",
    description_language: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Logged | PossibleDuplicates:
    """Log the report, or, when it is near open requests of its type and staff have not chosen yet, return those."""
    # The same length and contact rules as the outbox and Open311, before the duplicate question.
    fields = validation.resident_report(fields)
    # Staff choose with duplicate_of ("add to this request") or confirmed_new ("it is a new problem").
    if not confirmed_new and not duplicate_of.strip() and latitude is not None and longitude is not None:
        # A report that would be refused anyway hears why first, not about duplicates.
        check_report(
            service_type,
            attributes=attributes,
            resident_language=fields.get("resident_language", ""),
            description_language=description_language,
            latitude=latitude,
            longitude=longitude,
        )
        found = find_duplicates(session, service_type, latitude, longitude, now=at)
        if found:
            return PossibleDuplicates(candidates=found)
    return log_request(
        session,
        user,
        service_type=service_type,
        channel=channel,
        event=event,
        attributes=attributes,
        duplicate_of=duplicate_of,
        description_language=description_language,
        at=at,
        latitude=latitude,
        longitude=longitude,
        **fields,
    )


def kept_photos(session: Session, user: User, photo_ids: Sequence[str]) -> list[Photo]:
    """The user's own staged, unattached intake photos among the ids, in the order given; other ids are ignored."""
    # The form without JavaScript stages its photos while staff answer the duplicate question (a browser cannot
    # send a chosen file again); ignoring other ids means a form cannot claim anyone else's upload.
    wanted: list[str] = []
    for raw in photo_ids:
        try:
            pid = parse_photo_id(raw) if raw.strip() else ""
        except DomainError:
            continue
        if pid and pid not in wanted:
            wanted.append(pid)
    if not wanted:
        return []
    found = {
        p.id: p
        for p in session.scalars(
            sa.select(Photo).where(
                Photo.id.in_(wanted),
                Photo.uploaded_by_id == user.id,
                Photo.kind == PhotoKind.INTAKE,
                Photo.request_id.is_(None),
                Photo.work_order_id.is_(None),
                Photo.visit_id.is_(None),
            )
        )
    }
    return [found[pid] for pid in wanted if pid in found]
