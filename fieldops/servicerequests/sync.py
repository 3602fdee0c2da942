"""The "request" outbox kind: a new service request logged on a tablet (intake, outreach), created once.

Its time is the tablet's captured_at, never in the future, so SLA clocks start when the resident asked. A tracking
number chosen on the tablet (shown to the resident offline) that another request already holds is refused (409,
not stored) so the tablet can pick a new one and send again.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
import sqlalchemy as sa

from fieldops.access import policies
from fieldops.accounts.models import Role
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.errors import Conflict, DomainError
from fieldops.outreach import intake
from fieldops.photos import services as photos
from fieldops.photos.models import PhotoKind
from fieldops.servicerequests import services as requests
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.sync import protocol
from fieldops.sync.protocol import Action, Outcome, SyncContext
from fieldops.sync.registry import OutboxKind
from fieldops.web import validation

REQUEST_CHANNELS = tuple(c for c in Channel if c not in (Channel.IMPORT, Channel.OPEN311))


def request_ref(req: ServiceRequest) -> dict[str, Any]:
    """Where the request stands after the action."""
    return {"id": req.id, "tracking_number": req.tracking_number, "status": req.status.value}


@dataclasses.dataclass(frozen=True)
class RequestFields:
    """A "request" action's fields, checked (everything but what needs the database)."""

    service_type: str
    channel: Channel | None  # None: not given (outreach staff log at events, everyone else as staff)
    contact_consent: bool
    tracking_number: str | None
    texts: dict[str, str]
    latitude: float | None
    longitude: float | None


def check_request(fields: dict[str, Any]) -> RequestFields:
    """The request's fields, or a 422 saying what to fix."""
    f, text = fields, protocol.text
    code = f.get("service_type")
    if not code or not isinstance(code, str):
        raise DomainError(_("Choose what the request is about."))
    channel_value = f.get("channel") or None
    if channel_value is not None and channel_value not in [c.value for c in REQUEST_CHANNELS]:
        raise DomainError(_("Unknown channel “%(channel)s”.", channel=channel_value))
    consent = f.get("contact_consent", False)
    if not isinstance(consent, bool):
        raise DomainError(_("contact_consent must be true or false."))
    tracking = f.get("tracking_number")
    if tracking is not None:
        if not isinstance(tracking, str):
            raise DomainError(_("That tracking number is not in the form XXXX-XXXX."))
        tracking = requests.normalise_tracking_number(tracking)
        if not requests.TRACKING_RE.match(tracking):
            raise DomainError(_("That tracking number is not in the form XXXX-XXXX."))
    texts = {
        "duplicate_of": text(f, "duplicate_of", 20, _("existing request's tracking number")),
        "description_language": text(f, "description_language", 8, _("description's language")),
        "description": text(f, "description", label=_("description")),
        "address": text(f, "address", label=_("address")),
        "resident_name": text(f, "resident_name", label=_("resident's name")),
        "resident_phone": validation.phone(f.get("resident_phone")),
        "resident_email": validation.email(f.get("resident_email")),
        "resident_language": text(f, "resident_language", 8, _("resident's language")) or "en",
    }
    return RequestFields(
        service_type=code,
        channel=Channel(channel_value) if channel_value is not None else None,
        contact_consent=consent,
        tracking_number=tracking,
        texts=texts,
        latitude=protocol.opt_float(f, "latitude"),
        longitude=protocol.opt_float(f, "longitude"),
    )


def apply_request(ctx: SyncContext, action: Action) -> Outcome:
    session, user = ctx.session, ctx.user
    parsed: RequestFields = action.parsed
    service_type = session.scalar(sa.select(ServiceType).where(ServiceType.code == parsed.service_type, ServiceType.active.is_(True)))
    if service_type is None:
        raise DomainError(_("Unknown service type “%(code)s”.", code=parsed.service_type))
    channel = parsed.channel or (Channel.OUTREACH if user.role == Role.OUTREACH else Channel.STAFF)
    tracking = parsed.tracking_number
    # Only another request can hold it: this key's own request would have been answered from the key table.
    if tracking is not None and session.scalar(sa.select(ServiceRequest.id).where(ServiceRequest.tracking_number == tracking)) is not None:
        raise Conflict(_("Tracking number %(tracking)s is already used by another request; pick a new one and send again.", tracking=tracking))
    # Outreach context (event, the type's questions, "add to the existing request"): fieldops/outreach/intake.py.
    texts = parsed.texts
    logged = intake.log_request(
        session,
        user,
        service_type=service_type,
        channel=channel,
        event=intake.event_for(session, action.fields.get("event_id")),
        attributes=action.fields.get("attributes"),
        duplicate_of=texts["duplicate_of"],
        description_language=texts["description_language"],
        at=protocol.clamp(action.captured_at, utcnow()),
        source_key=ctx.key,
        description=texts["description"],
        latitude=parsed.latitude,
        longitude=parsed.longitude,
        address=texts["address"],
        resident_name=texts["resident_name"],
        resident_phone=texts["resident_phone"],
        resident_email=texts["resident_email"],
        resident_language=texts["resident_language"],
        contact_consent=parsed.contact_consent,
        tracking_number=tracking,
    )
    req = logged.report
    # Photos of a report added to an existing request go to that request, where the crew will see them.
    attached = photos.attach_photos(session, user, action.photo_ids, request_id=logged.follow.id, kind=PhotoKind.INTAKE, source_key=ctx.key)
    result: dict[str, Any] = {"request_id": req.id, "tracking_number": req.tracking_number, "photos": len(attached)}
    if logged.joined_existing:
        result["added_to"] = logged.follow.tracking_number
    return 201, protocol.ok(ctx, action, result, request=request_ref(req))


_LIMITS = validation.TEXT_LIMITS
_NUMBER = {"type": ["number", "string", "null"], "description": "A finite number (or its text)"}


def _text(limit: int, description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": f"{description} (at most {limit} characters, surrounding spaces ignored)"}


KINDS = (
    OutboxKind(
        name="request",
        summary="Log a new service request (201), or add the report to an existing one",
        fields_schema={
            "type": "object",
            "required": ["service_type"],
            "properties": {
                "service_type": {"type": "string", "minLength": 1, "description": "An active service type's code"},
                "channel": {"type": ["string", "null"], "enum": [*(c.value for c in REQUEST_CHANNELS), "", None]},
                "contact_consent": {"type": "boolean"},
                "tracking_number": {"type": ["string", "null"], "description": "XXXX-XXXX, chosen on the tablet"},
                "event_id": {"type": ["integer", "string", "null"], "description": "The outreach event the request was logged at (its id)"},
                "attributes": {"description": "Answers to the service type's questions, by attribute code"},
                "duplicate_of": _text(20, "Tracking number of the existing request this report adds to"),
                "description_language": _text(8, "Language code of the description"),
                "description": _text(_LIMITS["description"], "What the resident reports"),
                "latitude": _NUMBER,
                "longitude": _NUMBER,
                "address": _text(_LIMITS["address"], "Address"),
                "resident_name": _text(_LIMITS["resident_name"], "Resident's name"),
                "resident_phone": _text(_LIMITS["resident_phone"], "Resident's phone number"),
                "resident_email": _text(_LIMITS["resident_email"], "Resident's email address"),
                "resident_language": _text(8, "Resident's language code"),
            },
        },
        handler=apply_request,
        may_send=policies.can_log_request,
        check_fields=check_request,
        refusal=_l("You cannot log requests."),
    ),
)
