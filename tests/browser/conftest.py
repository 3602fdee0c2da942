"""The browser tests: marked `browser`; their fixtures (Debian's Chromium through Playwright) are in
tests/browser_fixtures.py, shared with tests/security.

`tests/browser/test_layout.py` measures CSS layout (sizes, overflow, where messages appear), which no database
changes: it runs in the SQLite pass of `scripts/test` only, and is deselected (not skipped) on PostgreSQL, where
every other browser test still runs. That keeps `.ci/run` inside its time budget.
"""

from __future__ import annotations

import os

import pytest

LAYOUT_ONLY_ONCE = "tests/browser/test_layout.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if os.environ.get("FIELDOPS_TEST_DATABASE_URL", "").startswith("postgresql"):
        layout = [item for item in items if str(item.fspath).endswith(LAYOUT_ONLY_ONCE)]
        if layout:
            config.hook.pytest_deselected(items=layout)
            items[:] = [item for item in items if item not in layout]
