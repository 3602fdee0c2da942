"""Append-only history of every change to a request and its work orders."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, utcnow

# Where record() keeps a summary's parameters inside detail_json.
PARAMS = "params"

if TYPE_CHECKING:
    from fieldops.accounts.models import User


class Activity(Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # A short machine-readable verb, e.g. "status:en_route", "photo:after", "created".
    verb: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    detail_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    # Which device/outbox item caused it, when it came through sync.
    source_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()

    @property
    def detail(self) -> dict[str, Any]:
        """What the writer recorded about the change (the summary's parameters are in `params`)."""
        stored: dict[str, Any] = json.loads(self.detail_json or "{}")
        stored.pop(PARAMS, None)
        return stored

    @property
    def params(self) -> dict[str, Any] | None:
        """The summary template's parameters (activity.services.describe); None for rows written before them."""
        value = json.loads(self.detail_json or "{}").get(PARAMS)
        return value if isinstance(value, dict) else None
