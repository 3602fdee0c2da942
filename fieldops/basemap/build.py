"""Build a PMTiles v3 archive of Mapbox vector tiles from a city's GeoJSON layers.

Every geometry is projected to Web Mercator once, simplified once per zoom (to a fraction of a pixel there), and
put in one STRtree per layer and zoom; each tile then asks the trees for what touches it, clips that to the tile
(plus a small buffer, so strokes do not end at tile edges) and hands it to mapbox-vector-tile, which quantizes to
the tile's 4096 grid. The pmtiles package writes the archive. Nothing here encodes tiles or archives by hand.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
import shapely.affinity
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

EARTH_HALF = 20037508.342789244  # half the Web Mercator world width, metres
MAX_LAT = 85.0511287798066
EXTENT = 4096
BUFFER = 64 / EXTENT  # of a tile's width, each side

# OSM `highway` values by importance; the rest are minor streets.
MAJOR = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link"}
MEDIUM = {"secondary", "secondary_link", "tertiary", "tertiary_link"}
# Below this zoom only major streets, below MINOR_FROM only major and medium ones.
MEDIUM_FROM = 11
MINOR_FROM = 13
LABELS_FROM = 14
NAME_FIELDS = ("name", "NAME", "Street", "STREET", "FULL_NAME", "FULLNAME", "ST_NAME", "STREETNAME", "Label")
CLASS_FIELDS = ("highway", "MajorRoad", "class", "CLASS", "FUNC_CLASS", "ROADCLASS")
LAYERS = ("water", "parks", "boundary", "buildings", "streets", "street_labels")


class BuildError(Exception):
    """A layer file cannot be used (unreadable, not GeoJSON, projected coordinates, no features)."""


@dataclass
class Feature:
    geometry: BaseGeometry  # Web Mercator metres
    properties: dict[str, Any]
    minzoom: int = 0


@dataclass
class Layer:
    name: str
    features: list[Feature]
    fields: dict[str, str] = field(default_factory=dict)
    minzoom: int = 0


@dataclass(frozen=True)
class BuildResult:
    path: Path
    tiles: int
    tiles_per_zoom: dict[int, int]
    bytes: int
    seconds: float
    bounds: tuple[float, float, float, float]
    minzoom: int
    maxzoom: int
    layers: tuple[str, ...]
    metadata: dict[str, Any]


def read_geojson(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection file (gzip-compressed if it ends in .gz)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        doc = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path.name}: not a readable GeoJSON file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise BuildError(f"{path.name}: not a GeoJSON FeatureCollection")
    return [f for f in doc["features"] if isinstance(f, dict) and f.get("geometry")]


def _lonlat_geometry(feature: Mapping[str, Any], name: str, n: int) -> BaseGeometry:
    try:
        geom = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BuildError(f"{name}: feature {n} has no readable geometry") from exc
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BuildError(
            f"{name}: feature {n} has coordinates outside longitude/latitude ({minx:.0f}, {miny:.0f}); "
            "the file looks projected. Reproject it to WGS84 (EPSG:4326) first."
        )
    return geom


def to_mercator(geom: BaseGeometry) -> BaseGeometry:
    """Longitude/latitude degrees to Web Mercator metres."""

    def project(coords: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        lon = coords[:, 0]
        lat = np.clip(coords[:, 1], -MAX_LAT, MAX_LAT)
        x = lon * EARTH_HALF / 180.0
        y = np.log(np.tan((90.0 + lat) * math.pi / 360.0)) * EARTH_HALF / math.pi
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


def _pick(props: Mapping[str, Any], explicit: str | None, candidates: Sequence[str]) -> Any:
    for key in (explicit,) if explicit else candidates:
        value = props.get(key)
        if value not in (None, ""):
            return value
    return None


def street_kind(value: Any) -> str:
    """major / medium / minor from an OSM `highway` value or a numeric class field (1 major, 2 medium)."""
    if isinstance(value, str):
        if value in MAJOR:
            return "major"
        if value in MEDIUM:
            return "medium"
        if value.isdigit():
            value = int(value)
        else:
            return "minor"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {1: "major", 2: "medium"}.get(int(value), "minor")
    return "minor"


def _kind_minzoom(kind: str) -> int:
    return {"major": 0, "medium": MEDIUM_FROM}.get(kind, MINOR_FROM)


def load_streets(path: Path, *, name_field: str | None = None, class_field: str | None = None) -> tuple[Layer, Layer]:
    """The streets layer (lines with name, kind) and the street_labels layer (the same names, merged per street)."""
    features: list[Feature] = []
    by_name: dict[str, list[BaseGeometry]] = {}
    for n, raw in enumerate(read_geojson(path), start=1):
        geom = _lonlat_geometry(raw, path.name, n)
        if geom.geom_type not in ("LineString", "MultiLineString"):
            continue
        props = raw.get("properties") or {}
        name = _pick(props, name_field, NAME_FIELDS)
        highway = _pick(props, class_field, CLASS_FIELDS)
        kind = street_kind(highway)
        merc = to_mercator(geom)
        out: dict[str, Any] = {"kind": kind}
        if name is not None:
            out["name"] = str(name)
            by_name.setdefault(str(name), []).append(merc)
        if isinstance(highway, str) and not highway.isdigit():
            out["highway"] = highway
        features.append(Feature(merc, out, minzoom=_kind_minzoom(kind)))
    if not features:
        raise BuildError(f"{path.name}: no line features (street centrelines are LineStrings)")
    labels = [
        Feature(shapely.line_merge(shapely.union_all(parts)), {"name": name}, minzoom=LABELS_FROM)
        for name, parts in sorted(by_name.items())
    ]
    streets = Layer("streets", features, {"name": "String", "kind": "String", "highway": "String"})
    return streets, Layer("street_labels", labels, {"name": "String"}, minzoom=LABELS_FROM)


def load_polygons(path: Path, layer: str, *, name_field: str | None = None, kind: str | None = None) -> Layer:
    """A polygon layer (water, parks, boundary, buildings) with the name when the file has one."""
    features: list[Feature] = []
    for n, raw in enumerate(read_geojson(path), start=1):
        geom = _lonlat_geometry(raw, path.name, n)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        props = raw.get("properties") or {}
        out: dict[str, Any] = {}
        name = _pick(props, name_field, ("name", "NAME", "Name"))
        if name is not None:
            out["name"] = str(name)
        if kind:
            out["kind"] = kind
        features.append(Feature(to_mercator(geom), out, minzoom=14 if layer == "buildings" else 0))
    if not features:
        raise BuildError(f"{path.name}: no polygon features for the {layer} layer")
    return Layer(layer, features, {"name": "String", "kind": "String"}, minzoom=14 if layer == "buildings" else 0)


def boundary_from_geojson(items: Iterable[tuple[str, str, str]]) -> Layer:
    """The boundary layer from (kind, name, GeoJSON geometry text) rows, e.g. the wards in the database."""
    features = []
    for kind, name, text in items:
        geom = shape(json.loads(text))
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        features.append(Feature(to_mercator(geom), {"kind": kind, "name": name}))
    return Layer("boundary", features, {"name": "String", "kind": "String"})


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A tile's (minx, miny, maxx, maxy) in Web Mercator metres (XYZ scheme, y down from the north)."""
    size = 2 * EARTH_HALF / (1 << z)
    minx = -EARTH_HALF + x * size
    maxy = EARTH_HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """The XYZ tiles (x0, y0, x1, y1, inclusive) covering lon/lat `bounds` at zoom z."""
    w, s, e, n = bounds
    count = 1 << z

    def tx(lon: float) -> int:
        return min(count - 1, max(0, int((lon + 180.0) / 360.0 * count)))

    def ty(lat: float) -> int:
        lat = max(-MAX_LAT, min(MAX_LAT, lat))
        r = math.radians(lat)
        return min(count - 1, max(0, int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * count)))

    return tx(w), ty(n), tx(e), ty(s)


