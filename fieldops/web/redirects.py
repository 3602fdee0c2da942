"""The one check for user-supplied redirect targets (sign-in's next=, the language switcher, ...)."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None: an open redirect after sign-in is a phishing aid.

    Refused: absolute and scheme-relative URLs (`//evil`), backslashes (browsers read `/\\evil` as `//evil`),
    control and whitespace characters, and the same tricks percent-encoded.
    """
    if not target or len(target) > 2000:
        return None
    for candidate, refused in ((target, "CZ"), (unquote(target), "C")):
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return None
        if any(unicodedata.category(ch)[0] in refused for ch in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target
