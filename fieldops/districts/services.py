"""Import district polygons and find the district a point falls in."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree
from sqlalchemy.orm import Session

from fieldops.districts.models import District
from fieldops.errors import DomainError

# Property names that commonly carry a district's code or name in city GeoJSON exports.
CODE_PROPERTIES = ("code", "Ward", "WARD", "ward", "WARD_PRECINCT", "PRECINCT", "District", "DISTRICT", "id", "OBJECTID")
NAME_PROPERTIES = ("name", "Name", "NAME", "label")


class GeoJSONError(DomainError):
    """The file is not usable district GeoJSON; the message says why."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    kind: str


def load_geojson(path: Path) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection from disk with a clear error for the usual mistakes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GeoJSONError(f"No such file: {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoJSONError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONError(f"{path.name} is not a GeoJSON FeatureCollection.")
    return data


def import_districts(
    session: Session,
    collection: Mapping[str, Any],
    *,
    kind: str = "ward",
    code_property: str | None = None,
    name_property: str | None = None,
    name_prefix: str = "",
    source: str = "",
) -> ImportResult:
    """Create or update districts of one kind from a FeatureCollection (re-importing updates, never duplicates)."""
    features = collection.get("features") or []
    if not features:
        raise GeoJSONError("The file has no features.")
    existing = {d.code: d for d in session.scalars(sa.select(District).where(District.kind == kind))}
    created = updated = 0
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = _pick(props, code_property, CODE_PROPERTIES)
        if code is None:
            wanted = code_property or " / ".join(CODE_PROPERTIES)
            raise GeoJSONError(f"Feature {n} has no code property ({wanted}); pass --code-property.")
        if code in seen:
            raise GeoJSONError(f"Feature {n}: code {code!r} appears twice.")
        seen.add(code)
        name = _pick(props, name_property, NAME_PROPERTIES) or f"{name_prefix}{code}"
        geom = _geometry(feature, n)
        minx, miny, maxx, maxy = geom.bounds
        row = existing.get(code)
        if row is None:
            row = District(kind=kind, code=code)
            session.add(row)
            created += 1
        else:
            updated += 1
        row.name = name
        row.geometry = json.dumps(shapely.geometry.mapping(geom))
        row.min_lon, row.min_lat, row.max_lon, row.max_lat = minx, miny, maxx, maxy
        row.source = source
    session.flush()
    return ImportResult(created=created, updated=updated, kind=kind)


def _pick(props: Mapping[str, Any], explicit: str | None, candidates: Iterable[str]) -> str | None:
    keys = (explicit,) if explicit else candidates
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            # Integer-like floats from shapefile exports ("5.0") become "5".
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value)
    return None


def _geometry(feature: Mapping[str, Any], n: int) -> BaseGeometry:
    try:
        geom = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GeoJSONError(f"Feature {n} has no readable geometry.") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeoJSONError(f"Feature {n} is a {geom.geom_type}; districts must be polygons.")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        # e.g. Massachusetts State Plane feet: coordinates in the hundreds of thousands.
        raise GeoJSONError(
            f"Feature {n} has coordinates outside longitude/latitude ({minx:.0f}, {miny:.0f}); "
            "the file looks projected. Reproject it to WGS84 (EPSG:4326) first."
        )
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


class DistrictIndex:
    """Point-in-polygon over many districts with an STRtree; build once, query many times."""

    def __init__(self, districts: Iterable[District]) -> None:
        rows = list(districts)
        self._ids = [d.id for d in rows]
        self._geoms = [shape(json.loads(d.geometry)) for d in rows]
        for g in self._geoms:
            shapely.prepare(g)
        self._tree = STRtree(self._geoms)

    @classmethod
    def load(cls, session: Session, kind: str | None = None) -> DistrictIndex:
        """Index every district (of one kind, if given)."""
        # By id: where districts of several kinds overlap (wards, crew zones), the first loaded wins.
        stmt = sa.select(District).order_by(District.id)
        if kind:
            stmt = stmt.where(District.kind == kind)
        return cls(session.scalars(stmt))

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the district containing the point (covers edges), or None."""
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        return self._ids[int(min(hits))]

    def locate_many(self, lons: Iterable[float], lats: Iterable[float]) -> list[int | None]:
        """Vectorised locate for bulk imports."""
        points = shapely.points(list(lons), list(lats))
        pairs = self._tree.query(points, predicate="intersects")
        out: list[int | None] = [None] * len(points)
        for p, g in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            if out[p] is None:
                out[p] = self._ids[g]
        return out


def districts_geojson(session: Session, kind: str | None = None, simplify_m: float = 5.0) -> dict[str, Any]:
    """Districts as a FeatureCollection for maps, simplified (~metres) to keep pages light."""
    stmt = sa.select(District).order_by(District.kind, District.code)
    if kind:
        stmt = stmt.where(District.kind == kind)
    tolerance = simplify_m / 111_000  # degrees, near enough at city scale
    features = []
    for d in session.scalars(stmt):
        geom = shape(json.loads(d.geometry)).simplify(tolerance, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"id": d.id, "kind": d.kind, "code": d.code, "name": d.name},
                "geometry": shapely.geometry.mapping(shapely.set_precision(geom, 1e-6)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def city_bounds(session: Session) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) around every district, or None when none are loaded."""
    row = session.execute(
        sa.select(sa.func.min(District.min_lon), sa.func.min(District.min_lat), sa.func.max(District.max_lon), sa.func.max(District.max_lat))
    ).one()
    return None if row[0] is None else (row[0], row[1], row[2], row[3])