def _mercator_to_lonlat_bounds(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    def lon(x: float) -> float:
        return x * 180.0 / EARTH_HALF

    def lat(y: float) -> float:
        return math.degrees(math.atan(math.sinh(y * math.pi / EARTH_HALF)))

    return lon(b[0]), lat(b[1]), lon(b[2]), lat(b[3])


class _ZoomIndex:
    """One layer's features simplified for one zoom, in an STRtree."""

    def __init__(self, layer: Layer, z: int) -> None:
        pixel = 2 * EARTH_HALF / (1 << z) / 256
        kept = [f for f in layer.features if f.minzoom <= z]
        geoms = np.array([f.geometry for f in kept], dtype=object)
        # Half a screen pixel: invisible at this zoom, and most vertices of long lines and coastlines go.
        simplified = shapely.simplify(geoms, pixel * 0.5, preserve_topology=True) if len(geoms) else geoms
        self.geoms = simplified
        self.props = [f.properties for f in kept]
        self.tree = shapely.STRtree(simplified)
        self.is_label = layer.name == "street_labels"

    def features(self, box: tuple[float, float, float, float], inner: tuple[float, float, float, float]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in self.tree.query(shapely.box(*box)):
            geom = shapely.clip_by_rect(self.geoms[i], *(box if not self.is_label else inner))
            if geom.is_empty:
                continue
            if self.is_label:
                # One point per street per tile, halfway along its longest piece inside the tile.
                parts = list(getattr(geom, "geoms", [geom]))
                longest = max(parts, key=lambda g: g.length)
                if longest.length <= 0:
                    continue
                out.append({"geometry": longest.interpolate(0.5, normalized=True), "properties": self.props[i]})
                continue
            for part in _parts(geom):
                out.append({"geometry": part, "properties": self.props[i]})
        return out


def _to_grid(features: list[dict[str, Any]], inner: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """Features moved to the tile's 0..4096 grid (y up; the encoder flips it) and snapped to whole units with
    shapely.set_precision, which keeps polygons valid where snapping would fold them; what collapses is dropped."""
    minx, miny, maxx, maxy = inner
    scale = EXTENT / (maxx - minx)
    out = []
    for feature in features:
        geom = shapely.affinity.affine_transform(feature["geometry"], [scale, 0, 0, scale, -minx * scale, -miny * scale])
        geom = shapely.set_precision(geom, 1.0)
        for part in _parts(geom):
            if part.is_empty:
                continue
            out.append({"geometry": part, "properties": feature["properties"]})
    return out


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    """A clipped geometry as the encoder takes it: collections (from clipping a polygon along an edge) split into
    their pieces, points and empty bits dropped."""
    if geom.geom_type != "GeometryCollection":
        return [geom]
    return [part for part in getattr(geom, "geoms", []) if not part.is_empty and shapely.get_dimensions(part) > 0]


def build_archive(
    layers: Sequence[Layer],
    out: Path,
    *,
    minzoom: int,
    maxzoom: int,
    name: str,
    attribution: str,
    progress: Callable[[int], None] | None = None,
) -> BuildResult:
    """Tile `layers` for zooms minzoom..maxzoom into the PMTiles archive `out`; `progress(n)` after each n tiles."""
    if not 0 <= minzoom <= maxzoom <= 20:
        raise BuildError(f"zooms must satisfy 0 <= minzoom <= maxzoom <= 20, not {minzoom}-{maxzoom}")
    layers = [layer for layer in layers if layer.features]
    if not layers:
        raise BuildError("nothing to build: give at least one layer")
    started = time.perf_counter()
    bounds = layers_bounds(layers)
    tiles_per_zoom: dict[int, int] = {}
    encoded: list[tuple[int, bytes]] = []
    for z in range(minzoom, maxzoom + 1):
        indexes = [(layer.name, _ZoomIndex(layer, z)) for layer in layers if layer.minzoom <= z]
        x0, y0, x1, y1 = tile_range(bounds, z)
        tiles_per_zoom[z] = (x1 - x0 + 1) * (y1 - y0 + 1)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                inner = tile_bounds(z, x, y)
                pad = (inner[2] - inner[0]) * BUFFER
                box = (inner[0] - pad, inner[1] - pad, inner[2] + pad, inner[3] + pad)
                tile_layers = []
                for layer_name, index in indexes:
                    feats = _to_grid(index.features(box, inner), inner)
                    if feats:
                        tile_layers.append({"name": layer_name, "features": feats})
                data = mapbox_vector_tile.encode(
                    tile_layers, default_options={"extents": EXTENT, "on_invalid_geometry": _make_valid}
                )
                encoded.append((zxy_to_tileid(z, x, y), gzip.compress(data, compresslevel=9, mtime=0)))
            if progress:
                progress(y1 - y0 + 1)
    encoded.sort(key=lambda item: item[0])
    metadata = {
        "name": name,
        "attribution": attribution,
        "bounds": list(bounds),
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "vector_layers": [
            {"id": layer.name, "fields": layer.fields, "minzoom": max(minzoom, layer.minzoom), "maxzoom": maxzoom}
            for layer in layers
        ],
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generator": "fieldops basemap build",
    }
    w, s, e, n = bounds
    header: dict[str, Any] = {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_lon_e7": int(w * 1e7),
        "min_lat_e7": int(s * 1e7),
        "max_lon_e7": int(e * 1e7),
        "max_lat_e7": int(n * 1e7),
        "center_zoom": max(minzoom, min(maxzoom, 13)),
        "center_lon_e7": int((w + e) / 2 * 1e7),
        "center_lat_e7": int((s + n) / 2 * 1e7),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        writer = Writer(fh)  # type: ignore[no-untyped-call]
        for tile_id, data in encoded:
            writer.write_tile(tile_id, data)  # type: ignore[no-untyped-call]
        writer.finalize(header, metadata)  # type: ignore[no-untyped-call]
    return BuildResult(
        path=out,
        tiles=len(encoded),
        tiles_per_zoom=tiles_per_zoom,
        bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        bounds=bounds,
        minzoom=minzoom,
        maxzoom=maxzoom,
        layers=tuple(layer.name for layer in layers),
        metadata=metadata,
    )


def count_tiles(bounds: tuple[float, float, float, float], minzoom: int, maxzoom: int) -> int:
    """How many tiles build_archive writes for lon/lat `bounds` (the progress bar's length)."""
    total = 0
    for z in range(minzoom, maxzoom + 1):
        x0, y0, x1, y1 = tile_range(bounds, z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def layers_bounds(layers: Sequence[Layer]) -> tuple[float, float, float, float]:
    """The lon/lat bounds of every feature of `layers`."""
    merc = shapely.total_bounds(np.array([f.geometry for layer in layers for f in layer.features], dtype=object))
    return _mercator_to_lonlat_bounds((float(merc[0]), float(merc[1]), float(merc[2]), float(merc[3])))


def _make_valid(geom: BaseGeometry) -> BaseGeometry | None:
    fixed = shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        polygons = [g for g in getattr(fixed, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polygons) if polygons else shapely.Polygon()
    return None if fixed.is_empty else fixed

