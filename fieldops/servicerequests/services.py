"""Create and look up residents' requests."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from typing import Any

from flask_babel import gettext as _
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.activity.verbs import Verb
from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.districts.services import DistrictIndex
from fieldops.errors import DomainError, Forbidden
from fieldops.offline.services import OfflinePart
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.sla.services import compute_due
from fieldops.web import validation

# Crockford base32 without I, L, O, U: easy to read out over the phone or copy from a screen.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_tracking_number() -> str:
    """A random, unguessable tracking number like 7KQ2-M9XD (40 bits; tablets can make one offline)."""
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_tracking_number(value: str) -> str:
    """Accept what residents type (lower case, O for 0, missing dash) and return the canonical form."""
    cleaned = value.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1").replace(" ", "").replace("-", "")
    if len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    return cleaned


# Channels where residents write for themselves, knowing the city publishes reports (like FixMyStreet and
# Open311 clients do). Words taken down by staff (phone, staff, outreach), imported from other systems or
# carried over onto follow-on work were never written to be published: their public text starts empty.
PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.OPEN311})
# The same limit as the description wherever it is entered (intake, sync, Open311 clip to their own).
MAX_PUBLIC_DESCRIPTION = validation.TEXT_LIMITS["description"]  # the same limit as the resident's own words


def default_public_description(channel: Channel, description: str, *, follow_on: bool = False) -> str:
    """The public text a new request starts with: the resident's own words from a public channel, else nothing."""
    if follow_on or channel not in PUBLIC_CHANNELS:
        return ""
    return description.strip()


def set_public_description(session: Session, actor: User, req: ServiceRequest, text: str) -> bool:
    """A supervisor sets or clears the text the public sees; recorded in the (staff-only) history. False if unchanged."""
    if not actor.is_supervisor:
        raise Forbidden(_("Only supervisors can change the public description."))
    text = (text or "").strip()
    if len(text) > MAX_PUBLIC_DESCRIPTION:
        raise DomainError(_("The public description is too long (at most %(max)s characters).", max=MAX_PUBLIC_DESCRIPTION))
    old = req.public_description or ""
    if text == old:
        return False
    req.public_description = text
    # Lengths, not the words: the history is staff-only, but it needs no second copy of the text either.
    activity.record(
        session,
        request_id=req.id,
        actor=actor,
        verb=Verb.REQUEST_PUBLIC_TEXT,
        params={"old_length": len(old), **({"new_length": len(text)} if text else {})},
        detail={"old_length": len(old), "new_length": len(text)},
    )
    session.flush()
    return True


def validate_location(latitude: float | None, longitude: float | None) -> None:
    """Refuse coordinates that cannot be on Earth, or only one of the pair (the shared rule, fieldops/web/validation.py)."""
    if latitude is not None and not math.isfinite(latitude) or longitude is not None and not math.isfinite(longitude):
        raise DomainError(_("The location is not a number."))
    validation.location(latitude, longitude)


def create_request(
    session: Session,
    actor: User | None,
    *,
    service_type: ServiceType,
    channel: Channel,
    description: str = "",
    public_description: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    resident_email: str = "",
    resident_language: str = "en",
    contact_consent: bool = False,
    created_at: dt.datetime | None = None,
    tracking_number: str | None = None,
    district_index: DistrictIndex | None = None,
    event_id: int | None = None,
    parent: ServiceRequest | None = None,
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    device_id: str = "",
    api_key_id: int | None = None,
    external_id: str | None = None,
    history_detail: dict[str, Any] | None = None,
    source_key: str | None = None,
) -> ServiceRequest:
    """Record a resident's request: place it in a district, set its due time from the service standard.

    `public_description` None means the channel's default (default_public_description).
    `source_key` is the offline outbox key of the action that created it: its history entry carries it, so a
    retried upload is recognised as already applied.
    """
    validate_location(latitude, longitude)
    if latitude is None and not address.strip():
        raise DomainError(_("Give a location: a point on the map or an address."))
    created_at = created_at or utcnow()
    if tracking_number is not None:
        tracking_number = normalise_tracking_number(tracking_number)
        if not TRACKING_RE.match(tracking_number):
            raise DomainError(_("That tracking number is not in the form XXXX-XXXX."))
    district_id = None
    if latitude is not None and longitude is not None:
        index = district_index or DistrictIndex.load(session)
        district_id = index.locate(longitude, latitude)
    req = ServiceRequest(
        tracking_number=tracking_number or _unused_tracking_number(session),
        service_type=service_type,
        channel=channel,
        description=description.strip(),
        public_description=(
            default_public_description(channel, description, follow_on=parent is not None)
            if public_description is None
            else public_description.strip()
        ),
        latitude=latitude,
        longitude=longitude,
        address=address.strip(),
        district_id=district_id,
        resident_name=resident_name.strip(),
        resident_phone=resident_phone.strip(),
        resident_email=resident_email.strip(),
        resident_language=resident_language or "en",
        contact_consent=contact_consent,
        created_at=created_at,
        updated_at=created_at,
        department_id=service_type.department_id,
        event_id=event_id,
        parent=parent,
        attributes=attributes or {},
        media_url=media_url.strip(),
        device_id=device_id.strip(),
        api_key_id=api_key_id,
        external_id=external_id,
        sla_started_at=created_at,
        due_at=compute_due(session, service_type, created_at),
    )
    session.add(req)
    session.flush()
    activity.record(
        session,
        request_id=req.id,
        actor=actor,
        verb=Verb.REQUEST_CREATED,
        params={"service": service_type.name, "channel": channel.value},
        detail={
            "channel": channel.value,
            **({"parent_id": parent.id} if parent is not None else {}),
            **({"event_id": event_id} if event_id else {}),
            **(history_detail or {}),
        },
        source_key=source_key,
        at=created_at,
    )
    return req


