"""The crew's job for a request."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from fieldops.accounts.models import Crew, User
    from fieldops.photos.models import Photo
    from fieldops.servicerequests.models import ServiceRequest


class WorkOrderStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    UNABLE = "unable_to_complete"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATUSES


_LABELS = {
    WorkOrderStatus.NEW: "New",
    WorkOrderStatus.ASSIGNED: "Assigned",
    WorkOrderStatus.EN_ROUTE: "En route",
    WorkOrderStatus.ON_SITE: "On site",
    WorkOrderStatus.COMPLETED: "Completed",
    WorkOrderStatus.UNABLE: "Unable to complete",
    WorkOrderStatus.CANCELLED: "Cancelled",
}
CLOSED_STATUSES = frozenset({WorkOrderStatus.COMPLETED, WorkOrderStatus.UNABLE, WorkOrderStatus.CANCELLED})


class Priority(enum.IntEnum):
    EMERGENCY = 1
    HIGH = 2
    NORMAL = 3
    LOW = 4

    @property
    def label(self) -> str:
        """The priority's name in the reader's language."""
        return str(PRIORITY_LABELS[self])


PRIORITY_LABELS = {Priority.EMERGENCY: _l("Emergency"), Priority.HIGH: _l("High"), Priority.NORMAL: _l("Normal"), Priority.LOW: _l("Low")}


class WorkOrder(Base):
    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crew.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL)
    status: Mapped[WorkOrderStatus] = mapped_column(
        str_enum(WorkOrderStatus, "work_order_status"), default=WorkOrderStatus.NEW, index=True
    )
    due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    unable_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[dt.datetime | None]
    # Bumped by SQLAlchemy on every UPDATE; clients send the version they saw so stale writes are refused.
    version: Mapped[int] = mapped_column(default=1)

    request: Mapped[ServiceRequest] = relationship(back_populates="work_orders")
    crew: Mapped[Crew | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="work_order", order_by="Photo.created_at")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),)

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the job was closed (completed, unable or cancelled); None while it is open."""
        if self.status.is_open:
            return None
        return self.completed_at or self.updated_at

    def is_overdue(self, now: dt.datetime) -> bool:
        """Open and past its due time."""
        return self.status.is_open and self.due_at is not None and self.due_at < now
