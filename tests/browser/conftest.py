"""The browser tests: marked `browser`; their fixtures (Debian's Chromium through Playwright) are in
tests/browser_fixtures.py, shared with tests/security."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
