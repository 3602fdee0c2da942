"""Mobile-311 outreach: events where staff meet residents and log their requests."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, utcnow

if TYPE_CHECKING:
    from fieldops.accounts.models import User
    from fieldops.districts.models import District


class OutreachEvent(Base):
    """A coffee hour, a game, a neighbourhood meeting: where and when staff took requests."""

    __tablename__ = "outreach_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    place: Mapped[str] = mapped_column(sa.String(255), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Residents spoken to, including those who asked for nothing (staff tap "+1 resident").
    residents_met: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    district: Mapped[District | None] = relationship()
    checkins: Mapped[list[EventCheckin]] = relationship(back_populates="event", order_by="EventCheckin.checked_in_at")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("residents_met >= 0", name="residents_not_negative"),
    )


class EventCheckin(Base):
    """A staff member working an event; requests they log while checked in carry the event."""

    __tablename__ = "event_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("outreach_event.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    checked_in_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    checked_out_at: Mapped[dt.datetime | None]

    event: Mapped[OutreachEvent] = relationship(back_populates="checkins")
    user: Mapped[User] = relationship()
