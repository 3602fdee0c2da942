"""Open311 GeoReport v2 clients and their keys."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fieldops.db import Base, utcnow


class ApiKey(Base):
    """A client application's key. Only a hash is stored; the key is shown once, when issued."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # First characters of the key, to tell keys apart in lists and logs without revealing them.
    prefix: Mapped[str] = mapped_column(sa.String(16), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    contact: Mapped[str] = mapped_column(sa.String(254), default="")
    # Requests per minute this key may make.
    rate_limit_per_minute: Mapped[int] = mapped_column(default=60)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    # Fixed one-minute window of the rate limit, counted in the database so every server process shares it.
    rate_window_start: Mapped[dt.datetime | None]
    rate_window_count: Mapped[int] = mapped_column(default=0)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    __table_args__ = (sa.CheckConstraint("rate_limit_per_minute > 0", name="rate_limit_positive"),)
