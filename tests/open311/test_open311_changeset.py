"""The discovery document's changeset follows the last change to the published service catalogue."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fieldops.catalog import changes
from open311_helpers import add_tree_service, xml_of


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2027, 3, 4, 5, 6, 7, 890_000, tzinfo=dt.UTC)
        monkeypatch.setattr(changes, "utcnow", lambda: self.now)

    def advance(self, **delta: float) -> str:
        """Move on; answer the new time as the changeset would show it."""
        self.now += dt.timedelta(**delta)
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _changeset(client) -> str:  # type: ignore[no-untyped-def]
    data = json.loads(client.get("/open311/discovery.json").get_data())
    assert data["endpoints"][0]["changeset"] == data["changeset"]
    return str(data["changeset"])


def test_the_changeset_is_when_the_catalogue_was_written_and_stays_there(session, client, clock) -> None:  # type: ignore[no-untyped-def]
    from factories import make_city

    make_city(session)
    session.commit()
    assert _changeset(client) == "2027-03-04T05:06:07Z"
    clock.advance(hours=5)  # requests later, nothing changed: the same answer, in every form of the document
    assert _changeset(client) == "2027-03-04T05:06:07Z"
    assert xml_of(client.get("/open311/v2/discovery.xml"), "discovery").findtext("changeset") == "2027-03-04T05:06:07Z"
    assert json.loads(client.get("/open311/v2/").get_data())["changeset"] == "2027-03-04T05:06:07Z"


def test_renaming_a_service_type_moves_the_changeset_to_that_time(session, client, city, clock) -> None:  # type: ignore[no-untyped-def]
    before = _changeset(client)
    renamed_at = clock.advance(days=2, seconds=13)
    city.pothole.name = "Pothole or sunken road"
    session.commit()
    after = _changeset(client)
    assert after == renamed_at and after != before
    clock.advance(hours=1)
    assert _changeset(client) == renamed_at


@pytest.mark.parametrize(
    "edit",
    [
        lambda city, tree: setattr(tree.attributes[1], "values", [*tree.attributes[1].values, {"key": "yard", "name": "Yard"}]),
        lambda city, tree: setattr(tree.attributes[3], "description", "Height in metres"),
        lambda city, tree: tree.attributes.pop(),  # a question removed
        lambda city, tree: setattr(city.pwd, "name", "Public Works & Parks"),  # a department renamed
        lambda city, tree: setattr(city.streetlight, "active", False),  # a service withdrawn
        lambda city, tree: setattr(city.pothole, "keywords", "hole, road, asphalt"),
    ],
    ids=["attribute-values", "attribute-description", "attribute-removed", "department", "withdrawn", "keywords"],
)
def test_every_published_change_moves_it(session, client, city, clock, edit) -> None:  # type: ignore[no-untyped-def]
    tree = add_tree_service(session, city)
    session.commit()
    changed_at = clock.advance(minutes=30)
    edit(city, tree)
    session.commit()
    assert _changeset(client) == changed_at


def test_internal_settings_and_rolled_back_edits_leave_it(session, client, city, clock) -> None:  # type: ignore[no-untyped-def]
    before = _changeset(client)
    clock.advance(days=1)
    city.pothole.sla_hours = 24  # the service standard is not in the published catalogue
    city.pothole.duplicate_radius_m = 80
    session.commit()
    assert _changeset(client) == before
    clock.advance(days=1)
    city.pothole.name = "Never saved"
    session.flush()
    session.rollback()
    assert _changeset(client) == before


def test_a_city_without_any_recorded_change_answers_a_fixed_time(client) -> None:  # type: ignore[no-untyped-def]
    assert _changeset(client) == "1970-01-01T00:00:00Z" == _changeset(client)
