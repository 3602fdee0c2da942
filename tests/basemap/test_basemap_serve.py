"""fieldops basemap import, the installed basemap, and its HTTP routes (Range requests, versions, sign-in)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from data_files import shared_file
from fieldops.basemap import build as builder
from fieldops.basemap import services
from fieldops.basemap.cli import basemap, load_layers
from helpers import login


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    layers = load_layers(
        streets=shared_file("cambridge/TRANS_Centerlines.geojson"), boundary=shared_file("cambridge/BOUNDARY_CityBoundary.geojson")
    )
    out = tmp_path_factory.mktemp("basemap") / "cambridge.pmtiles"
    builder.build_archive(layers, out, minzoom=12, maxzoom=14, name="Cambridge", attribution="City of Cambridge GIS (public domain)")
    return out


def _import(app: Flask, path: Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(basemap, ["import", str(path)])


def test_import_installs_the_archive_under_its_hash(app: Flask, archive: Path) -> None:
    result = _import(app, archive)
    assert result.exit_code == 0, result.output
    version = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    assert f"basemap version {version}" in result.output
    assert "zooms 12-14" in result.output and "streets, street_labels" in result.output
    storage = services.FileStorage(app.extensions["fieldops.settings"].storage_path)
    current = services.current(storage)
    assert current is not None and current.version == version and current.source == "imported"
    assert storage.path(f"basemap/{version}.pmtiles").read_bytes() == archive.read_bytes()


def test_import_again_replaces_and_removes_the_previous_file(app: Flask, archive: Path, tmp_path: Path) -> None:
    assert _import(app, archive).exit_code == 0
    storage = services.FileStorage(app.extensions["fieldops.settings"].storage_path)
    first = services.current(storage)
    assert first is not None
    other = tmp_path / "other.pmtiles"
    builder.build_archive(
        load_layers(boundary=shared_file("cambridge/BOUNDARY_CityBoundary.geojson")), other, minzoom=12, maxzoom=12, name="B", attribution=""
    )
    assert _import(app, other).exit_code == 0
    second = services.current(storage)
    assert second is not None and second.version != first.version
    assert not storage.exists(first.key) and storage.exists(second.key)


def test_truncated_archive_is_refused(app: Flask, archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = _import(app, cut)
    assert result.exit_code != 0
    assert "cut.pmtiles: the file is truncated" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert services.current(services.FileStorage(app.extensions["fieldops.settings"].storage_path)) is None


def test_header_only_archive_is_refused(app: Flask, archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "head.pmtiles"
    cut.write_bytes(archive.read_bytes()[:127])
    result = _import(app, cut)
    assert result.exit_code != 0 and "truncated" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": []}' + b" " * 200, "not a PMTiles archive"),
        (b"PM\x02" + b"\x00" * 300, "a PMTiles version 2 archive; only version 3 can be used"),
        (b"PMTiles\x02" + b"\x00" * 300, "a PMTiles version 2 archive; only version 3 can be used"),
        (b"", "not a PMTiles archive"),
    ],
)
def test_not_a_pmtiles_v3_file_is_refused(app: Flask, tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.pmtiles"
    bad.write_bytes(content)
    result = _import(app, bad)
    assert result.exit_code != 0
    assert f"Error: bad.pmtiles: {message}" in result.output


def test_raster_archive_is_refused(app: Flask, archive: Path, tmp_path: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[99] = 2  # tile type: PNG
    png = tmp_path / "raster.pmtiles"
    png.write_bytes(bytes(data))
    result = _import(app, png)
    assert result.exit_code != 0 and "holds PNG tiles; a basemap needs vector tiles (MVT)" in result.output


def test_build_command_installs_and_summarises(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        basemap,
        ["build", "--boundary", str(shared_file("cambridge/BOUNDARY_CityBoundary.geojson")), "--minzoom", "12", "--maxzoom", "13",
         "--attribution", "City of Cambridge GIS (public domain)"],
    )
    assert result.exit_code == 0, result.output
    assert "Basemap: " in result.output and " tiles (zooms 12-13), " in result.output and " bytes " in result.output
    current = services.current(services.FileStorage(app.extensions["fieldops.settings"].storage_path))
    assert current is not None and current.source == "built" and (current.minzoom, current.maxzoom) == (12, 13)


def test_build_refuses_a_projected_file(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "feet.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[759000, 2960000], [759100, 2960000], [759100, 2960100], [759000, 2960000]]]}}
    ]}))
    result = app.test_cli_runner().invoke(basemap, ["build", "--parks", str(bad)])
    assert result.exit_code != 0 and "the file looks projected" in result.output


def fetch(client: FlaskClient, url: str, method: str = "GET", **kw: Any) -> TestResponse:
    """One request, its body read and the file it streamed from closed."""
    resp = client.open(url, method=method, **kw)
    resp.get_data()
    resp.close()
    return resp


@pytest.fixture
def installed(app: Flask, archive: Path) -> services.Basemap:
    assert _import(app, archive).exit_code == 0
    current = services.current(services.FileStorage(app.extensions["fieldops.settings"].storage_path))
    assert current is not None
    return current


@pytest.fixture
def signed_in(client: FlaskClient, city: object) -> FlaskClient:
    login(client, "alice")
    return client


def test_current_json_when_none_is_installed(signed_in: FlaskClient) -> None:
    resp = signed_in.get("/basemap/current.json")
    assert resp.status_code == 404
    assert resp.is_json and "error" in resp.get_json()


def test_current_json_describes_the_installed_basemap(signed_in: FlaskClient, installed: services.Basemap) -> None:
    resp = signed_in.get("/basemap/current.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["version"] == installed.version
    assert doc["url"] == f"/basemap/{installed.version}.pmtiles"
    assert doc["bytes"] == installed.bytes
    assert doc["updated_at"].endswith("+00:00")
    assert len(doc["bounds"]) == 4 and doc["bounds"][0] < doc["bounds"][2] and doc["bounds"][1] < doc["bounds"][3]
    assert (doc["minzoom"], doc["maxzoom"]) == (12, 14)
    assert doc["layers"] == ["boundary", "streets", "street_labels"]
    assert doc["attribution"] == "City of Cambridge GIS (public domain)"
    assert "no-cache" in resp.headers["Cache-Control"]


def test_full_archive(signed_in: FlaskClient, installed: services.Basemap, archive: Path) -> None:
    resp = fetch(signed_in, f"/basemap/{installed.version}.pmtiles")
    assert resp.status_code == 200
    assert resp.data == archive.read_bytes()
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.headers["ETag"] == f'"{installed.version}"'
    assert "immutable" in resp.headers["Cache-Control"] and "max-age=31536000" in resp.headers["Cache-Control"]
    assert resp.headers["Content-Length"] == str(installed.bytes)


def test_range_requests(signed_in: FlaskClient, installed: services.Basemap, archive: Path) -> None:
    data = archive.read_bytes()
    url = f"/basemap/{installed.version}.pmtiles"
    head = fetch(signed_in, url, headers={"Range": "bytes=0-126"})
    assert head.status_code == 206
    assert head.data == data[:127] and head.data.startswith(b"PMTiles\x03")
    assert head.headers["Content-Range"] == f"bytes 0-126/{len(data)}"
    middle = fetch(signed_in, url, headers={"Range": "bytes=1000-1999"})
    assert middle.status_code == 206 and middle.data == data[1000:2000]
    tail = fetch(signed_in, url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == data[-100:]
    beyond = fetch(signed_in, url, headers={"Range": f"bytes={len(data) + 10}-{len(data) + 20}"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    # A stale copy cannot be mixed with this one: If-Range with another validator gets the whole file.
    other = fetch(signed_in, url, headers={"Range": "bytes=0-9", "If-Range": '"0000000000000000"'})
    assert other.status_code == 200 and other.data == data


def test_head_and_conditional(signed_in: FlaskClient, installed: services.Basemap) -> None:
    url = f"/basemap/{installed.version}.pmtiles"
    head = fetch(signed_in, url, "HEAD")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(installed.bytes) and head.headers["Accept-Ranges"] == "bytes"
    assert fetch(signed_in, url, headers={"If-None-Match": f'"{installed.version}"'}).status_code == 304


def test_unknown_version_is_404(signed_in: FlaskClient, installed: services.Basemap) -> None:
    assert fetch(signed_in, "/basemap/0123456789abcdef.pmtiles").status_code == 404
    assert fetch(signed_in, "/basemap/..%2Fsecret_key.pmtiles").status_code == 404
    assert fetch(signed_in, "/basemap/current.pmtiles").status_code == 404


def test_sign_in_required(client: FlaskClient, installed: services.Basemap) -> None:
    archive = fetch(client, f"/basemap/{installed.version}.pmtiles", headers={"Range": "bytes=0-126"})
    assert archive.status_code == 302 and "/login" in archive.headers["Location"]
    doc = fetch(client, "/basemap/current.json", headers={"Accept": "application/json"})
    assert doc.status_code == 401


def test_build_with_districts_from_the_database(app: Flask, city: object) -> None:
    result = app.test_cli_runner().invoke(basemap, ["build", "--districts-from-db", "--minzoom", "12", "--maxzoom", "12", "--no-install", "-o", str(app.instance_path) + "/wards.pmtiles"])
    assert result.exit_code == 0, result.output
    info = services.read_archive(Path(app.instance_path) / "wards.pmtiles")
    assert info.layers == ("boundary",)
    # Somerville's wards (tests/data/somerville_wards.geojson).
    assert -71.14 < info.bounds[0] < -71.12 and 42.41 < info.bounds[3] < 42.42
    assert services.current(services.FileStorage(app.extensions["fieldops.settings"].storage_path)) is None


def test_build_districts_from_an_empty_database(app: Flask) -> None:
    result = app.test_cli_runner().invoke(basemap, ["build", "--districts-from-db"])
    assert result.exit_code != 0 and "there are no districts in the database" in result.output
