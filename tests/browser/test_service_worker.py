"""The service worker in Chromium: installs from local files only, precaches the app shell, keeps
pages for offline use, and shows the offline page for a page it never saw."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from factories import make_job
from helpers import sign_in, sign_out

OFFLINE_TEXT = "This page was not saved for offline use"


def _config(app) -> dict:  # type: ignore[no-untyped-def,type-arg]
    text = app.test_client().get("/sw.js").get_data(as_text=True)
    return json.loads(text.split("const FIELDOPS = ", 1)[1].split(";\n", 1)[0])  # type: ignore[no-any-return]


def _cache_urls(page, name_prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate(  # type: ignore[no-any-return]
        """async (prefix) => {
            const urls = [];
            for (const name of await caches.keys()) {
                if (!name.startsWith(prefix)) continue;
                const cache = await caches.open(name);
                for (const req of await cache.keys()) urls.push(req.url);
            }
            return urls;
        }""",
        name_prefix,
    )


def test_worker_precaches_the_shell_and_serves_pages_offline(app, page, context, live_server, session, city, settings) -> None:  # type: ignore[no-untyped-def]
    make_job(session, city, address="1 Union Sq")  # My work lists it
    session.commit()
    config = _config(app)
    requests: list[tuple[str, bool]] = []
    context.on("request", lambda req: requests.append((req.url, req.service_worker is not None)))

    sign_in(page, live_server, "alice")
    state = page.evaluate("() => navigator.serviceWorker.ready.then((reg) => reg.active.state)")
    assert state in ("activating", "activated")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == f"{live_server}/sw.js"
    assert page.evaluate("() => navigator.serviceWorker.controller.state") == "activated"
    assert page.evaluate("async () => (await import('fieldops/sw-register')).version()") == config["version"]

    # The whole precache manifest is in the precache (hashed URLs as they are; others with their revision).
    precached = set(_cache_urls(page, "fieldops-precache"))
    for entry in config["precache"]:
        key = f"{live_server}{entry['url']}"
        if entry["revision"]:
            key += f"?__WB_REVISION__={entry['revision']}"
        assert key in precached, entry
    assert any("/static/vendor/leaflet/leaflet." in u for u in precached)

    # A page visited online (now under the worker's control) is kept in fieldops-pages.
    page.goto(f"{live_server}/my-work")
    page.wait_for_selector(".wo-list li.wo")
    assert f"{live_server}/my-work" in _cache_urls(page, "fieldops-pages")

    context.set_offline(True)
    try:
        # Never visited, and not one of the pages "Ready for offline" keeps (it may run on its own by now and save the
        # job's page): the offline page, at the URL that was asked for.
        page.goto(f"{live_server}/account")
        assert OFFLINE_TEXT in page.inner_text("main")
        assert page.url.endswith("/account")
        # Visited: the saved copy renders, styles and scripts included.
        page.goto(f"{live_server}/my-work")
        page.reload()
        page.wait_for_selector(".wo-list li.wo")
        assert page.locator("h1").inner_text() != "You are offline"
        assert page.evaluate("() => !!window.htmx && getComputedStyle(document.querySelector('.topbar')).display !== 'inline'")
    finally:
        context.set_offline(False)

    # Workbox came from the app's own files, and the worker's own requests were watched.
    sw_urls = [u for u, from_sw in requests if from_sw]
    assert any("/static/vendor/workbox/workbox-core.prod." in u for u, _ in requests)
    assert any(u.startswith(f"{live_server}/static/") for u in sw_urls), "no request from the service worker was seen"
    allowed = {urlsplit(live_server).netloc, urlsplit(settings.tile_origin).netloc}
    foreign = sorted({u for u, _ in requests if urlsplit(u).netloc not in allowed and not u.startswith(("data:", "blob:"))})
    assert foreign == []


def test_signing_out_clears_the_users_cached_pages(page, context, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    make_job(session, city)
    session.commit()
    sign_in(page, live_server, "alice")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(f"{live_server}/my-work")
    assert _cache_urls(page, "fieldops-pages")

    sign_out(page)
    page.wait_for_url("**/login")
    assert all("/my-work" not in u for u in _cache_urls(page, "fieldops-pages"))
    assert _cache_urls(page, "fieldops-precache")  # the app shell stays
