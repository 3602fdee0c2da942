"""The security tests drive the same Chromium as tests/browser (its fixtures, not a copy of them)."""

from browser.conftest import browser, context, page, playwright_instance  # noqa: F401
