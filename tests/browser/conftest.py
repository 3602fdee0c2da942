"""The browser tests: marked `browser`; their fixtures (Debian's Chromium through Playwright) are in
tests/browser_fixtures.py, shared with tests/security.

Four sweeps load every page of the app in Chromium and look only at what the browser does with it:
`tests/browser/test_layout.py` measures CSS layout (sizes, overflow, where messages appear; `test_phone_layout.py` the
phone menu, My work's tabs and the intake's map, likewise), `tests/browser/test_no_foreign_hosts.py` lists the hosts
the pages reach and `tests/browser/test_accessibility.py` runs axe-core on them. No database changes their answers: they run
in the SQLite pass of `scripts/test` only, and are deselected (not skipped) on PostgreSQL, where every other browser
test still runs. That keeps `.ci/run` inside its time budget.
"""

from __future__ import annotations

import os

import pytest

ONLY_ONCE = (
    "tests/browser/test_layout.py",
    "tests/browser/test_phone_layout.py",
    "tests/browser/test_no_foreign_hosts.py",
    "tests/browser/test_accessibility.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if os.environ.get("FIELDOPS_TEST_DATABASE_URL", "").startswith("postgresql"):
        once = [item for item in items if str(item.fspath).endswith(ONLY_ONCE)]
        if once:
            config.hook.pytest_deselected(items=once)
            items[:] = [item for item in items if item not in once]
