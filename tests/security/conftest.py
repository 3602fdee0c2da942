"""The security tests drive the same Chromium as tests/browser: its fixtures come from tests/browser_fixtures.py,
a plugin of the root conftest (one Playwright per process)."""
