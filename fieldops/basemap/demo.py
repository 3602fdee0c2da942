"""The demo's basemap: Boston's OpenStreetMap streets beside the checkout, plus the wards the demo city loaded."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import click
from sqlalchemy.orm import Session

from fieldops.basemap import build as builder
from fieldops.basemap import run_build, services
from fieldops.demo import DemoLogin

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


def boston_streets_file() -> Path:
    """../shared/data/more/osm_streets_boston.geojson.gz beside the checkout (ODbL, not shipped in the repository)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "more" / "osm_streets_boston.geojson.gz"


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """Build and install the Boston basemap, or say why not."""
    from fieldops import get_settings

    settings = get_settings()
    if not settings.demo_basemap:
        return []
    path = boston_streets_file()
    if not path.is_file():
        click.echo(f"Basemap: skipped ({path} is not there); the maps use the configured raster tiles.")
        return []
    session.flush()
    layers = [run_build.districts_layer(session, kinds=("ward",)), *builder.load_streets(path)]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "boston.pmtiles"
        result = run_build.build_with_progress(
            layers, target, minzoom=settings.basemap_minzoom, maxzoom=settings.basemap_maxzoom,
            name="Boston", attribution=OSM_ATTRIBUTION,
        )
        services.install(run_build.storage(), target, source="built", now=now)
    click.echo(f"Basemap: {result.tiles} tiles, {result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s")
    return []
