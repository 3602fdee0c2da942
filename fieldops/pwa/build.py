"""The asset build: content-hashed copies of pwa/ in pwa/dist/, and the service worker text.

Layout (all under pwa/, gitignored)::

    dist -> .dist-builds/<build id>      a relative symlink, swapped atomically
    .dist-builds/<build id>/             one complete, never-modified build:
        css/app.<12 hex>.css             hashed copy (served immutable)
        css/app.css                      unhashed copy (CSS refers to images relatively)
        assets.json                      logical path -> hashed path
    .dist-builds/state.json              fingerprint of the sources of the current build
    .dist-builds/.lock                   builders take it in turn (flock)

A running server resolves the symlink once and keeps serving its own build even while another
process (a test run, `fieldops build-assets`) builds and swaps in a newer one; the build id is
a hash of assets.json, so the same sources always give the same directory, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

log = logging.getLogger(__name__)

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
SW_TEMPLATE = "sw-template.js"
MANIFEST_NAME = "assets.json"
STATE_NAME = "state.json"
HASH_LEN = 12
# name.<12 hex>.ext or name.<12 hex> (files without an extension, e.g. LICENSE)
HASHED_NAME_RE = re.compile(r"\.[0-9a-f]{12}(?:\.[^./]+)?$")
# Old builds are kept a while: a server started earlier may still be serving one.
KEEP_OLD_BUILDS = 5
STALE_TMP_SECONDS = 3600

# What the service worker precaches (hashed URLs, revision null); the worker's own workbox modules are not
# precached: it loads them with importScripts, and the browser keeps those itself. workbox-window (an ES module
# of the pages, vendor/workbox/workbox-window.prod.mjs) is.
PRECACHE_SUFFIXES = frozenset({".js", ".mjs", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".woff", ".woff2"})
PRECACHE_EXCLUDE_PREFIXES = ("vendor/workbox/",)
WORKBOX_SW = "vendor/workbox/workbox-sw.js"
WORKBOX_DIR = "vendor/workbox/"
SW_CONFIG_PLACEHOLDER = "/*@fieldops-config*/ {}"

# The names the pages and the service worker share, written once: the worker gets them in its injected
# config (render_service_worker), the pages in base.html's #fieldops-config (pwa/js/caches.js reads it).
CACHE_PREFIX = "fieldops"
CACHE_NAMES: Mapping[str, str] = {
    "pages": f"{CACHE_PREFIX}-pages",  # HTML pages, NetworkFirst; per user
    "data": f"{CACHE_PREFIX}-data",  # GET /api/... JSON, NetworkFirst; per user
    "tiles": f"{CACHE_PREFIX}-tiles",  # map tiles, CacheFirst
}
USER_CACHES: tuple[str, ...] = ("pages", "data")  # dropped on sign-out and when another user signs in
OUTBOX_SYNC_TAG = f"{CACHE_PREFIX}-outbox"  # the Background Sync tag the outbox registers
# The user's start record (kept in the data cache by "Ready for offline"): the worker opens "/" from it offline,
# the offline page takes its links from it. Served by fieldops/offline/views.py.
START_DATA_URL = "/api/offline/start.json"
OFFLINE_PAGE_URL = "/offline"


def client_config() -> dict[str, Any]:
    """What both sides need: cache names (and which are per user) and the Background Sync tag."""
    return {
        "cachePrefix": CACHE_PREFIX,
        "caches": dict(CACHE_NAMES),
        "userCaches": [CACHE_NAMES[k] for k in USER_CACHES],
        "syncTag": OUTBOX_SYNC_TAG,
        "startData": START_DATA_URL,
        "offlinePage": OFFLINE_PAGE_URL,
    }


# ES modules: pwa/js/<name>.js is imported as "fieldops/<name>", vendored modules by their npm name. Every module
# imports bare names only, so no file's bytes (and hash) depend on another file's hashed name: the import map in
# base.html maps each name to its hashed URL.
MODULE_DIR = "js/"
MODULE_PREFIX = "fieldops/"
VENDOR_MODULES: Mapping[str, str] = {
    "dexie": "vendor/dexie/dexie.min.mjs",
    "workbox-window": "vendor/workbox/workbox-window.prod.mjs",
}


def module_paths(logical_paths: Iterable[str]) -> dict[str, str]:
    """Import-map name -> logical path, for every page module and vendored ES module among logical_paths."""
    present = set(logical_paths)
    names: dict[str, str] = {}
    for logical in sorted(present):
        if logical.startswith(MODULE_DIR) and logical.endswith(".js"):
            names[MODULE_PREFIX + logical[len(MODULE_DIR) : -len(".js")]] = logical
    for name, logical in VENDOR_MODULES.items():
        if logical not in present:
            raise BuildError(f"pwa/{logical} is missing (the import map names it {name!r}); run scripts/vendor_frontend.py")
        names[name] = logical
    return names


def import_map(logical_paths: Iterable[str], url: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """The page's import map: every module name -> its URL (hashed in a build)."""
    return {"imports": {name: url(logical) for name, logical in module_paths(logical_paths).items()}}


