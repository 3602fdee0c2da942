"""fieldops basemap build on Cambridge's public-domain layers: the tiles, their contents, the archive's metadata."""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
import shapely
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import TileType
from shapely.geometry import shape

from data_files import shared_file
from fieldops.basemap import build as builder
from fieldops.basemap.cli import load_layers

LAYER_FILES = {
    "streets": "cambridge/TRANS_Centerlines.geojson",
    "parks": "cambridge/RECREATION_OpenSpace.geojson",
    "water": "cambridge/HYDRO_WaterBodies.geojson",
    "boundary": "cambridge/BOUNDARY_CityBoundary.geojson",
}
MINZOOM, MAXZOOM = 12, 15


@pytest.fixture(scope="module")
def cambridge(tmp_path_factory: pytest.TempPathFactory) -> builder.BuildResult:
    files = {layer: shared_file(name) for layer, name in LAYER_FILES.items()}
    layers = load_layers(**files)
    out = tmp_path_factory.mktemp("basemap") / "cambridge.pmtiles"
    return builder.build_archive(
        layers, out, minzoom=MINZOOM, maxzoom=MAXZOOM, name="Cambridge", attribution="City of Cambridge GIS (public domain)"
    )


@pytest.fixture(scope="module")
def tiles(cambridge: builder.BuildResult) -> dict[tuple[int, int, int], dict[str, Any]]:
    with cambridge.path.open("rb") as fh:
        return {zxy: mapbox_vector_tile.decode(gzip.decompress(data)) for zxy, data in all_tiles(MmapSource(fh))}


def _input_bounds() -> tuple[float, float, float, float]:
    geoms = [
        shape(f["geometry"])
        for name in LAYER_FILES.values()
        for f in json.loads(shared_file(name).read_text())["features"]
        if f.get("geometry")
    ]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return float(minx), float(miny), float(maxx), float(maxy)


def _expected_tiles(bounds: tuple[float, float, float, float], z: int) -> int:
    """Slippy-map tile numbers (OSM wiki formula), counted independently of the builder."""
    w, s, e, n = bounds

    def xy(lon: float, lat: float) -> tuple[int, int]:
        count = 2**z
        x = int((lon + 180) / 360 * count)
        y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * count)
        return x, y

    x0, y0 = xy(w, n)
    x1, y1 = xy(e, s)
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def test_tile_count_per_zoom_covers_the_bounds(cambridge: builder.BuildResult, tiles: dict[tuple[int, int, int], Any]) -> None:
    per_zoom = Counter(z for z, _x, _y in tiles)
    bounds = _input_bounds()
    assert dict(per_zoom) == {z: _expected_tiles(bounds, z) for z in range(MINZOOM, MAXZOOM + 1)}
    assert cambridge.tiles == sum(per_zoom.values())
    assert per_zoom[15] > per_zoom[14] > per_zoom[13]


def test_archive_header_and_metadata(cambridge: builder.BuildResult) -> None:
    with cambridge.path.open("rb") as fh:
        reader = Reader(MmapSource(fh))
        header, metadata = reader.header(), reader.metadata()
    assert header["tile_type"] == TileType.MVT
    assert (header["min_zoom"], header["max_zoom"]) == (MINZOOM, MAXZOOM)
    w, s, e, n = _input_bounds()
    assert header["min_lon_e7"] / 1e7 == pytest.approx(w, abs=1e-6)
    assert header["min_lat_e7"] / 1e7 == pytest.approx(s, abs=1e-6)
    assert header["max_lon_e7"] / 1e7 == pytest.approx(e, abs=1e-6)
    assert header["max_lat_e7"] / 1e7 == pytest.approx(n, abs=1e-6)
    assert metadata["bounds"] == pytest.approx([w, s, e, n], abs=1e-6)
    assert metadata["name"] == "Cambridge"
    assert metadata["attribution"] == "City of Cambridge GIS (public domain)"
    assert (metadata["minzoom"], metadata["maxzoom"]) == (MINZOOM, MAXZOOM)
    assert {layer["id"] for layer in metadata["vector_layers"]} == {"water", "parks", "boundary", "streets", "street_labels"}
    assert metadata["built_at"].endswith("+00:00")