def _unused_tracking_number(session: Session) -> str:
    for _ in range(10):
        candidate = new_tracking_number()
        if session.scalar(sa.select(ServiceRequest.id).where(ServiceRequest.tracking_number == candidate)) is None:
            return candidate
    raise RuntimeError("could not find a free tracking number")  # 10 collisions in 2**40: a broken RNG


def root_request(req: ServiceRequest) -> ServiceRequest:
    """Follow duplicate links to the request that carries the work."""
    seen = {req.id}
    while req.duplicate_of is not None and req.duplicate_of.id not in seen:
        req = req.duplicate_of
        seen.add(req.id)
    return req


def close_as_duplicate(
    session: Session,
    actor: User | None,
    duplicate: ServiceRequest,
    survivor: ServiceRequest,
    *,
    at: dt.datetime,
    reason: str,
    reason_params: dict[str, Any],
    survivor_params: dict[str, Any],
    detail: dict[str, Any] | None = None,
    source_key: str | None = None,
) -> ServiceRequest:
    """Close `duplicate` as a duplicate of `survivor`: the one rule behind a dispatcher's merge and outreach's
    "Add to this request", so CitiStat counts both alike. Returns the request that carries the work.

    The duplicate closes with no due time of its own (the problem is counted once, on the survivor: a duplicate
    closed minutes after it came in is not an on-time repair), earlier duplicates of it move to the survivor so chains
    stay one step long, and both requests get a history entry (`reason_params` and `survivor_params` fill their
    summaries: see REQUEST_MERGED and REQUEST_DUPLICATE_MERGED in fieldops/activity/verbs.py). Work orders are the
    caller's concern.
    """
    survivor = root_request(survivor)
    if survivor.id == duplicate.id:
        raise DomainError(_("A request cannot be a duplicate of itself."))
    earlier = list(session.scalars(sa.select(ServiceRequest).where(ServiceRequest.duplicate_of_id == duplicate.id)))
    for other in earlier:
        other.duplicate_of = survivor
        other.closure_reason = f"Duplicate of {survivor.tracking_number}"
        activity.record(
            session,
            request_id=other.id,
            actor=actor,
            verb=Verb.REQUEST_MERGED,
            params={"survivor": survivor.tracking_number, "via": duplicate.tracking_number},
            detail={"survivor_id": survivor.id, "via_id": duplicate.id},
            source_key=source_key,
            at=at,
        )
    duplicate.duplicate_of = survivor
    duplicate.status = RequestStatus.CLOSED
    duplicate.closed_at = at
    duplicate.closure_reason = reason
    duplicate.due_at = None
    duplicate.updated_at = at
    activity.record(
        session,
        request_id=duplicate.id,
        actor=actor,
        verb=Verb.REQUEST_MERGED,
        params=reason_params,
        detail={"survivor_id": survivor.id, "duplicate_of_id": survivor.id, **(detail or {})},
        source_key=source_key,
        at=at,
    )
    activity.record(
        session,
        request_id=survivor.id,
        actor=actor,
        verb=Verb.REQUEST_DUPLICATE_MERGED,
        params=survivor_params,
        detail={"duplicate_id": duplicate.id, "tracking_number": duplicate.tracking_number, **(detail or {})},
        source_key=source_key,
        at=at,
    )
    return survivor


def offline_part(session: Session, user: User) -> OfflinePart:
    """Everyone's intake form offline, with the catalogue and districts it needs and the open requests a new report
    is checked against for duplicates."""
    return OfflinePart(pages=["/requests/new"], data=["/api/districts.geojson", "/api/catalog.json", "/api/requests/open.json"])
