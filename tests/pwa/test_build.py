"""The asset build: hashed copies, assets.json, determinism, concurrent builders, asset_url."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fieldops import PROJECT_DIR, PWA_DIR
from fieldops.pwa.build import (
    BuildError,
    build_assets,
    ensure_built,
    hashed_name,
    load_build,
    precache_entries,
    tile_route,
)
from fieldops.web.assets import AssetManifest

HASHED = re.compile(r"\.[0-9a-f]{12}(\.[a-z0-9]+)?$")


def _src(root: Path) -> Path:
    """A small pwa/ with the shapes the real one has."""
    files = {
        "css/app.css": "body { color: #1f4e79 }\n",
        "js/app.js": "console.log('hi');\n",
        "icons/icon-192.png": b"\x89PNG fake 192",
        "vendor/leaflet/leaflet.css": ".x { background: url(images/layers.png) }\n",
        "vendor/leaflet/leaflet.js": "var L = {};\n",
        "vendor/leaflet/images/layers.png": b"\x89PNG layers",
        "vendor/leaflet/LICENSE": "BSD\n",
        "vendor/leaflet.markercluster/leaflet.markercluster.js": "/* mc */\n",
        "vendor/workbox/workbox-sw.js": "/* sw */\n",
        "vendor/workbox/workbox-core.prod.js": "/* core */\n",
        "sw-template.js": "/* not a static file */\n",
        ".hidden": "no\n",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_hashed_names() -> None:
    digest = "0123456789abcdef" * 4
    assert hashed_name("css/app.css", digest) == "css/app.0123456789ab.css"
    assert hashed_name("vendor/leaflet.markercluster/leaflet.markercluster.js", digest) == (
        "vendor/leaflet.markercluster/leaflet.markercluster.0123456789ab.js"
    )
    assert hashed_name("vendor/workbox/workbox-core.prod.js", digest) == "vendor/workbox/workbox-core.prod.0123456789ab.js"
    assert hashed_name("vendor/dexie/LICENSE", digest) == "vendor/dexie/LICENSE.0123456789ab"


def test_build_writes_hashed_and_unhashed_copies_and_assets_json(tmp_path: Path) -> None:
    src = _src(tmp_path / "pwa")
    result = build_assets(src)
    dist = src / "dist"
    assert result.out == dist and dist.is_symlink() and result.directory == dist.resolve()
    assets = json.loads((dist / "assets.json").read_text())
    assert assets == dict(result.assets)
    assert "sw-template.js" not in assets and ".hidden" not in assets
    assert not any(k.startswith(("dist/", ".")) for k in assets)
    assert set(assets) == {
        "css/app.css", "js/app.js", "icons/icon-192.png", "vendor/leaflet/leaflet.css", "vendor/leaflet/leaflet.js",
        "vendor/leaflet/images/layers.png", "vendor/leaflet/LICENSE", "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "vendor/workbox/workbox-sw.js", "vendor/workbox/workbox-core.prod.js",
    }  # fmt: skip
    for logical, hashed in assets.items():
        assert HASHED.search(hashed), hashed
        assert hashed.rsplit("/", 1)[0] == logical.rsplit("/", 1)[0]  # same folder: relative URLs keep working
        assert (dist / hashed).read_bytes() == (src / logical).read_bytes()
        assert (dist / logical).read_bytes() == (src / logical).read_bytes()  # the unhashed copy
    # Building again changes nothing and reuses the same directory.
    again = build_assets(src)
    assert again.built is False and again.directory == result.directory


def test_the_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    first = build_assets(_src(tmp_path / "a"))
    second_src = _src(tmp_path / "b")
    os.utime(second_src / "css" / "app.css", (1, 1))  # other times, same contents
    second = build_assets(second_src)
    assert first.build_id == second.build_id
    assert _tree(first.directory) == _tree(second.directory)


def test_a_changed_source_is_rebuilt_and_the_old_build_is_left_for_running_servers(tmp_path: Path) -> None:
    src = _src(tmp_path / "pwa")
    old = ensure_built(src)
    assert old.built and ensure_built(src).built is False
    (src / "css" / "app.css").write_text("body { color: red }\n")
    new = ensure_built(src)
    assert new.built and new.build_id != old.build_id
    assert new.assets["css/app.css"] != old.assets["css/app.css"]
    assert new.assets["js/app.js"] == old.assets["js/app.js"]
    current = load_build(src / "dist")
    assert current is not None and current.directory == new.directory
    # A server that resolved the old build keeps every file it serves.
    assert (old.directory / old.assets["css/app.css"]).is_file()
    (src / "js" / "new.js").write_text("1;\n")
    assert "js/new.js" in ensure_built(src).assets
    (src / "js" / "new.js").unlink()
    assert "js/new.js" not in ensure_built(src).assets


def test_concurrent_builders_agree(tmp_path: Path) -> None:
    src = _src(tmp_path / "pwa")
    code = "import sys; from pathlib import Path; from fieldops.pwa.build import build_assets; print(build_assets(Path(sys.argv[1])).build_id)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(src)], cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    ids = {out.strip() for out, _err in outputs}
    assert len(ids) == 1
    current = load_build(src / "dist")
    assert current is not None and current.build_id in ids
    leftovers = [p.name for p in (src / ".dist-builds").iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_a_source_that_looks_hashed_is_refused(tmp_path: Path) -> None:
    src = _src(tmp_path / "pwa")
    (src / "js" / "x.0123456789ab.js").write_text("1;\n")
    with pytest.raises(BuildError, match="already looks like a hashed name"):
        build_assets(src)


def test_the_real_pwa_folder_builds(tmp_path: Path) -> None:
    result = build_assets(PWA_DIR, tmp_path / "dist")
    for logical in ("css/app.css", "js/app.js", "js/sw-register.js", "vendor/htmx/htmx.min.js", "vendor/workbox/workbox-sw.js"):
        assert logical in result.assets
    assert "sw-template.js" not in result.assets
    assert not any(k.startswith("dist/") for k in result.assets)


def test_precache_manifest(tmp_path: Path) -> None:
    build = build_assets(_src(tmp_path / "pwa"))
    entries = precache_entries(build, extra=[{"url": "/offline", "revision": "abc"}])
    by_url = {e["url"]: e["revision"] for e in entries}
    assert by_url[f"/static/{build.assets['css/app.css']}"] is None
    assert by_url[f"/static/{build.assets['vendor/leaflet/leaflet.js']}"] is None
    # Leaflet loads its images by unhashed relative names: precached under that URL, with a revision.
    assert re.fullmatch(r"[0-9a-f]{12}", by_url["/static/vendor/leaflet/images/layers.png"])
    assert by_url["/offline"] == "abc"
    assert not any("workbox" in url or "LICENSE" in url for url in by_url)


def test_tile_routes() -> None:
    osm = tile_route("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert osm is not None and osm["origin"] == "https://a.tile.openstreetmap.org" and osm["pathPrefix"] == "/"
    pattern = re.compile(osm["pattern"])
    assert pattern.match("https://b.tile.openstreetmap.org/13/2478/3029.png")
    assert not pattern.match("https://evil.example/13/2478/3029.png")
    assert not pattern.match("https://b.tile.openstreetmap.org.evil.example/13/1/2.png")
    local = tile_route("http://127.0.0.1:9/tiles/{z}/{x}/{y}.png")
    assert local == {
        "origin": "http://127.0.0.1:9",
        "pathPrefix": "/tiles/",
        "pattern": r"^http:\/\/127\.0\.0\.1:9\/tiles\/-?\d+\/-?\d+\/-?\d+\.png(?:\?.*)?$",
    }
    assert tile_route("/relative/{z}/{x}/{y}.png") is None


def test_asset_manifest_uses_the_build(tmp_path: Path) -> None:
    src = _src(tmp_path / "pwa")
    manifest = AssetManifest(src)
    assert manifest.build is not None and manifest.static_root == manifest.build.directory
    url = manifest.url("css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url)
    assert manifest.is_immutable("", url) and not manifest.is_immutable("", "/static/css/app.css")
    with pytest.raises(FileNotFoundError):
        manifest.url("css/nope.css")


def test_asset_manifest_falls_back_to_query_versions_without_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _src(tmp_path / "pwa")

    def read_only(*_args: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr("fieldops.web.assets.ensure_built", read_only)
    manifest = AssetManifest(src)
    assert manifest.build is None and manifest.static_root == src
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", manifest.url("css/app.css"))
    with pytest.raises(FileNotFoundError):
        manifest.url("../secret.txt")
    # An existing build is still used when it cannot be refreshed.
    build_assets(src)
    assert AssetManifest(src).build is not None


def test_build_assets_command(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _src(tmp_path / "pwa")
    result = app.test_cli_runner().invoke(args=["build-assets", "--src", str(src)])
    assert result.exit_code == 0, result.output
    assert "10 files built" in result.output
    assert (src / "dist" / "assets.json").is_file()
    again = app.test_cli_runner().invoke(args=["build-assets", "--src", str(src)])
    assert "already up to date" in again.output


def test_text_files_get_a_gzip_copy_that_whitenoise_sends(tmp_path: Path) -> None:
    import gzip

    from fieldops.web.assets import static_files

    result = build_assets(PWA_DIR, tmp_path / "dist")
    leaflet = result.directory / result.assets["vendor/leaflet/leaflet.js"]
    packed = leaflet.with_name(leaflet.name + ".gz").read_bytes()
    assert gzip.decompress(packed) == leaflet.read_bytes() and len(packed) < leaflet.stat().st_size / 2
    assert not list(result.directory.rglob("*.png.gz"))  # images are compressed already
    manifest = AssetManifest(PWA_DIR, tmp_path / "dist")
    app = static_files(lambda environ, start: [], manifest)
    seen: dict[str, str] = {}
    answer = app({"REQUEST_METHOD": "GET", "PATH_INFO": "/static/" + result.assets["vendor/leaflet/leaflet.js"],
                  "HTTP_ACCEPT_ENCODING": "gzip", "wsgi.url_scheme": "http", "SERVER_NAME": "x", "SERVER_PORT": "80"},
                 lambda status, headers: seen.update(headers))
    try:
        body = b"".join(answer)
    finally:
        answer.close()
    assert seen.get("Content-Encoding") == "gzip" and body == packed
