"""What residents ask for (Open311 'request')."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from fieldops.catalog.models import ServiceType
    from fieldops.catalog.models import Department
    from fieldops.districts.models import District
    from fieldops.outreach.models import OutreachEvent
    from fieldops.workorders.models import WorkOrder


class Channel(enum.StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    OUTREACH = "outreach"
    OPEN311 = "open311"
    STAFF = "staff"
    IMPORT = "import"


class RequestStatus(enum.StrEnum):
    # Open311 sees only open/closed; the finer state lives on the work order.
    OPEN = "open"
    CLOSED = "closed"


class ServiceRequest(Base):
    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the resident is told and can look up; never derived from personal data.
    tracking_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    service_type_id: Mapped[int] = mapped_column(sa.ForeignKey("service_type.id"), index=True)
    # The resident's own words (and, on follow-on work, what staff need): private, staff pages only.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # What Open311, the status page and exports publish; set by the channel's default rule
    # (servicerequests.services.default_public_description) and changed only by a supervisor's moderation.
    public_description: Mapped[str] = mapped_column(sa.Text, default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "request_status"), default=RequestStatus.OPEN, index=True)
    # Resident contact: private, never in public output.
    resident_name: Mapped[str] = mapped_column(sa.String(120), default="")
    resident_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    resident_email: Mapped[str] = mapped_column(sa.String(254), default="")
    resident_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    contact_consent: Mapped[bool] = mapped_column(default=False)
    # Department answerable now: the service type's own unless the request was transferred.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    # The outreach event it was logged at (channel outreach).
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outreach_event.id"), index=True)
    # Follow-on work: the request whose follow-up visit found it not (fully) resolved.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    # Merged into another open request of the same problem; closed with closure_reason "duplicate".
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    # Answers to the service type's attributes, {code: value or [values]} (Open311 attribute[code]).
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Open311: a link the client gave, and the key it came through. device_id is private like the contact.
    media_url: Mapped[str] = mapped_column(sa.String(1024), default="")
    device_id: Mapped[str] = mapped_column(sa.String(120), default="")
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_key.id"), index=True)
    # Why it was closed, in words the public may read (Open311 status_notes; Boston's CLOSURE_REASON).
    closure_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Where the record came from, e.g. "boston311:101001240734", so re-imports do not duplicate.
    external_id: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # When the SLA clock started: created_at, or the moment of a transfer whose service type restarts the clock.
    sla_started_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    service_type: Mapped[ServiceType] = relationship()
    district: Mapped[District | None] = relationship()
    department: Mapped[Department | None] = relationship()
    event: Mapped[OutreachEvent | None] = relationship()
    parent: Mapped[ServiceRequest | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    duplicate_of: Mapped[ServiceRequest | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    work_orders: Mapped[list[WorkOrder]] = relationship(back_populates="request", order_by="WorkOrder.id")

    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
        sa.CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_own_duplicate"),
        # The performance view filters by these together.
        sa.Index("ix_service_request_type_created", "service_type_id", "created_at"),
    )
