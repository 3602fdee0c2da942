"""Typed settings: the one place that reads the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class SettingsError(ValueError):
    """A setting in the environment has a value we cannot use."""


# Whole-number settings with a lower bound: field -> (variable, smallest allowed value).
_BOUNDED = {
    "login_max_failures": ("FIELDOPS_LOGIN_MAX_FAILURES", 1),
    "login_max_failures_per_ip": ("FIELDOPS_LOGIN_MAX_FAILURES_PER_IP", 1),
    "login_throttle_minutes": ("FIELDOPS_LOGIN_THROTTLE_MINUTES", 1),
    "proxy_hops": ("FIELDOPS_PROXY_HOPS", 0),
    "remember_days": ("FIELDOPS_REMEMBER_DAYS", 1),
    "max_photos_per_form": ("FIELDOPS_MAX_PHOTOS_PER_FORM", 1),
    "photo_decode_slots": ("FIELDOPS_PHOTO_DECODE_SLOTS", 1),
    "photo_decode_queue": ("FIELDOPS_PHOTO_DECODE_QUEUE", 0),
    "client_time_past_days": ("FIELDOPS_CLIENT_TIME_PAST_DAYS", 1),
    "client_time_future_minutes": ("FIELDOPS_CLIENT_TIME_FUTURE_MINUTES", 0),
    "max_json_kb": ("FIELDOPS_MAX_JSON_KB", 1),
    "max_json_depth": ("FIELDOPS_MAX_JSON_DEPTH", 2),
    "basemap_minzoom": ("FIELDOPS_BASEMAP_MINZOOM", 0),
    "basemap_maxzoom": ("FIELDOPS_BASEMAP_MAXZOOM", 0),
}


@dataclass(frozen=True)
class Settings:
    """Everything the app can be configured with; build one per app (tests build their own)."""

    instance_path: Path
    database_url: str
    secret_key: str
    storage_path: Path
    city_name: str = "fieldops demo city"
    timezone: str = "America/New_York"
    # Photos: the cap applies to one uploaded file; the request cap leaves room for form fields.
    max_photo_mb: float = 15.0
    photo_max_long_side: int = 2048
    photo_thumb_size: int = 320
    # What a tablet or phone camera produces; anything larger is refused from its header, before decoding.
    photo_max_megapixels: float = 25.0
    # A form (intake without JavaScript, visits, job photos) may carry this many photos, each judged on its own.
    max_photos_per_form: int = 6
    # Decoding a photo costs up to ~100 MB and a core for a second: at most this many at once per process, at most
    # `photo_decode_queue` more waiting up to `photo_decode_wait_seconds`; beyond that the answer is 503 + Retry-After.
    # The queue stays well below the server's threads (waitress: 8), or uploads waiting for a slot hold every
    # thread and the pages wait behind them (measured: /status p95 417 ms with 16 waiting, 59 ms with 2).
    photo_decode_slots: int = field(default_factory=lambda: os.cpu_count() or 1)
    photo_decode_queue: int = field(default_factory=lambda: os.cpu_count() or 1)
    photo_decode_wait_seconds: float = 20.0
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_ATTRIBUTION
    tile_max_zoom: int = 19
    # Start view for maps when the user has nothing to show yet (Somerville City Hall).
    map_center: tuple[float, float] = (42.3876, -71.0995)
    map_zoom: int = 13
    session_cookie_secure: bool = False
    # Open311 jurisdiction_id clients may send; a different one is refused (fieldops serves one city).
    open311_jurisdiction: str = "fieldops.local"
    # Sign-in throttling (fieldops/accounts/throttle.py), counted in the database so it holds across processes:
    # this many failed sign-ins for one username from one address pause that pair; the per-address limit is much
    # higher, so a shared Wi-Fi's typos lock nobody out but one address cannot try many usernames either.
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50
    login_throttle_minutes: int = 15
    # Reverse proxies in front of the app that append X-Forwarded-For/-Proto. 0: none, the socket's address is
    # the client's. Never more than really exist, or clients can forge their address.
    proxy_hops: int = 0
    # "Keep me signed in": how long a remember-me cookie (and its server-side session) lasts without use.
    remember_days: int = 30
    # Times a device records (captured_at, visits, check-ins) must fall within [now - past days, now + future
    # minutes]: a late sync of an offline day fits, a tablet clock set to 1970 is refused (fieldops/web/validation.py).
    client_time_past_days: int = 30
    client_time_future_minutes: int = 10
    # JSON bodies (the sync API): larger is 413, nested deeper is 400, before any view parses them (fieldops/web/jsonbody.py).
    max_json_kb: int = 512
    max_json_depth: int = 32
    # The zooms `fieldops basemap build` (and the demo) tiles: 10 shows a whole city, 16 a block with its names.
    basemap_minzoom: int = 10
    basemap_maxzoom: int = 16
    # `fieldops demo` builds Boston's basemap (about 25 s); the test suite's many demo loads leave it out.
    demo_basemap: bool = True
    testing: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, (key, smallest) in _BOUNDED.items():
            if getattr(self, name) < smallest:
                raise SettingsError(f"{key} must be at least {smallest}, not {getattr(self, name)}")
        if not self.basemap_minzoom <= self.basemap_maxzoom <= 20:
            raise SettingsError(
                f"FIELDOPS_BASEMAP_MINZOOM ({self.basemap_minzoom}) must not exceed FIELDOPS_BASEMAP_MAXZOOM "
                f"({self.basemap_maxzoom}), which must be at most 20"
            )
        if self.photo_max_megapixels <= 0:
            raise SettingsError(f"FIELDOPS_PHOTO_MAX_MEGAPIXELS must be positive, not {self.photo_max_megapixels}")

    @property
    def max_photo_bytes(self) -> int:
        """The upload cap for one photo, in bytes."""
        return int(self.max_photo_mb * 1024 * 1024)

    @property
    def photo_max_pixels(self) -> int:
        """The pixel-count cap for one photo."""
        return int(self.photo_max_megapixels * 1_000_000)

    @property
    def max_form_bytes(self) -> int:
        """The cap for one request body: a form's photos at their largest, plus 1 MB for the typed fields."""
        return self.max_photos_per_form * self.max_photo_bytes + 1024 * 1024

    @property
    def tile_origin(self) -> str:
        """scheme://host[:port] of the tile server: the only foreign origin pages may reach."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.tile_url.replace("{s}", "a"))
        return f"{parts.scheme}://{parts.netloc}"

    def with_(self, **changes: object) -> Settings:
        """A copy with some values changed (tests use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read FIELDOPS_* variables; anything unset gets a safe local default."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("FIELDOPS_INSTANCE_PATH", "instance")).resolve()
        database_url = env.get("FIELDOPS_DATABASE_URL") or f"sqlite:///{instance / 'fieldops.db'}"
        secret = env.get("FIELDOPS_SECRET_KEY") or _instance_secret(instance)
        storage = Path(env.get("FIELDOPS_STORAGE_PATH", str(instance / "storage"))).resolve()
        center = env.get("FIELDOPS_MAP_CENTER")
        kwargs: dict[str, object] = {}
        if center:
            try:
                lat, lon = (float(v) for v in center.split(","))
            except ValueError as exc:
                raise SettingsError("FIELDOPS_MAP_CENTER must be 'lat,lon', e.g. 42.3876,-71.0995") from exc
            kwargs["map_center"] = (lat, lon)
        for name, key, conv in (
            ("city_name", "FIELDOPS_CITY_NAME", str),
            ("timezone", "FIELDOPS_TIMEZONE", str),
            ("max_photo_mb", "FIELDOPS_MAX_PHOTO_MB", float),
            ("photo_max_megapixels", "FIELDOPS_PHOTO_MAX_MEGAPIXELS", float),
            ("photo_decode_wait_seconds", "FIELDOPS_PHOTO_DECODE_WAIT_SECONDS", float),
            ("tile_url", "FIELDOPS_TILE_URL", str),
            ("tile_attribution", "FIELDOPS_TILE_ATTRIBUTION", str),
            ("tile_max_zoom", "FIELDOPS_TILE_MAX_ZOOM", int),
            ("map_zoom", "FIELDOPS_MAP_ZOOM", int),
            ("open311_jurisdiction", "FIELDOPS_OPEN311_JURISDICTION", str),
            *((name, key, int) for name, (key, _smallest) in _BOUNDED.items()),
        ):
            if key in env:
                try:
                    kwargs[name] = conv(env[key])
                except ValueError as exc:
                    raise SettingsError(f"{key}={env[key]!r} is not a valid {conv.__name__}") from exc
        if "FIELDOPS_DEMO_BASEMAP" in env:
            kwargs["demo_basemap"] = env["FIELDOPS_DEMO_BASEMAP"].lower() in {"1", "true", "yes"}
        if "FIELDOPS_SECURE_COOKIES" in env:
            kwargs["session_cookie_secure"] = env["FIELDOPS_SECURE_COOKIES"].lower() in {"1", "true", "yes"}
        return cls(
            instance_path=instance,
            database_url=database_url,
            secret_key=secret,
            storage_path=storage,
            **kwargs,  # type: ignore[arg-type]
        )


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts without configuration."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