class BuildError(RuntimeError):
    """The sources cannot be built (e.g. a file name that already looks hashed)."""


@dataclass(frozen=True)
class BuildResult:
    """One complete build: where it is and what it maps."""

    out: Path  # the stable path (pwa/dist), a symlink to `directory`
    directory: Path  # the concrete, immutable build directory
    build_id: str
    assets: Mapping[str, str]  # logical path -> hashed path, both relative to /static/
    built: bool  # False when an identical build already existed and was reused

    @property
    def hashed(self) -> frozenset[str]:
        """Every hashed path of the build (what is served as immutable)."""
        return frozenset(self.assets.values())


# ---------------------------------------------------------------------------------- sources


def _builds_dir(out: Path) -> Path:
    return out.parent / f".{out.name}-builds"


def source_files(src: Path, out: Path | None = None) -> list[tuple[str, Path]]:
    """Every static file under src as (logical posix path, file), sorted; skips the build output,
    the service worker template and dotfiles."""
    src = src.resolve()
    skip: set[Path] = set()
    if out is not None:
        parent = out.absolute().parent.resolve()
        skip = {parent / out.name, parent / _builds_dir(out).name}
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(src):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d != "__pycache__" and (here / d) not in skip and not (here == src and d == "dist")
        )
        for name in filenames:
            if name.startswith(".") or name.endswith("~") or (here == src and name == SW_TEMPLATE):
                continue
            file = here / name
            found.append((file.relative_to(src).as_posix(), file))
    found.sort()
    return found


