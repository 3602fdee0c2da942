"""Building the test app's settings and emptying its database: shared by tests/conftest.py and test modules that
make an app of their own (the conftest modules of sub-packages shadow the name `conftest`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from fieldops import create_app
from fieldops.db import Base
from fieldops.settings import Settings


def _settings(url: str, instance: Path) -> Settings:
    return Settings(
        instance_path=instance,
        database_url=url,
        secret_key="test-secret-key-not-for-production",
        storage_path=instance / "storage",
        testing=True,
        max_photo_mb=5,
        # A tile server on loopback that does not exist: pages may request it, the test network never leaves the machine.
        tile_url="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
        tile_attribution="test tiles",
        # Building Boston's basemap takes ~25 s; tests/basemap/test_basemap_demo.py turns it on with few zooms.
        demo_basemap=False,
    )


def _empty_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # A live-server thread whose browser went away mid-response (a download Chromium dropped) can leave its
            # connection idle in a transaction; TRUNCATE would wait for it forever. This database is this worker's
            # alone, so end such leftovers, and give the TRUNCATE a lock timeout: a hang becomes a clear failure.
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('idle in transaction', 'idle in transaction (aborted)')"
            ))
            conn.execute(sa.text("SET LOCAL lock_timeout = '60s'"))
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@contextmanager
def running_app(settings: Settings, extra_features: Sequence[str] = ()) -> Iterator[Flask]:
    """The app inside its context for one test; afterwards its session is ended and its tables emptied."""
    app = create_app(settings, extra_features=tuple(extra_features))
    with app.app_context():
        yield app
        from fieldops.extensions import db

        db.session.rollback()
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()
