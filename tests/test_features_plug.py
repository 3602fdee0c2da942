"""Features plug in from their own init_app: nav, offline pages, demo loaders and signal receivers (issue #11)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

import plugfeature
from factories import make_city, make_job
from fieldops import create_app, signals
from fieldops.demo import demo_notes, demo_steps
from fieldops.nav import all_nav_entries, nav_entries_for
from fieldops.offline.services import offline_manifest
from fieldops.settings import Settings
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrderStatus
from helpers import login
from testapp import running_app


@pytest.fixture
def plugged(settings: Settings) -> Iterator[Flask]:
    """The app with the test-only feature after the project's own."""
    with running_app(settings, ("plugfeature",)) as app:
        yield app


def test_the_nav_lists_every_features_links_in_order(app: Flask) -> None:
    assert [e.endpoint for e in all_nav_entries()] == [
        "workorders.my_work",
        "workorders.overview",
        "dispatch.triage",
        "sla.admin",
        "performance.index",
        "sync.conflicts",
        "servicerequests.new",
        "outreach.events",
        "visits.my_visits",
        "open311.admin.index",
    ]


def test_a_plugged_in_feature_brings_its_nav_entry_offline_pages_and_demo(plugged: Flask) -> None:
    from fieldops.extensions import db

    city = make_city(db.session)
    db.session.commit()
    endpoints = [e.endpoint for e in nav_entries_for(city.alice)]
    assert endpoints == ["workorders.my_work", "plugfeature.page", "servicerequests.new"]
    assert "plugfeature.page" not in [e.endpoint for e in nav_entries_for(city.sam)]
    client = plugged.test_client()
    login(client, "alice")
    html = client.get("/my-work").get_data(as_text=True)
    assert '<a href="/plug-test" id="nav-plug">Plug (7)</a>' in html
    manifest = offline_manifest(db.session, city.alice)
    assert manifest.pages[0] == "/my-work" and manifest.pages[1:3] == ["/requests/new", "/plug-test"]
    assert manifest.data[-1] == f"/plug-test?user={city.alice.id}"
    assert [s.name for s in demo_steps()] == ["city", "dispatch", "visits", "outreach", "plugfeature", "open311", "basemap", "updated-at"]
    assert demo_notes()[0] == "plug note" and demo_notes()[1].startswith("Open311 demo API key")


def test_the_project_app_has_none_of_the_test_features_registrations(app: Flask) -> None:
    assert "plugfeature" not in app.blueprints
    assert "plugfeature.page" not in [e.endpoint for e in all_nav_entries()]
    assert "plugfeature" not in [s.name for s in demo_steps()]


def test_request_closed_reaches_the_receivers_of_the_sending_app_once(settings: Settings, plugged: Flask) -> None:
    from fieldops.extensions import db

    # More apps with the same feature: each connects its own receiver, none hears another app's signal.
    others = [create_app(settings, extra_features=("plugfeature",)) for _ in range(2)]
    signals.request_closed.connect(plugfeature.on_request_closed, sender=plugged)  # again: a no-op
    city = make_city(db.session)
    wo = make_job(db.session, city, service_type=city.streetlight)  # no photo needed to complete
    db.session.commit()
    plugfeature.closed.clear()
    workorders.change_status(db.session, city.alice, wo, WorkOrderStatus.EN_ROUTE, expected_version=None)
    workorders.change_status(db.session, city.alice, wo, WorkOrderStatus.ON_SITE, expected_version=None)
    workorders.change_status(db.session, city.alice, wo, WorkOrderStatus.COMPLETED, expected_version=None, resolution="Filled.")
    assert plugfeature.closed == [(plugged, wo.request_id)]
    del others  # alive (and connected) until the signal was sent
