"""Playwright in Debian's Chromium (no browser download: the machine has no internet).

A plugin of the root conftest, so every test package shares one Playwright per process: a second
`sync_playwright()` in the same process (two packages each with their own session fixture) fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("FIELDOPS_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's hosts, which this machine (and a crew's van) cannot.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):  # type: ignore[no-untyped-def]
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def tablet(playwright_instance, tmp_path):  # type: ignore[no-untyped-def]
    """Open (and re-open) a browser with a persistent profile, like a tablet that is closed and opened again."""
    profile = tmp_path / "profile"
    opened: list[object] = []

    def open_tablet(offline: bool = False, **kwargs: object):  # type: ignore[no-untyped-def]
        ctx = playwright_instance.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            service_workers="allow",
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            offline=offline,
            **kwargs,
        )
        ctx.set_default_timeout(20_000)
        opened.append(ctx)
        return ctx

    yield open_tablet
    for ctx in opened:
        try:
            ctx.close()
        except Exception:  # already closed by the test
            pass


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(service_workers="allow", viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"
