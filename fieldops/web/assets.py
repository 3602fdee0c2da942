"""Cache-busting URLs for files under pwa/: /static/<path>?v=<content hash>."""

from __future__ import annotations

import hashlib
from pathlib import Path


class AssetManifest:
    """Hashes each static file once (lazily) so templates can link it with a version."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, str] = {}

    def url(self, path: str) -> str:
        """The versioned URL of pwa/<path>; raises if the file does not exist (a typo should fail loudly)."""
        cached = self._cache.get(path)
        if cached is None:
            file = (self.root / path).resolve()
            if not file.is_file() or self.root.resolve() not in file.parents:
                raise FileNotFoundError(f"no static file pwa/{path}")
            digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
            cached = self._cache[path] = f"/static/{path}?v={digest}"
        return cached
