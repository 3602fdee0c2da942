"""The service catalogue: departments and the types of request they handle."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base


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
    # Target time to close, in hours (e.g. potholes 48 h).
    sla_hours: Mapped[int] = mapped_column(default=72)
    requires_before_photo: Mapped[bool] = mapped_column(default=False)
    requires_after_photo: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship(back_populates="service_types")

    __table_args__ = (sa.CheckConstraint("sla_hours > 0", name="sla_positive"),)
