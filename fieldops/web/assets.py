"""URLs of the files under pwa/: /static/<content-hashed name> from the build in pwa/dist/.

Without a build (pwa/ not writable and never built), URLs fall back to /static/<path>?v=<hash>
served from pwa/ itself.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from whitenoise import WhiteNoise

from fieldops.pwa.build import BuildResult, ensure_built, load_build

log = logging.getLogger(__name__)

# Unhashed files (leaflet's CSS images, assets.json) change under the same URL: keep them short.
UNHASHED_MAX_AGE = 300
# The ?v= fallback: the version is in the query string, so a cached copy is never stale for its URL.
FALLBACK_MAX_AGE = 3600


class AssetManifest:
    """The static files as the app serves them; templates call `url(path)` as `asset_url(path)`."""

    def __init__(self, root: Path, dist: Path | None = None, *, build: bool = True) -> None:
        self.root = root
        self.dist = dist if dist is not None else root / "dist"
        self.build: BuildResult | None = self._prepare() if build else load_build(self.dist)
        self._cache: dict[str, str] = {}
        self._hashed_urls = frozenset(f"/static/{h}" for h in self.build.hashed) if self.build else frozenset()

    def _prepare(self) -> BuildResult | None:
        """Bring pwa/dist up to date (cheap when nothing changed); keep serving without it if that fails."""
        try:
            return ensure_built(self.root, self.dist)
        except OSError as exc:
            existing = load_build(self.dist)
            log.warning("cannot build %s (%s); %s", self.dist, exc, "serving the existing build" if existing else "serving pwa/ unhashed")
            return existing

    @property
    def static_root(self) -> Path:
        """The folder WhiteNoise serves at /static/: this app's own build, or pwa/ without one."""
        return self.build.directory if self.build else self.root

    @property
    def max_age(self) -> int:
        """Cache lifetime for files that are not immutable."""
        return UNHASHED_MAX_AGE if self.build else FALLBACK_MAX_AGE

    def is_immutable(self, path: str, url: str) -> bool:
        """WhiteNoise's immutable_file_test: hashed names of the build (vendor files without one)."""
        if self.build is None:
            return "/vendor/" in url
        return url in self._hashed_urls

    def url(self, path: str) -> str:
        """The URL of pwa/<path>; raises if the file does not exist (a typo should fail loudly)."""
        cached = self._cache.get(path)
        if cached is None:
            if self.build is not None:
                hashed = self.build.assets.get(path)
                if hashed is None:
                    raise FileNotFoundError(f"no static file pwa/{path} in the build {self.build.directory}")
                cached = f"/static/{hashed}"
            else:
                file = (self.root / path).resolve()
                if not file.is_file() or self.root.resolve() not in file.parents:
                    raise FileNotFoundError(f"no static file pwa/{path}")
                digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
                cached = f"/static/{path}?v={digest}"
            self._cache[path] = cached
        return cached


class StaticFiles(WhiteNoise):
    """WhiteNoise with a one-year lifetime for immutable files (its default is ten)."""

    FOREVER = 365 * 24 * 60 * 60


def static_files(wsgi_app: Any, manifest: AssetManifest) -> StaticFiles:
    """Serve the manifest's files at /static/: hashed names immutable, the rest briefly cached."""
    return StaticFiles(
        wsgi_app,
        root=str(manifest.static_root),
        prefix="static/",
        max_age=manifest.max_age,
        immutable_file_test=manifest.is_immutable,
    )
