"""An outbox kind plugged in by a feature package alone (tests/sync/dummy_feature): applied, replayed, checked
against its schema and documented, with nothing in fieldops/ naming it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldops.settings import Settings
from fieldops.sync.models import IdempotencyKey
from fieldops.sync.registry import DuplicateKind, register_kinds, registered_kinds
from sync.dummy_feature import KINDS, PINGS
from sync_helpers import Tablet
from testapp import running_app


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The suite's app (tests/conftest.py) with the dummy feature plugged in after the real ones."""
    with running_app(settings, ("sync.dummy_feature",)) as app:
        yield app


def _keys(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey))


def test_a_plugged_in_kind_is_applied_once_and_replayed(app, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    alice = tablet("alice")
    key = str(uuid.uuid4())
    body = {"kind": "dummy:ping", "fields": {"message": "hello"}}
    first = alice.action(body, key)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["result"] == {"echo": "hello", "pings": 1}
    assert first.get_json()["kind"] == "dummy:ping"
    assert app.extensions[PINGS] == ["hello"]

    # The same key again: the stored answer, byte for byte, and the handler does not run again.
    again = alice.action(body, key)
    assert (again.status_code, again.get_data()) == (200, first.get_data())
    assert app.extensions[PINGS] == ["hello"]
    assert _keys(session) == 1
    # The same key with another body is refused, as for every kind.
    assert alice.action({"kind": "dummy:ping", "fields": {"message": "other"}}, key).status_code == 422


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "message"), ({"message": 7}, "message"), ({"message": "x" * 41}, "message"), ({"message": "hi", "extra": 1}, "fields")],
    ids=["missing", "not text", "too long", "unknown field"],
)
def test_a_plugged_in_kind_refuses_what_its_schema_refuses(app, tablet, session, city, fields, field) -> None:  # type: ignore[no-untyped-def]
    resp = tablet("alice").action({"kind": "dummy:ping", "fields": fields}, str(uuid.uuid4()))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["field"] == field
    assert resp.get_json()["error"]
    # A refusal runs no handler and stores nothing under the key.
    assert app.extensions[PINGS] == [] and _keys(session) == 0


def test_a_plugged_in_kind_is_in_the_openapi_document(app, tablet, city) -> None:  # type: ignore[no-untyped-def]
    doc = tablet("alice").client.get("/api/sync/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Action"]["discriminator"]["mapping"]["dummy:ping"] == "#/components/schemas/Action_dummy_ping"
    assert {"$ref": "#/components/schemas/Action_dummy_ping"} in schemas["Action"]["oneOf"]
    ping = schemas["Action_dummy_ping"]
    assert ping["properties"]["kind"] == {"const": "dummy:ping"}
    assert ping["properties"]["fields"] == KINDS[0].fields_schema
    assert "fields" in ping["required"] and "work_order_id" not in ping["properties"]
    # The real kinds are all there too, next to it.
    assert {"status", "close", "unable", "note", "photos", "request", "visit", "checkin", "residents"} < set(doc["components"]["schemas"]["Action"]["discriminator"]["mapping"])


def test_a_kind_registered_twice_is_an_error(app) -> None:  # type: ignore[no-untyped-def]
    assert list(registered_kinds(app))[-1] == "dummy:ping"  # after the real features, in their order
    with pytest.raises(DuplicateKind, match="dummy:ping"):
        register_kinds(app, KINDS)
