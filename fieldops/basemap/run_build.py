"""What the CLI and the demo share: the store, the districts layer, a build with a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from click.termui import progressbar
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.basemap import build as builder
from fieldops.districts.models import District
from fieldops.storage import FileStorage


def storage() -> FileStorage:
    """The app's file store (the basemap lives under basemap/ in it)."""
    from fieldops import get_settings

    return FileStorage(get_settings().storage_path)


def districts_layer(session: Session, kinds: Sequence[str] = ()) -> builder.Layer:
    """The boundary layer from the districts in the database (kind: ward, precinct, ...; all kinds if none given)."""
    query = sa.select(District.kind, District.name, District.geometry).order_by(District.id)
    if kinds:
        query = query.where(District.kind.in_(kinds))
    rows = session.execute(query).all()
    if not rows:
        raise builder.BuildError("--districts-from-db: there are no districts in the database (fieldops import-districts)")
    return builder.boundary_from_geojson((kind, name, geometry) for kind, name, geometry in rows)


def build_with_progress(
    layers: Sequence[builder.Layer], out: Path, *, minzoom: int, maxzoom: int, name: str, attribution: str
) -> builder.BuildResult:
    """build_archive with a click progress bar over the tiles."""
    layers = [layer for layer in layers if layer.features]
    if not layers:
        raise builder.BuildError("nothing to build: give at least one layer (--streets, --parks, --water, --boundary, ...)")
    total = builder.count_tiles(builder.layers_bounds(layers), minzoom, maxzoom)
    with progressbar(length=total, label="Building tiles", file=sys.stderr) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        return builder.build_archive(
            layers, out, minzoom=minzoom, maxzoom=maxzoom, name=name, attribution=attribution, progress=advance
        )
