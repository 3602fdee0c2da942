"""The installed app opens without signal as the person who got it ready: `/` (the web manifest's start URL) after
a browser restart with the network off and the service worker stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from factories import DAVIS_SQUARE, UNION_SQUARE, make_job
from helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def _get_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("async () => (await import('fieldops/offline-ready')).getReady().then((info) => !!info)")


class _Hits:
    """Every request that reaches the app (wrapped WSGI app of the live server): none may, offline."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.paths: list[str] = []
        inner = app.wsgi_app

        def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.paths.append(environ.get("PATH_INFO", ""))
            return inner(environ, start_response)  # type: ignore[no-any-return]

        app.wsgi_app = counting


# Playwright's offline switch covers pages, not a service worker's own fetches: the worker is cut off too, by a
# proxy that is not there (loopback included), so whatever it tries fails as it would with no signal.
NO_NETWORK = {"server": "http://127.0.0.1:9", "bypass": "<-loopback>"}


def _restart_offline(ctx, tablet):  # type: ignore[no-untyped-def]
    """Close the browser (its service worker stops with it) and open it again with the same profile, the network
    off before the first navigation; every response a page gets is recorded."""
    ctx.close()
    ctx = tablet(offline=True, proxy=NO_NETWORK)
    responses: list[tuple[str, bool]] = []
    ctx.on("response", lambda resp: responses.append((resp.url, resp.from_service_worker)))
    return ctx, responses


def _offline_links(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/a/page/never/kept")
    assert "You are offline" in page.inner_text("main")
    page.wait_for_selector("[data-offline-links]:not([hidden]) a")
    return page.eval_on_selector_all("[data-offline-links] a", "links => links.map((a) => a.getAttribute('href'))")  # type: ignore[no-any-return]


def _page_responses_from_worker(responses: list[tuple[str, bool]], base: str) -> None:
    mine = [(url, from_sw) for url, from_sw in responses if url.startswith(base)]
    assert mine, "no response was seen"
    assert [url for url, from_sw in mine if not from_sw] == []


def test_crew_opens_the_installed_app_offline_on_my_work(app, server, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    make_job(session, city, at=UNION_SQUARE, address="1 Union Sq")
    make_job(session, city, at=DAVIS_SQUARE, address="Davis Sq")
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    sign_in(page, base, "alice")
    _get_ready(page)
    hits = _Hits(app)

    ctx, responses = _restart_offline(ctx, tablet)
    page = ctx.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/my-work")
    assert page.locator(".wo-list li.wo").count() == 2
    assert "Davis Sq" in page.inner_text("main") and "You are offline" not in page.inner_text("main")
    # The offline page links only to this crew member's own pages kept offline.
    assert _offline_links(page, base) == ["/my-work", "/requests/new"]
    assert hits.paths == []
    _page_responses_from_worker(responses, base)


def test_outreach_opens_the_installed_app_offline_on_new_request(app, server, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    sign_in(page, base, "olga")
    _get_ready(page)
    hits = _Hits(app)

    ctx, responses = _restart_offline(ctx, tablet)
    page = ctx.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/requests/new")
    page.wait_for_selector("select[name=service_type]")
    assert "You are offline" not in page.inner_text("main")
    links = _offline_links(page, base)
    assert "/my-work" not in links and links[:2] == ["/requests/new", "/events"]
    assert hits.paths == []
    _page_responses_from_worker(responses, base)


def test_signing_out_forgets_the_start_page(server, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    sign_in(page, base, "alice")
    _get_ready(page)
    assert page.evaluate("() => caches.match('/api/offline/start.json').then((r) => !!r)")
    sign_out(page)
    page.wait_for_url(lambda url: "/login" in url)
    page.wait_for_function("() => caches.match('/api/offline/start.json').then((r) => !r)")

    ctx, _ = _restart_offline(ctx, tablet)
    page = ctx.new_page()
    page.goto(f"{base}/")
    assert "You are offline" in page.inner_text("main")
    assert page.locator("[data-offline-links] a").count() == 0


def test_outreach_checked_in_on_the_tablet_starts_on_the_event_offline(app, server, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from fieldops.db import utcnow
    from fieldops.outreach import services as outreach

    now = utcnow()
    event = outreach.create_event(session, city.sam, name="Library fair", place="Main library", starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3))
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    sign_in(page, base, "olga")
    _get_ready(page)
    # Checked in on the tablet (no signal needed): the start record follows; checked out, it goes back.
    ends = (now + dt.timedelta(hours=3)).isoformat() + "Z"
    page.evaluate("async ([id, ends]) => (await import('fieldops/outreach')).set('in', {id: id, name: 'Library fair', ends_at: ends})", [event.id, ends])
    page.wait_for_function("(id) => caches.match('/api/offline/start.json').then((r) => r.json()).then((s) => s.start === '/events/' + id)", arg=event.id)
    hits = _Hits(app)

    ctx, responses = _restart_offline(ctx, tablet)
    page = ctx.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/events/{event.id}")
    assert "Library fair" in page.inner_text("main")
    page.evaluate("async () => (await import('fieldops/outreach')).set('out', null)")
    page.wait_for_function("() => caches.match('/api/offline/start.json').then((r) => r.json()).then((s) => s.start === '/requests/new')")
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/requests/new")
    assert hits.paths == []
    _page_responses_from_worker(responses, base)
