"""Fixtures: an app per test on a real database (SQLite file, or PostgreSQL via FIELDOPS_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from fieldops import create_app
from fieldops.db import Base
from fieldops.settings import Settings
from testapp import _settings, running_app

# Playwright fixtures for every package that drives Chromium (tests/browser, tests/security).
pytest_plugins = ["browser_fixtures"]



@pytest.fixture(autouse=True)
def _password_hash_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every account a test makes gets a real scrypt hash, but one per distinct password per process."""
    if request.node.get_closest_marker("real_password_hashing"):
        return
    from factories import cached_password_hash

    import fieldops.accounts.models

    monkeypatch.setattr(fieldops.accounts.models, "generate_password_hash", cached_password_hash)


def _worker_database(base_url: str, worker_id: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (base name + _gw0, ...), made if absent."""
    url = sa.make_url(base_url)
    if worker_id == "master" or url.get_backend_name() != "postgresql":
        return base_url
    name = f"{url.database}_{worker_id}"
    # CREATE DATABASE cannot run in a transaction; connect to the base database to issue it.
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for the whole run (one per xdist worker)."""
    base = os.environ.get("FIELDOPS_TEST_DATABASE_URL")
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")  # not xdist's fixture: the suite runs without xdist too
    # SQLite: tmp_path_factory is already per worker under xdist, so the file is too.
    url = _worker_database(base, worker_id) if base else f"sqlite:///{tmp_path_factory.mktemp('db') / 'fieldops.db'}"
    import fieldops.models  # noqa: F401  (every table, so drop_all sees the dependencies)

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        # Start from nothing so the migrations, not leftovers, define the schema.
        Base.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    app = create_app(_settings(url, tmp_path_factory.mktemp("boot")))
    with app.app_context():
        from fieldops.cli import upgrade_database

        upgrade_database()
        from fieldops.extensions import db

        db.engine.dispose()
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return _settings(database_url, tmp_path / "instance")


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    with running_app(settings) as app:
        yield app


@pytest.fixture
def session(app: Flask):  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    return db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def city(session):  # type: ignore[no-untyped-def]
    from factories import make_city

    city = make_city(session)
    session.commit()
    return city


class LiveServer:
    """The app on a real socket that a test can stop (connection refused) and start again on the same port."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None


@pytest.fixture
def server(app: Flask) -> Iterator[LiveServer]:
    live = LiveServer(app)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def live_server(server: LiveServer) -> str:
    """The URL of the app on a real socket (threads share the test's database)."""
    return server.url