def test_every_tile_decodes_and_carries_the_layers(tiles: dict[tuple[int, int, int], dict[str, Any]]) -> None:
    assert tiles
    seen: Counter[str] = Counter()
    for _zxy, tile in tiles.items():
        for name, layer in tile.items():
            assert layer["extent"] == 4096
            assert layer["features"], name
            seen[name] += 1
    assert {"water", "parks", "boundary", "streets", "street_labels"} <= set(seen)


def test_street_names_and_kinds(tiles: dict[tuple[int, int, int], dict[str, Any]]) -> None:
    at15 = {name for (z, _x, _y), tile in tiles.items() if z == 15 for f in tile.get("street_labels", {}).get("features", []) for name in [f["properties"]["name"]]}
    assert {"Massachusetts Ave", "Cambridge St", "Brattle St"} <= at15
    labels15 = [f for (z, _x, _y), tile in tiles.items() if z == 15 for f in tile.get("street_labels", {}).get("features", [])]
    assert all(f["geometry"]["type"] == "Point" for f in labels15)
    kinds = Counter(f["properties"]["kind"] for (z, _x, _y), t in tiles.items() if z == 15 for f in t.get("streets", {}).get("features", []))
    assert set(kinds) == {"major", "medium", "minor"}
    # Minor streets are left out below zoom 13, labels below 14.
    kinds12 = {f["properties"]["kind"] for (z, _x, _y), t in tiles.items() if z == 12 for f in t.get("streets", {}).get("features", [])}
    assert "minor" not in kinds12 and "major" in kinds12
    assert not any("street_labels" in t for (z, _x, _y), t in tiles.items() if z < 14)


def test_lower_zooms_are_simplified(tiles: dict[tuple[int, int, int], dict[str, Any]]) -> None:
    def vertices(z: int) -> int:
        total = 0
        for (tz, _x, _y), tile in tiles.items():
            if tz == z:
                for f in tile.get("water", {}).get("features", []):
                    total += len(json.dumps(f["geometry"]["coordinates"]))
        return total

    # One z12 tile covers what sixteen z14 tiles do, with far fewer vertices.
    assert 0 < vertices(12) < vertices(14) / 2


def test_projected_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "stateplane.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Main St"}, "geometry": {"type": "LineString", "coordinates": [[759000, 2960000], [759100, 2960100]]}}
    ]}))
    with pytest.raises(builder.BuildError, match="looks projected. Reproject it to WGS84"):
        builder.load_streets(bad)


def test_zoom_settings_from_the_environment(tmp_path: Path) -> None:
    from fieldops.settings import Settings, SettingsError

    env = {"FIELDOPS_INSTANCE_PATH": str(tmp_path), "FIELDOPS_SECRET_KEY": "x" * 32}
    default = Settings.from_env(env)
    assert (default.basemap_minzoom, default.basemap_maxzoom) == (10, 16)
    chosen = Settings.from_env({**env, "FIELDOPS_BASEMAP_MINZOOM": "12", "FIELDOPS_BASEMAP_MAXZOOM": "15"})
    assert (chosen.basemap_minzoom, chosen.basemap_maxzoom) == (12, 15)
    with pytest.raises(SettingsError, match="FIELDOPS_BASEMAP_MINZOOM"):
        Settings.from_env({**env, "FIELDOPS_BASEMAP_MINZOOM": "17"})
    with pytest.raises(SettingsError, match="FIELDOPS_BASEMAP_MAXZOOM"):
        Settings.from_env({**env, "FIELDOPS_BASEMAP_MAXZOOM": "ten"})
