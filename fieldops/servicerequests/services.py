"""Create and look up residents' requests."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.districts.services import DistrictIndex
from fieldops.errors import DomainError
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.sla.services import compute_due

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


def validate_location(latitude: float | None, longitude: float | None) -> None:
    """Refuse coordinates that cannot be on Earth, or only one of the pair (the shared rule, fieldops/web/validation.py)."""
    from fieldops.web import validation

    if latitude is not None and not math.isfinite(latitude) or longitude is not None and not math.isfinite(longitude):
        raise DomainError("The location is not a number.")
    validation.location(latitude, longitude)


def create_request(
    session: Session,
    actor: User | None,
    *,
    service_type: ServiceType,
    channel: Channel,
    description: str = "",
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

    `source_key` is the offline outbox key of the action that created it: its history entry carries it, so a
    retried upload is recognised as already applied.
    """
    validate_location(latitude, longitude)
    if latitude is None and not address.strip():
        raise DomainError("Give a location: a point on the map or an address.")
    created_at = created_at or utcnow()
    if tracking_number is not None:
        tracking_number = normalise_tracking_number(tracking_number)
        if not TRACKING_RE.match(tracking_number):
            raise DomainError("That tracking number is not in the form XXXX-XXXX.")
    district_id = None
    if latitude is not None and longitude is not None:
        index = district_index or DistrictIndex.load(session)
        district_id = index.locate(longitude, latitude)
    req = ServiceRequest(
        tracking_number=tracking_number or _unused_tracking_number(session),
        service_type=service_type,
        channel=channel,
        description=description.strip(),
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
        verb="request:created",
        summary=f"{service_type.name} reported via {channel.value}",
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
