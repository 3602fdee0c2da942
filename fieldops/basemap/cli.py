"""`fieldops basemap build` and `fieldops basemap import`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldops.basemap import build as builder
from fieldops.basemap import services

GEOJSON = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("basemap")
def basemap() -> None:
    """The city's street map for offline use: one PMTiles archive of vector tiles."""


@basemap.command("build")
@click.option("--streets", type=GEOJSON, help="Street centrelines (LineStrings) with names, GeoJSON in WGS84.")
@click.option("--parks", type=GEOJSON, help="Parks and open space (polygons).")
@click.option("--water", type=GEOJSON, help="Water bodies (polygons).")
@click.option("--boundary", type=GEOJSON, help="The city boundary (polygon).")
@click.option("--buildings", type=GEOJSON, help="Building footprints (polygons, drawn from zoom 14).")
@click.option("--districts-from-db", is_flag=True, help="Add the districts (wards) in the database to the boundary layer.")
@click.option("--minzoom", type=click.IntRange(0, 20), help="Default: FIELDOPS_BASEMAP_MINZOOM (10).")
@click.option("--maxzoom", type=click.IntRange(0, 20), help="Default: FIELDOPS_BASEMAP_MAXZOOM (16).")
@click.option("--name-field", help="Property of --streets holding the street name (guessed if omitted: name, Street, ...).")
@click.option("--class-field", help="Property of --streets holding the street class (guessed: highway, MajorRoad, ...).")
@click.option("--name", "title", help="The basemap's name (default: the city name).")
@click.option("--attribution", default="", help="Who the data is from, shown on the map, e.g. '© OpenStreetMap contributors (ODbL)'.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the archive here.")
@click.option("--install/--no-install", default=None, help="Make it the app's basemap (default: yes unless -o is given).")
@with_appcontext
def build_command(
    streets: Path | None,
    parks: Path | None,
    water: Path | None,
    boundary: Path | None,
    buildings: Path | None,
    districts_from_db: bool,
    minzoom: int | None,
    maxzoom: int | None,
    name_field: str | None,
    class_field: str | None,
    title: str | None,
    attribution: str,
    output: Path | None,
    install: bool | None,
) -> None:
    """Build the basemap from the city's GeoJSON layers (WGS84 longitude/latitude)."""
    from fieldops import get_settings
    from fieldops.basemap import run_build
    from fieldops.extensions import db

    settings = get_settings()
    try:
        layers = load_layers(
            streets=streets, parks=parks, water=water, boundary=boundary, buildings=buildings,
            name_field=name_field, class_field=class_field,
        )
        if districts_from_db:
            # Under the streets, like the city boundary.
            at = next((i for i, layer in enumerate(layers) if layer.name == "streets"), len(layers))
            layers.insert(at, run_build.districts_layer(db.session()))
    except builder.BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    install = output is None if install is None else install
    lo = settings.basemap_minzoom if minzoom is None else minzoom
    hi = settings.basemap_maxzoom if maxzoom is None else maxzoom
    with tempfile.TemporaryDirectory() as tmp:
        target = output or Path(tmp) / "basemap.pmtiles"
        try:
            result = run_build.build_with_progress(
                layers, target, minzoom=lo, maxzoom=hi, name=title or settings.city_name, attribution=attribution
            )
        except builder.BuildError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(summary(result))
        if install:
            installed = services.install(run_build.storage(), target, source="built")
            click.echo(f"Installed as basemap version {installed.version}.")


def load_layers(
    *,
    streets: Path | None = None,
    parks: Path | None = None,
    water: Path | None = None,
    boundary: Path | None = None,
    buildings: Path | None = None,
    name_field: str | None = None,
    class_field: str | None = None,
) -> list[builder.Layer]:
    """Read the given layer files, in drawing order (water under parks under boundaries under streets)."""
    layers: list[builder.Layer] = []
    if water:
        layers.append(builder.load_polygons(water, "water"))
    if parks:
        layers.append(builder.load_polygons(parks, "parks"))
    if boundary:
        layers.append(builder.load_polygons(boundary, "boundary", kind="city"))
    if buildings:
        layers.append(builder.load_polygons(buildings, "buildings"))
    if streets:
        layers.extend(builder.load_streets(streets, name_field=name_field, class_field=class_field))
    return layers


def summary(result: builder.BuildResult) -> str:
    """The one line a build ends with."""
    return (
        f"Basemap: {result.tiles} tiles (zooms {result.minzoom}-{result.maxzoom}), {result.bytes:,} bytes "
        f"({result.bytes / 1e6:.1f} MB), {result.seconds:.1f} s; layers: {', '.join(result.layers)}"
    )


@basemap.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Install an existing PMTiles v3 vector-tile archive (e.g. a Protomaps extract) as the basemap."""
    from fieldops.basemap import run_build

    try:
        installed = services.install(run_build.storage(), file, source="imported")
    except services.ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    w, s, e, n = installed.bounds
    click.echo(
        f"Imported {file.name} as basemap version {installed.version}: {installed.bytes:,} bytes, "
        f"zooms {installed.minzoom}-{installed.maxzoom}, bounds {w:.4f},{s:.4f},{e:.4f},{n:.4f}, "
        f"layers: {', '.join(installed.layers) or '(none listed)'}"
    )
