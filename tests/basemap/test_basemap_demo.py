"""`fieldops demo` builds Boston's basemap from the OpenStreetMap streets beside the checkout, plus the wards."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from data_files import shared_file
from fieldops.basemap import demo, services
from fieldops.settings import Settings
from testapp import running_app


@pytest.fixture
def demo_app(settings: Settings) -> Iterator[Flask]:
    with running_app(settings.with_(demo_basemap=True, basemap_minzoom=12, basemap_maxzoom=13)) as app:
        yield app


def test_demo_builds_the_osm_basemap_with_its_attribution(demo_app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    from factories import make_city
    from fieldops.extensions import db

    shared_file("more/osm_streets_boston.geojson.gz")
    make_city(db.session)
    now = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    assert demo.seed_demo(db.session, rng=random.Random(1), now=now) == []
    current = services.current(services.FileStorage(demo_app.extensions["fieldops.settings"].storage_path))
    assert current is not None
    assert current.attribution == "© OpenStreetMap contributors (ODbL)"
    assert current.name == "Boston" and current.source == "built"
    assert (current.minzoom, current.maxzoom) == (12, 13)
    assert current.layers == ("boundary", "streets", "street_labels")
    assert current.updated_at == "2026-05-01T12:00:00+00:00"
    # Boston's streets reach further than the (Somerville) wards of the test city.
    w, s, e, n = current.bounds
    assert w < -71.15 and e > -71.0 and s < 42.25 and n > 42.39
    assert "Basemap: " in capsys.readouterr().out


def test_demo_without_the_streets_file_says_so(demo_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fieldops.extensions import db

    monkeypatch.setattr(demo, "boston_streets_file", lambda: tmp_path / "missing.geojson.gz")
    assert demo.seed_demo(db.session, rng=random.Random(1), now=dt.datetime.now(dt.UTC)) == []
    assert "Basemap: skipped" in capsys.readouterr().out
    assert services.current(services.FileStorage(demo_app.extensions["fieldops.settings"].storage_path)) is None


def test_demo_is_registered_and_off_in_the_test_settings(app: Flask) -> None:
    from fieldops.demo import demo_steps

    assert "basemap" in [step.name for step in demo_steps(app)]
    assert app.extensions["fieldops.settings"].demo_basemap is False
