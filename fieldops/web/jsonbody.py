"""Every JSON body is read through one bounded parse: too large is 413, nested too deep is 400, both as JSON.

Python's json module recurses once per nesting level, so a body of 100,000 "[" ends in a RecursionError (a 500)
before any view could check it. The depth is counted on the raw text first, with strings blanked out, in one
linear pass; only a body within both bounds reaches json.loads. Installed as the app's request class, so a new
JSON endpoint is bounded without doing anything.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request, current_app
from flask_babel import gettext as _

from fieldops.errors import DomainError

# A JSON string, escapes included: brackets inside strings are not nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class JSONTooLarge(DomainError):
    status_code = 413
    code = "json_too_large"


class JSONTooDeep(DomainError):
    status_code = 400
    code = "json_too_deep"


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (it need not be valid JSON)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONRequest(Request):
    """Flask's request, with get_json bounded by the settings max_json_kb and max_json_depth."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any | None:
        if not (force or self.is_json):
            return super().get_json(force=force, silent=silent, cache=cache)
        settings = current_app.extensions["fieldops.settings"]
        limit = settings.max_json_kb * 1024
        # Refused even when the caller asked for silence: these are answers about the body, not "no JSON here".
        if self.content_length is not None and self.content_length > limit:
            raise JSONTooLarge(_("The data sent is too large (at most %(kb)s KB).", kb=settings.max_json_kb))
        raw = self.get_data(cache=True)  # chunked bodies are still capped by MAX_CONTENT_LENGTH while reading
        if len(raw) > limit:
            raise JSONTooLarge(_("The data sent is too large (at most %(kb)s KB).", kb=settings.max_json_kb))
        if nesting_depth(raw) > settings.max_json_depth:
            raise JSONTooDeep(_("The data sent is nested too deeply (at most %(depth)s levels).", depth=settings.max_json_depth))
        return super().get_json(force=force, silent=silent, cache=cache)
