"""The service catalogue: departments and the types of request they handle."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, UTCDateTime, str_enum


class SlaUnit(enum.StrEnum):
    # Wall-clock hours (potholes 48 h), or the business calendar's working hours or days.
    HOURS = "hours"
    BUSINESS_HOURS = "business_hours"
    BUSINESS_DAYS = "business_days"


class TransferClock(enum.StrEnum):
    """What a hand-over to another department does to the SLA clock."""

    CONTINUE = "continue"
    RESTART = "restart"


class FollowUpPolicy(enum.StrEnum):
    NEVER = "never"
    ALWAYS = "always"
    SAMPLE = "sample"


class AttributeType(enum.StrEnum):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class BusinessCalendar(Base):
    """Working hours, working days and holidays that business-hour and business-day SLAs count in."""

    __tablename__ = "business_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # Local wall-clock times in the city's time zone.
    work_start: Mapped[dt.time] = mapped_column(sa.Time, default=dt.time(8, 0))
    work_end: Mapped[dt.time] = mapped_column(sa.Time, default=dt.time(17, 0))
    # ISO weekday numbers (1 = Monday ... 7 = Sunday), comma separated.
    workdays: Mapped[str] = mapped_column(sa.String(20), default="1,2,3,4,5")

    holidays: Mapped[list[Holiday]] = relationship(back_populates="calendar", order_by="Holiday.day", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("work_end > work_start", name="working_day_not_empty"),)


class Holiday(Base):
    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("business_calendar.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(120), default="")

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="holidays")

    __table_args__ = (sa.UniqueConstraint("calendar_id", "day"),)


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    service_types: Mapped[list[ServiceType]] = relationship(back_populates="department")


class ServiceType(Base):
    """An Open311 'service': what a resident can ask for, with its standard (SLA) and evidence rules."""

    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    group: Mapped[str] = mapped_column(sa.String(80), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    keywords: Mapped[str] = mapped_column(sa.String(255), default="")
    # Target time to close, in hours (e.g. potholes 48 h). With sla_unit other than hours, sla_value counts
    # business hours or days of sla_calendar instead and sla_hours is only its wall-clock approximation.
    sla_hours: Mapped[int] = mapped_column(default=72)
    sla_unit: Mapped[SlaUnit] = mapped_column(str_enum(SlaUnit, "sla_unit"), default=SlaUnit.HOURS)
    sla_value: Mapped[int | None]
    sla_calendar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_calendar.id"))
    sla_on_transfer: Mapped[TransferClock] = mapped_column(str_enum(TransferClock, "transfer_clock"), default=TransferClock.CONTINUE)
    requires_before_photo: Mapped[bool] = mapped_column(default=False)
    requires_after_photo: Mapped[bool] = mapped_column(default=False)
    # Follow-up visit after completion: never, always, or a sampled share; created followup_delay_hours after closure.
    followup_policy: Mapped[FollowUpPolicy] = mapped_column(str_enum(FollowUpPolicy, "followup_policy"), default=FollowUpPolicy.NEVER)
    followup_sample_percent: Mapped[int] = mapped_column(default=0)
    followup_delay_hours: Mapped[int] = mapped_column(default=48)
    # Duplicate check while logging: open requests of this type within this many metres and hours.
    duplicate_radius_m: Mapped[int] = mapped_column(default=50)
    duplicate_window_hours: Mapped[int] = mapped_column(default=168)
    active: Mapped[bool] = mapped_column(default=True)
    # Requests of a private type (e.g. a rodent complaint inside a home) point at someone's home: they are left
    # out of Open311 GET and the exports, and the status page shows only their group, open/closed and dates.
    private: Mapped[bool] = mapped_column(default=False)
    # The city's own translations of this type's texts, {lang: {"name", "group", "keywords", "description"}}:
    # looked up first by fieldops/catalog/texts.py, then the .po catalogues, then the English above.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(sa.JSON, default=dict, server_default="{}")

    department: Mapped[Department] = relationship(back_populates="service_types")
    sla_calendar: Mapped[BusinessCalendar | None] = relationship()
    attributes: Mapped[list[ServiceAttribute]] = relationship(
        back_populates="service_type", order_by="ServiceAttribute.order", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("sla_hours > 0", name="sla_positive"),
        sa.CheckConstraint("sla_value IS NULL OR sla_value > 0", name="sla_value_positive"),
        sa.CheckConstraint("followup_sample_percent BETWEEN 0 AND 100", name="followup_share"),
        sa.CheckConstraint("followup_delay_hours >= 0", name="followup_delay"),
        sa.CheckConstraint("duplicate_radius_m >= 0 AND duplicate_window_hours >= 0", name="duplicate_window"),
    )


class ServiceAttribute(Base):
    """One question of a service definition (Open311 'attribute'); answers live in ServiceRequest.attributes."""

    __tablename__ = "service_attribute"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(sa.ForeignKey("service_type.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    datatype: Mapped[AttributeType] = mapped_column(str_enum(AttributeType, "attribute_type"))
    # False: information shown to the requester, not a question (Open311 'variable').
    variable: Mapped[bool] = mapped_column(default=True)
    required: Mapped[bool] = mapped_column(default=False)
    order: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text)
    datatype_description: Mapped[str] = mapped_column(sa.String(255), default="")
    # For the list types: [{"key": "...", "name": "..."}, ...] in display order.
    values: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # {lang: {"description": ..., "datatype_description": ..., "values": {key: name}}}; see fieldops/catalog/texts.py.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(sa.JSON, default=dict, server_default="{}")

    service_type: Mapped[ServiceType] = relationship(back_populates="attributes")

    __table_args__ = (sa.UniqueConstraint("service_type_id", "code"),)


class CatalogChange(Base):
    """When the published catalogue last changed: one row (id 1), moved by fieldops/catalog/changes.py.

    Open311's discovery document gives it as its `changeset`, so a client knows when to fetch services again.
    One row rather than a time on every catalogue row, so removing an attribute or a type moves it too.
    """

    __tablename__ = "catalog_change"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
