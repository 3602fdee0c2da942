"""Declarative base, naming convention and column types shared by every feature."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Stores naive UTC, hands back aware UTC; refuses naive input so local times never sneak in."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        # Every value the database can hold must be safe to show and compute with: year 1 or 9999 (a legacy import,
        # a bug, a client before validation) overflows astimezone(), "+ SLA hours" or "- 10 years on file" in Python.
        # Read times are kept within 1900..9000, which no real 311 record comes near, leaving centuries of margin.
        return min(max(value, READ_MIN), READ_MAX).replace(tzinfo=dt.UTC)


READ_MIN = dt.datetime(1900, 1, 1)
READ_MAX = dt.datetime(9000, 1, 1)


def utcnow() -> dt.datetime:
    """Now, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column stored as its values, with a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: UTCDateTime()}

    if TYPE_CHECKING:
        # Every model here is mapped to a Table (none to a join or a select), so Core's update()/insert() take it.
        __table__: ClassVar[sa.Table]
