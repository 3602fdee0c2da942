"""Photos taken at intake, before and after the work, and at follow-up visits."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from fieldops.workorders.models import WorkOrder


class PhotoKind(enum.StrEnum):
    BEFORE = "before"
    AFTER = "after"
    INTAKE = "intake"
    VISIT = "visit"


class Photo(Base):
    __tablename__ = "photo"

    # A UUID the client may choose, so an interrupted upload can be retried to the same id.
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # NULL while a photo synced from a tablet is staged, before its action attaches it to a request or job.
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("followup_visit.id"), index=True)
    kind: Mapped[PhotoKind] = mapped_column(str_enum(PhotoKind, "photo_kind"))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(255))
    thumbnail_key: Mapped[str] = mapped_column(sa.String(255))
    original_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    taken_at: Mapped[dt.datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    work_order: Mapped[WorkOrder | None] = relationship(back_populates="photos")