def fingerprint(src: Path, out: Path) -> str:
    """A cheap summary of the sources (path, size, mtime): equal fingerprints need no rebuild."""
    h = hashlib.sha256(str(src.resolve()).encode() + b"\0" + BUILD_FORMAT)
    for logical, file in source_files(src, out):
        st = file.stat()
        h.update(f"\0{logical}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def hashed_name(logical: str, digest: str) -> str:
    """css/app.css + digest -> css/app.<12 hex>.css; LICENSE -> LICENSE.<12 hex>."""
    p = PurePosixPath(logical)
    short = digest[:HASH_LEN]
    if p.suffix and p.stem:
        return str(p.with_name(f"{p.stem}.{short}{p.suffix}"))
    return str(p.with_name(f"{p.name}.{short}"))


# What a build directory holds besides the files (bumped when that changes, so older builds are not reused):
# "gz1" = a gzip copy beside each text file, which WhiteNoise sends to browsers that accept gzip.
BUILD_FORMAT = b"gz1"
GZIP_SUFFIXES = frozenset({".js", ".mjs", ".css", ".svg", ".json", ".webmanifest", ".txt", ".html", ".map"})
GZIP_MIN_BYTES = 500


def _write_gzip(dest: Path, data: bytes) -> None:
    """dest.gz beside dest for a text file (Leaflet's 148 KB are 42 KB gzipped); mtime 0, so builds stay byte for byte."""
    if dest.suffix not in GZIP_SUFFIXES or len(data) < GZIP_MIN_BYTES:
        return
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(packed) < len(data) * 0.95:
        dest.with_name(dest.name + ".gz").write_bytes(packed)


def _manifest_bytes(assets: Mapping[str, str]) -> bytes:
    return (json.dumps(dict(sorted(assets.items())), indent=2, sort_keys=True) + "\n").encode()


# ---------------------------------------------------------------------------------- building


def build_assets(src: Path = PWA_DIR, out: Path | None = None) -> BuildResult:
    """Build src into out (default src/dist): hashed + unhashed copies and assets.json.

    Safe to run from several processes at once; a build identical to an existing one reuses it."""
    out = (out if out is not None else src / "dist").absolute()
    with _lock(_builds_dir(out)):
        return _build_locked(src, out)


def ensure_built(src: Path = PWA_DIR, out: Path | None = None) -> BuildResult:
    """The current build, (re)building first only if the sources changed since it was made."""
    out = (out if out is not None else src / "dist").absolute()
    current = _current_if_fresh(src, out)
    if current is not None:
        return current
    with _lock(_builds_dir(out)):
        # Another process may have built while we waited for the lock.
        return _current_if_fresh(src, out) or _build_locked(src, out)


def load_build(out: Path) -> BuildResult | None:
    """The build out points to, or None if there is none."""
    out = out.absolute()
    try:
        directory = out.resolve(strict=True)
        assets = json.loads((directory / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(assets, dict):
        return None
    return BuildResult(out=out, directory=directory, build_id=directory.name, assets=assets, built=False)


def _current_if_fresh(src: Path, out: Path) -> BuildResult | None:
    try:
        state = json.loads((_builds_dir(out) / STATE_NAME).read_text())
    except (OSError, ValueError):
        return None
    current = load_build(out)
    if current is None or not isinstance(state, dict) or state.get("build") != current.build_id:
        return None
    if state.get("fingerprint") != fingerprint(src, out):
        return None
    return current


def _build_locked(src: Path, out: Path) -> BuildResult:
    builds = _builds_dir(out)
    fp = fingerprint(src, out)  # before reading: a file edited during the build makes the next check stale
    files = source_files(src, out)
    assets: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    for logical, file in files:
        if HASHED_NAME_RE.search(PurePosixPath(logical).name):
            raise BuildError(f"pwa/{logical} already looks like a hashed name; rename it")
        data = file.read_bytes()
        contents[logical] = data
        assets[logical] = hashed_name(logical, hashlib.sha256(data).hexdigest())
    manifest = _manifest_bytes(assets)
    build_id = hashlib.sha256(manifest + BUILD_FORMAT).hexdigest()[:16]
    target = builds / build_id
    built = False
    if not (target / MANIFEST_NAME).is_file():
        tmp = builds / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            tmp.mkdir(parents=True)
            for logical, data in contents.items():
                for rel in (logical, assets[logical]):
                    dest = tmp / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data)
                    _write_gzip(dest, data)
            (tmp / MANIFEST_NAME).write_bytes(manifest)  # last: a directory with assets.json is complete
            if target.exists():
                shutil.rmtree(target)  # an incomplete leftover (no assets.json)
            os.rename(tmp, target)
            built = True
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.utime(target)  # recently used: kept by the clean-up below
    _point(out, target)
    _write_atomic(builds / STATE_NAME, json.dumps({"build": build_id, "fingerprint": fp}).encode())
    _clean_up(builds, keep=target)
    log.info("pwa assets %s: %d files, build %s", "built" if built else "up to date", len(assets), build_id)
    return BuildResult(out=out, directory=target.resolve(), build_id=build_id, assets=assets, built=built)


def _point(out: Path, target: Path) -> None:
    """Make out a symlink to target, atomically (rename over the old link)."""
    link = out.parent / f".{out.name}.link-{os.getpid()}-{secrets.token_hex(4)}"
    os.symlink(os.path.relpath(target, out.parent), link, target_is_directory=True)
    try:
        if out.is_dir() and not out.is_symlink():
            # A real directory from an older layout: move it away first (rename cannot replace it).
            aside = _builds_dir(out) / f".tmp-old-{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(out, aside)
            shutil.rmtree(aside, ignore_errors=True)
        os.replace(link, out)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _clean_up(builds: Path, keep: Path) -> None:
    """Drop all but the newest few builds, and temporary folders a crashed build left behind."""
    now = time.time()
    old: list[tuple[float, Path]] = []
    for entry in builds.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        mtime = entry.stat().st_mtime
        if entry.name.startswith(".tmp-"):
            if now - mtime > STALE_TMP_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        else:
            old.append((mtime, entry))
    old.sort(reverse=True)
    for _mtime, entry in old[KEEP_OLD_BUILDS:]:
        shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _lock(builds: Path) -> Iterator[None]:
    builds.mkdir(parents=True, exist_ok=True)
    with open(builds / ".lock", "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # not POSIX: builds are still atomic, just not serialised
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------- service worker


def precache_entries(build: BuildResult, extra: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The precache manifest, sorted: then `extra` (e.g. the offline page).

    Scripts, styles, images and fonts; not licences, and not the workbox modules (the worker loads
    those with importScripts and the browser keeps them with the worker). Pages link files by their
    hashed URL (revision null), but vendored libraries load their images by relative, unhashed
    names (leaflet.css -> images/layers.png; Leaflet's marker icons): those are precached under
    the unhashed URL, with the content hash as revision."""
    entries: list[dict[str, Any]] = []
    for logical, hashed in sorted(build.assets.items()):
        suffix = PurePosixPath(logical).suffix.lower()
        if suffix not in PRECACHE_SUFFIXES or (logical.startswith(PRECACHE_EXCLUDE_PREFIXES) and suffix != ".mjs"):
            continue
        if logical.startswith("vendor/") and suffix not in (".js", ".mjs", ".css"):
            entries.append({"url": f"/static/{logical}", "revision": _digest_of(hashed)})
        else:
            entries.append({"url": f"/static/{hashed}", "revision": None})
    entries.extend(dict(e) for e in extra)
    return entries


def _digest_of(hashed: str) -> str:
    match = HASHED_NAME_RE.search(hashed)
    assert match is not None, hashed
    return match.group(0)[1 : 1 + HASH_LEN]


def tile_route(tile_url: str) -> dict[str, str] | None:
    """What the worker needs to recognise tile requests: origin, path prefix and a full-URL regex."""
    from urllib.parse import urlsplit

    if not tile_url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(tile_url.replace("{s}", "a"))
    path = parts.path
    prefix = path[: path.index("{")] if "{" in path else path
    prefix = prefix[: prefix.rfind("/") + 1] or "/"
    pattern = ""
    for piece in re.split(r"(\{[^}]*\})", tile_url):
        if piece == "{s}":
            pattern += r"[a-z0-9-]+"
        elif piece in ("{z}", "{x}", "{y}", "{-y}"):
            pattern += r"-?\d+"
        elif piece == "{r}":
            pattern += r"(?:@2x)?"
        elif piece.startswith("{") and piece.endswith("}"):
            pattern += r"[^/?#]*"
        else:
            pattern += re.sub(r"[.*+?^${}()|\[\]\\/]", lambda m: "\\" + m.group(0), piece)
    # Query parameters (an API key) may follow in any order; tile servers ignore extra ones.
    if "?" not in tile_url:
        pattern += r"(?:\?.*)?"
    return {"origin": f"{parts.scheme}://{parts.netloc}", "pathPrefix": prefix, "pattern": f"^{pattern}$"}


def render_service_worker(
    template: str,
    build: BuildResult,
    *,
    precache: Sequence[Mapping[str, Any]],
    tiles: Mapping[str, str] | None,
) -> str:
    """The worker's final text: the template with its config object injected.

    The config carries the precache manifest, the hashed URLs of the workbox modules and the tile
    route; its `version` is the hash of everything else in the text, so any change to an asset,
    to the template or to the settings changes the bytes of /sw.js and the browser updates it."""
    if template.count(SW_CONFIG_PLACEHOLDER) != 1:
        raise BuildError(f"{SW_TEMPLATE} must contain {SW_CONFIG_PLACEHOLDER!r} exactly once")
    modules = {
        PurePosixPath(logical).name.removesuffix(".prod.js"): f"/static/{hashed}"
        for logical, hashed in sorted(build.assets.items())
        if logical.startswith(WORKBOX_DIR) and logical.endswith(".prod.js")
    }
    if WORKBOX_SW not in build.assets:
        raise BuildError(f"pwa/{WORKBOX_SW} is missing")
    config: dict[str, Any] = {
        "version": "",
        "workboxSw": f"/static/{build.assets[WORKBOX_SW]}",
        "workboxPrefix": f"/static/{WORKBOX_DIR}",
        "workboxModules": modules,
        "precache": list(precache),
        "tiles": dict(tiles) if tiles else None,
        **client_config(),
    }

    def text() -> str:
        return template.replace(SW_CONFIG_PLACEHOLDER, json.dumps(config, indent=2, sort_keys=True))

    config["version"] = hashlib.sha256(text().encode()).hexdigest()[:HASH_LEN]
    return text()


def content_revision(data: str | bytes) -> str:
    """A precache revision for a URL whose content is not in its name."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:HASH_LEN]
