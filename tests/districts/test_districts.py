import csv
import gzip
import json

import pytest
import sqlalchemy as sa

from data_files import data_file
from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE
from fieldops.districts.models import District
from fieldops.districts.services import DistrictIndex, GeoJSONError, districts_geojson, import_districts, load_geojson


def _ward_of(session, index: DistrictIndex, point: tuple[float, float]) -> str | None:  # type: ignore[no-untyped-def]
    district_id = index.locate(point[1], point[0])
    return None if district_id is None else session.get(District, district_id).code


def test_somerville_wards_locate_real_places(session) -> None:  # type: ignore[no-untyped-def]
    result = import_districts(session, load_geojson(data_file("somerville_wards.geojson")), kind="ward", code_property="Ward")
    assert (result.created, result.updated) == (7, 0)
    index = DistrictIndex.load(session, kind="ward")
    assert len(index) == 7
    # Each square lies in exactly one ward, and they are not all the same ward.
    wards = {_ward_of(session, index, p) for p in (UNION_SQUARE, DAVIS_SQUARE, CITY_HALL)}
    assert None not in wards and len(wards) == 3
    # Boston Common is not in Somerville.
    assert index.locate(-71.0656, 42.3551) is None


def test_reimport_updates_instead_of_duplicating(session) -> None:  # type: ignore[no-untyped-def]
    data = load_geojson(data_file("somerville_wards.geojson"))
    import_districts(session, data, code_property="Ward")
    again = import_districts(session, data, code_property="Ward")
    assert (again.created, again.updated) == (0, 7)
    assert session.scalar(sa.select(sa.func.count()).select_from(District)) == 7


def test_projected_coordinates_are_refused_with_advice(session) -> None:  # type: ignore[no-untyped-def]
    # City exports often come in Massachusetts State Plane feet with no crs member (Boston's precincts did):
    # coordinates like (775000, 2950000). Make such a file from the real wards.
    import shapely
    from shapely.geometry import mapping, shape

    data = load_geojson(data_file("somerville_wards.geojson"))
    for feature in data["features"]:
        geom = shapely.transform(shape(feature["geometry"]), lambda c: c * [10_000, 70_000])
        feature["geometry"] = mapping(geom)
    with pytest.raises(GeoJSONError, match="Reproject it to WGS84"):
        import_districts(session, data, kind="ward", code_property="Ward")


def test_bad_files_get_clear_errors(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "x.geojson"
    bad.write_text("{not json")
    with pytest.raises(GeoJSONError, match="not valid JSON"):
        load_geojson(bad)
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"Ward": "1"}, "geometry": {"type": "Point", "coordinates": [-71, 42]}}]}))
    with pytest.raises(GeoJSONError, match="must be polygons"):
        import_districts(session, load_geojson(bad))
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": None}]}))
    with pytest.raises(GeoJSONError, match="no code property"):
        import_districts(session, load_geojson(bad))


def test_boston_311_points_fall_in_the_ward_the_city_recorded(session) -> None:  # type: ignore[no-untyped-def]
    """Real geometry check: our point-in-polygon agrees with Boston's own ward field for most 2015 cases."""
    import_districts(session, load_geojson(data_file("boston_wards_2012-2022.geojson")), code_property="WARD")
    index = DistrictIndex.load(session)
    codes = {d.id: d.code for d in session.scalars(sa.select(District))}
    rows = []
    with gzip.open(data_file("boston311_2015_ward_points.csv.gz"), "rt", newline="") as f:
        for row in csv.DictReader(f):
            # Skip the default City Hall geocode that 14% of rows carry: it says nothing about the ward.
            if row["ward"].startswith("Ward ") and row["LATITUDE"] and (row["LATITUDE"], row["LONGITUDE"]) != ("42.3594", "-71.0587"):
                rows.append(row)
            if len(rows) == 3000:
                break
    found = index.locate_many([float(r["LONGITUDE"]) for r in rows], [float(r["LATITUDE"]) for r in rows])
    agree = sum(1 for r, d in zip(rows, found, strict=True) if d is not None and codes[d] == r["ward"].removeprefix("Ward "))
    assert agree / len(rows) > 0.9, f"only {agree}/{len(rows)} agree"
    # locate_many and locate are the same function.
    assert [index.locate(float(r["LONGITUDE"]), float(r["LATITUDE"])) for r in rows[:200]] == found[:200]


def test_map_outline_is_simplified_but_keeps_every_district(session) -> None:  # type: ignore[no-untyped-def]
    import_districts(session, load_geojson(data_file("somerville_wards.geojson")), code_property="Ward")
    fc = districts_geojson(session)
    assert [f["properties"]["code"] for f in fc["features"]] == [str(n) for n in range(1, 8)]
    raw = load_geojson(data_file("somerville_wards.geojson"))
    assert len(json.dumps(fc)) < len(json.dumps(raw))
