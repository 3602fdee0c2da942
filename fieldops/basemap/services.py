"""The installed basemap: one PMTiles archive in the store, named by its content hash, and a manifest beside it.

The archive is `basemap/<version>.pmtiles` (version: the first 16 hex digits of its SHA-256), the manifest
`basemap/current.json`. Installing writes the new archive first, then swaps the manifest atomically, and only then
deletes the old archive, so a reader sees the old basemap or the new one, never neither.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pmtiles.reader import Reader
from pmtiles.tile import Compression, MagicNumberNotFound, SpecVersionUnsupported, TileType, deserialize_directory

from fieldops.storage import FileStorage, StorageError

MANIFEST_KEY = "basemap/current.json"
VERSION_RE = re.compile(r"^[0-9a-f]{16}$")
HEADER_BYTES = 127


class ArchiveError(Exception):
    """A file is not a usable PMTiles v3 vector-tile archive; the message says why, in one line."""


@dataclass(frozen=True)
class ArchiveInfo:
    bounds: tuple[float, float, float, float]
    minzoom: int
    maxzoom: int
    layers: tuple[str, ...]
    attribution: str
    name: str
    built_at: str | None
    tiles: int


@dataclass(frozen=True)
class Basemap:
    version: str
    bytes: int
    updated_at: str  # ISO 8601, UTC: when it was built or imported
    source: str  # "built" or "imported"
    bounds: tuple[float, float, float, float]
    minzoom: int
    maxzoom: int
    layers: tuple[str, ...]
    attribution: str
    name: str

    @property
    def key(self) -> str:
        return archive_key(self.version)


def archive_key(version: str) -> str:
    """The storage key of the archive of `version`."""
    return f"basemap/{version}.pmtiles"


def read_archive(path: Path) -> ArchiveInfo:
    """Check that `path` is a complete PMTiles v3 archive of vector tiles and read its metadata."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    if len(data) < HEADER_BYTES or not data.startswith(b"PMTiles"):
        if data.startswith(b"PM") and len(data) >= 8:
            raise ArchiveError(f"{path.name}: a PMTiles version {data[2]} archive; only version 3 can be used")
        raise ArchiveError(f"{path.name}: not a PMTiles archive (no 'PMTiles' signature at the start)")

    def get_bytes(offset: int, length: int) -> bytes:
        if offset + length > len(data):
            raise ArchiveError(f"{path.name}: the file is truncated ({len(data)} bytes; its header needs {offset + length})")
        return data[offset : offset + length]

    reader = Reader(get_bytes)  # type: ignore[no-untyped-call]
    try:
        header = reader.header()  # type: ignore[no-untyped-call]
    except MagicNumberNotFound as exc:
        raise ArchiveError(f"{path.name}: not a PMTiles archive (no 'PMTiles' signature at the start)") from exc
    except SpecVersionUnsupported as exc:
        raise ArchiveError(f"{path.name}: a PMTiles version {data[7]} archive; only version 3 can be used") from exc
    except ValueError as exc:  # an unknown compression or tile type byte
        raise ArchiveError(f"{path.name}: the PMTiles header is damaged ({exc})") from exc
    if header["tile_type"] != TileType.MVT:
        raise ArchiveError(f"{path.name}: holds {header['tile_type'].name} tiles; a basemap needs vector tiles (MVT)")
    end = header["tile_data_offset"] + header["tile_data_length"]
    if end > len(data):
        raise ArchiveError(f"{path.name}: the file is truncated ({len(data)} bytes of {end})")
    try:
        root = get_bytes(header["root_offset"], header["root_length"])
        if header["internal_compression"] == Compression.GZIP:
            entries = deserialize_directory(root)
        else:
            raise ArchiveError(f"{path.name}: directories compressed with {header['internal_compression'].name}; only gzip is supported")
        metadata = reader.metadata()  # type: ignore[no-untyped-call]
    except ArchiveError:
        raise
    except (OSError, EOFError, ValueError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"{path.name}: the directory or metadata cannot be read ({exc})") from exc
    if not entries:
        raise ArchiveError(f"{path.name}: the archive holds no tiles")
    if not isinstance(metadata, dict):
        raise ArchiveError(f"{path.name}: the metadata is not a JSON object")
    layers = tuple(str(layer.get("id")) for layer in metadata.get("vector_layers") or [] if isinstance(layer, dict))
    e7 = 1e7
    bounds = (header["min_lon_e7"] / e7, header["min_lat_e7"] / e7, header["max_lon_e7"] / e7, header["max_lat_e7"] / e7)
    return ArchiveInfo(
        bounds=bounds,
        minzoom=int(header["min_zoom"]),
        maxzoom=int(header["max_zoom"]),
        layers=layers,
        attribution=str(metadata.get("attribution") or ""),
        name=str(metadata.get("name") or path.stem),
        built_at=str(metadata["built_at"]) if metadata.get("built_at") else None,
        tiles=int(header["addressed_tiles_count"]),
    )


def current(storage: FileStorage) -> Basemap | None:
    """The installed basemap, or None."""
    try:
        raw = json.loads(storage.read(MANIFEST_KEY))
    except (StorageError, ValueError):
        return None
    if not isinstance(raw, dict) or not VERSION_RE.match(str(raw.get("version", ""))):
        return None
    try:
        raw["bounds"] = tuple(raw["bounds"])
        raw["layers"] = tuple(raw["layers"])
        return Basemap(**raw)
    except (KeyError, TypeError):  # a manifest from another version of fieldops, or edited by hand
        return None


def install(storage: FileStorage, path: Path, *, source: str, now: dt.datetime | None = None) -> Basemap:
    """Check the archive at `path`, copy it into the store under its content hash and make it the current basemap
    (replacing the previous one, which is deleted only after the swap)."""
    info = read_archive(path)
    data = path.read_bytes()
    version = hashlib.sha256(data).hexdigest()[:16]
    previous = current(storage)
    storage.save(archive_key(version), data)
    basemap = Basemap(
        version=version,
        bytes=len(data),
        updated_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        source=source,
        bounds=info.bounds,
        minzoom=info.minzoom,
        maxzoom=info.maxzoom,
        layers=info.layers,
        attribution=info.attribution,
        name=info.name,
    )
    storage.save(MANIFEST_KEY, json.dumps(asdict(basemap), indent=1).encode())
    if previous is not None and previous.version != version:
        storage.delete(previous.key)
    return basemap


def archive_path(storage: FileStorage, version: str) -> Path | None:
    """The file of the archive `version` if it is the installed one, else None."""
    basemap = current(storage)
    if not VERSION_RE.match(version) or basemap is None or basemap.version != version:
        return None
    path = storage.path(archive_key(version))
    return path if path.is_file() else None


def as_json(basemap: Basemap, url: str) -> dict[str, Any]:
    """The /basemap/current.json document (the browser side's contract)."""
    return {
        "version": basemap.version,
        "url": url,
        "bytes": basemap.bytes,
        "updated_at": basemap.updated_at,
        "bounds": list(basemap.bounds),
        "minzoom": basemap.minzoom,
        "maxzoom": basemap.maxzoom,
        "layers": list(basemap.layers),
        "attribution": basemap.attribution,
    }
