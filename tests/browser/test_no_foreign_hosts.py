"""Every page of the app, loaded in Chromium, talks only to the app and the configured tile server."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from helpers import sign_in, sign_out
from factories import make_job
from fieldops.photos.models import PhotoKind
from fieldops.photos.services import add_work_order_photo
from fieldops.visits.services import add_visit
from imagefactory import make_jpeg


def _pages(app, ids: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route the app has, with real ids filled in; fails on a route this test does not know."""
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        missing = rule.arguments - ids.keys()
        assert not missing, f"add example values for {missing} of {rule.rule} to this test"
        paths.append(adapter.build(rule.endpoint, {a: ids[a] for a in rule.arguments}))
    return sorted(set(paths))


def test_pages_request_only_the_app_and_the_tile_server(app, page, context, live_server, session, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    photo = add_work_order_photo(session, settings, city.alice, wo, raw=make_jpeg(lat=42.38, lon=-71.1), kind=PhotoKind.BEFORE)
    visit = add_visit(session, city.sam, wo.request)  # a follow-up visit by hand: /visits/<visit_id>
    session.commit()
    ids = {"work_order_id": str(wo.id), "photo_id": photo.id, "variant": "thumb"}
    ids["request_id"] = str(wo.request_id)  # dispatch: the staff request page, merge and transfer forms
    ids["visit_id"] = str(visit.id)
    ids["table"] = "summary"  # performance: /performance/<table>.csv
    # Outreach: an event page and a receipt / public status page for the job's request.
    from factories import make_event

    event = make_event(session, city)
    session.commit()
    ids.update(event_id=str(event.id), tracking=wo.request.tracking_number)
    # Open311: formats, the job's request as id and token, its photo as public media, a catch-all path.
    number = wo.request.tracking_number
    ids.update(fmt="json", service_code="pothole", service_request_id=number, token=number, ext="jpg", rest="v2/nothing-here")
    ids["version"] = "0123456789abcdef"  # basemap: no archive is installed, the route answers 404
    allowed = {urlsplit(live_server).netloc, urlsplit(settings.tile_origin).netloc}
    seen: dict[str, set[str]] = {}
    context.on("request", lambda req: seen.setdefault(urlsplit(req.url).netloc, set()).add(req.url))

    page.goto(f"{live_server}/login")
    for username in ("alice", "sam"):
        sign_in(page, live_server, username)
        for path in _pages(app, ids):
            try:
                page.goto(f"{live_server}{path}")
            except Exception as exc:  # CSV/GeoJSON downloads (exports) are files, not pages: nothing to load
                assert "Download is starting" in str(exc), exc
                continue
            page.wait_for_load_state("networkidle")
        sign_out(page)
    foreign = {host: sorted(urls)[:3] for host, urls in seen.items() if host not in allowed and not host.startswith("data")}
    assert foreign == {}, f"pages reached other hosts: {foreign}"
    # The maps did ask the configured tile server for tiles (so the check above really watched them).
    assert urlsplit(settings.tile_origin).netloc in seen
    assert session.scalar(sa.text("SELECT count(*) FROM work_order")) == 1
