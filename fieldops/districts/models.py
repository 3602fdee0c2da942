"""Areas a city is divided into: wards, precincts, crew zones."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fieldops.db import Base


class District(Base):
    """A polygon kept as GeoJSON text (portable across SQLite and PostgreSQL) with its bounding box."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="ward")
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(120))
    geometry: Mapped[str] = mapped_column(sa.Text)
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]
    source: Mapped[str] = mapped_column(sa.String(255), default="")

    __table_args__ = (sa.UniqueConstraint("kind", "code"),)
