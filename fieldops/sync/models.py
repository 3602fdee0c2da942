"""What sync remembers: each outbox key's answer, and the conflicts a supervisor must look at."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, utcnow

if TYPE_CHECKING:
    from fieldops.accounts.models import User
    from fieldops.workorders.models import WorkOrder


class IdempotencyKey(Base):
    """One outbox item's key and the answer it got, written in the same transaction as the change."""

    __tablename__ = "idempotency_key"

    # The client's UUID; the primary key is what makes two concurrent replays of one item apply once.
    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # sha256 of the canonical JSON body: the same key with another body is a client bug, not a replay.
    request_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response_json: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncConflict(Base):
    """A change from the field that could not be applied because someone else changed the job meanwhile."""

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: replaying the same outbox item never files a second conflict.
    key: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The whole action as the tablet sent it, so nothing typed in the field is lost.
    payload_json: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    work_order: Mapped[WorkOrder] = relationship()

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json or "{}")  # type: ignore[no-any-return]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
