"""Helpers the tests share: real sign-in through the forms."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from data_files import SHARED_DATA  # noqa: F401  (older imports; new code uses data_files)

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a real page would carry."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = "correct-horse-battery") -> None:
    """Sign in through the real form (CSRF included)."""
    token = csrf_token(client)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def sign_in(page, base_url: str, username: str, password: str = "correct-horse-battery") -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()  # not the language menu's button
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    """Sign out as a person would: through the top bar's Menu where the bar has folded the account into it."""
    button = page.get_by_role("button", name="Sign out")
    toggle = page.locator("[data-menu-toggle]")
    if not button.is_visible() and toggle.is_visible():
        toggle.click()
    button.click()


def open_marker_popup(page, marker_selector: str):  # type: ignore[no-untyped-def]
    """Tap a map pin and return its popup's link once the popup is at rest.

    A popup that does not fit makes Leaflet pan the map (animated, a quarter of a second); a tap on the
    link meanwhile lands where the link was, on the bare map. The pan starts in the same task that opens
    the popup, so once the popup is there, waiting for the pan class to go is enough.
    """
    page.locator(marker_selector).click()
    link = page.locator(".leaflet-popup .fo-popup a")
    link.wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-map-pane.leaflet-pan-anim')")
    return link


def wait_for_field_modules(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until field.js has loaded its outbox modules: a page dropped offline before that cannot queue work."""
    page.wait_for_selector("html[data-field-loaded]", state="attached")


def wait_for_outbox(page, condition: str, arg: object = None, *, timeout: float = 30_000, polling: float = 250) -> None:  # type: ignore[no-untyped-def]
    """Wait until `condition` (JavaScript over `o`, the page's outbox module, and `arg`) is true.

    The outbox is an ES module (pwa/js/outbox.js), reached with import("fieldops/outbox") through the page's
    import map; page.wait_for_function cannot poll an async predicate (a Promise is truthy), so this polls."""
    import time

    script = f"async (arg) => {{ const o = (await import('fieldops/outbox')).outbox; return !!({condition}); }}"
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox: {condition} not true after {timeout} ms")
        page.wait_for_timeout(polling)
