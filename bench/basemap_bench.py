"""Build time and archive size of the basemap (`fieldops basemap build`) for Cambridge and for Boston.

Cambridge: the city's own GIS layers (../shared/data/cambridge/: centrelines, open space, water, boundary; public
domain). Boston: the OpenStreetMap streets (../shared/data/more/osm_streets_boston.geojson.gz, ODbL) plus the 22
wards (tests/data/boston_wards_2012-2022.geojson), as `fieldops demo` builds it. Zooms 10-16 unless told; each
build is timed from reading the files to the finished archive, and every tile is decoded once afterwards to check.
Targets on the 2-core dev machine: Boston under 60 s and under 15 MB.

    .venv/bin/python bench/basemap_bench.py
    .venv/bin/python bench/basemap_bench.py --minzoom 12 --maxzoom 15 --only cambridge
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mapbox_vector_tile  # noqa: E402
from pmtiles.reader import MmapSource, all_tiles  # noqa: E402

from fieldops.basemap import build as builder  # noqa: E402
from fieldops.basemap.cli import load_layers  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def cambridge() -> list[builder.Layer]:
    c = SHARED / "cambridge"
    return load_layers(
        streets=c / "TRANS_Centerlines.geojson",
        parks=c / "RECREATION_OpenSpace.geojson",
        water=c / "HYDRO_WaterBodies.geojson",
        boundary=c / "BOUNDARY_CityBoundary.geojson",
    )


def boston() -> list[builder.Layer]:
    wards = json.loads((ROOT / "tests" / "data" / "boston_wards_2012-2022.geojson").read_text())["features"]
    boundary = builder.boundary_from_geojson(
        ("ward", str(f["properties"].get("WARD", f["properties"].get("ward", ""))), json.dumps(f["geometry"])) for f in wards
    )
    return [boundary, *builder.load_streets(SHARED / "more" / "osm_streets_boston.geojson.gz")]


CITIES = {
    "cambridge": (cambridge, "Cambridge", "City of Cambridge GIS (public domain)"),
    "boston": (boston, "Boston", "© OpenStreetMap contributors (ODbL)"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minzoom", type=int, default=10)
    parser.add_argument("--maxzoom", type=int, default=16)
    parser.add_argument("--only", choices=sorted(CITIES), action="append")
    args = parser.parse_args()
    print(f"basemap build, zooms {args.minzoom}-{args.maxzoom}")
    print(f"{'city':<10} {'read s':>7} {'tile s':>7} {'total s':>8} {'tiles':>6} {'MB':>6}  per zoom")
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.only or list(CITIES):
            load, name, attribution = CITIES[key]
            started = time.perf_counter()
            layers = load()
            read = time.perf_counter() - started
            out = Path(tmp) / f"{key}.pmtiles"
            result = builder.build_archive(
                layers, out, minzoom=args.minzoom, maxzoom=args.maxzoom, name=name, attribution=attribution
            )
            total = time.perf_counter() - started
            with out.open("rb") as fh:
                decoded = sum(1 for _zxy, data in all_tiles(MmapSource(fh)) if mapbox_vector_tile.decode(gzip.decompress(data)) is not None)
            assert decoded == result.tiles, (decoded, result.tiles)
            zooms = " ".join(f"{z}:{n}" for z, n in sorted(result.tiles_per_zoom.items()))
            print(f"{key:<10} {read:7.1f} {result.seconds:7.1f} {total:8.1f} {result.tiles:6d} {result.bytes / 1e6:6.2f}  {zooms}", flush=True)


if __name__ == "__main__":
    main()
