"""Follow-up visits in a real Chromium: recorded offline as "not resolved", they reopen the work as a linked request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE
from fieldops.activity.models import Activity
from fieldops.db import utcnow
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus
from helpers import wait_for_outbox
from imagefactory import make_jpeg
from visits.visit_factories import make_due_visit


def sign_in(page, base: str, username: str, password: str = "correct-horse-battery") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _get_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Service worker in control, then 'Ready for offline' (the manifest lists My visits and each visit page)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("async () => (await import('fieldops/offline-ready')).getReady()")
    page.wait_for_selector("[data-ready-status][data-ready-at]", state="attached")


def _wait_outbox(page, total: int, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    wait_for_outbox(page, "o.state.counts && o.state.counts.total === arg && !o.state.running", total, timeout=timeout)


def test_visit_recorded_offline_as_not_resolved_reopens_the_work_with_a_linked_request(server, tablet, session, city, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    t = utcnow() - dt.timedelta(days=4)
    visit = make_due_visit(session, city, at=UNION_SQUARE, address="1 Union Sq", closed_at=t, description="Light out by the bus stop")
    make_due_visit(session, city, at=DAVIS_SQUARE, address="Davis Sq", closed_at=t + dt.timedelta(hours=1))
    make_due_visit(session, city, at=CITY_HALL, address="93 Highland Ave", closed_at=t + dt.timedelta(hours=2))
    session.commit()
    visit_id, original_id, original_tn = visit.id, visit.request_id, visit.request.tracking_number
    base = server.url

    ctx = tablet()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "olga")
    page.goto(f"{base}/visits")
    _get_ready(page)

    # My visits: the suggested order with its distance against the list's, and the route on the map.
    assert "Suggested order:" in page.inner_text(".visit-plan")
    page.wait_for_selector(".folium-map[data-marker-count='3'][data-route-points='3']")
    assert page.locator(".leaflet-marker-icon.fo-stop").count() == 3
    page.wait_for_selector(".folium-map[data-route-drawn='true']")  # the route line (drawn on the map's canvas)

    # No signal from here: the day's pages come from the tablet.
    ctx.set_offline(True)
    page.reload()
    assert page.locator("ol.visit-list li.visit").count() == 3
    page.locator(f'li.visit[data-visit-id="{visit_id}"] a').click()
    page.wait_for_url(f"**/visits/{visit_id}")
    assert "Light out by the bus stop" in page.inner_text("main")

    # The resident speaks Spanish: the questions switch language on the tablet, offline.
    page.select_option("select[name=language]", "es")
    page.wait_for_selector("[data-visit-questions][lang='es']")
    page.check("input[name=outcome][value=reached]")
    page.check("input[name=resolved][value=no]")
    page.check("input[name=satisfaction][value='2']")
    page.fill("textarea[name=comments]", "Sigue oscuro por la noche")
    photo = tmp_path / "door.jpg"
    photo.write_bytes(make_jpeg(lat=42.3795, lon=-71.0937))
    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_selector("[data-visit-local]:not([hidden])")
    assert "not sent yet" in page.inner_text("[data-visit-local]")
    assert page.locator("#visit-form").is_hidden()
    _wait_outbox(page, 1)
    items = page.evaluate("async () => (await import('fieldops/outbox')).outbox.items().then(xs => xs.map(x => [x.kind, x.fields.resolved, x.fields.language, x.photos.length]))")
    assert items == [["visit", "no", "es", 1]]
    session.rollback()
    assert session.get(FollowUpVisit, visit_id).status == VisitStatus.PENDING  # nothing reached the server yet

    # Reload while still offline: the recorded visit is still shown as waiting, and the list marks it.
    page.reload()
    page.wait_for_selector("[data-visit-local]:not([hidden])")
    page.goto(f"{base}/visits")
    page.wait_for_selector(f'li.visit[data-visit-id="{visit_id}"] [data-visit-unsent]:not([hidden])')

    # Signal again: the outcome and the photo arrive once, and the follow-on's number comes back.
    page.goto(f"{base}/visits/{visit_id}")
    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    _wait_outbox(page, 0, timeout=45_000)
    page.wait_for_selector("[data-visit-local][data-sent='true'] [data-follow-on-number]")
    follow_on_tn = page.inner_text("[data-follow-on-number]").strip()

    session.rollback()  # a fresh snapshot: the server wrote from other threads
    v = session.get(FollowUpVisit, visit_id)
    assert (v.status, v.outcome, v.resolved, v.satisfaction, v.language) == (VisitStatus.DONE, VisitOutcome.REACHED, Resolution.NO, 2, "es")
    follow_on = session.get(ServiceRequest, v.follow_on_request_id)
    assert follow_on.tracking_number == follow_on_tn and follow_on.parent_id == original_id
    assert follow_on.status == RequestStatus.OPEN and follow_on.due_at > follow_on.created_at  # its own SLA
    assert "Sigue oscuro por la noche" in follow_on.description
    assert session.scalar(sa.select(Photo.kind).where(Photo.visit_id == visit_id)) == PhotoKind.VISIT
    summary = session.scalar(sa.select(Activity.summary).where(Activity.request_id == original_id, Activity.verb == "visit:follow_on"))
    assert summary == f"Follow-up visit: not resolved → follow-on {follow_on_tn}"
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.parent_id == original_id)) == 1

    # The visit's page, from the server now: the link to the follow-on request.
    page.reload()
    page.wait_for_selector("[data-follow-on]")
    assert follow_on_tn in page.inner_text("[data-follow-on]")
    assert errors == [], errors

    # A supervisor sees the link both ways on the requests' pages.
    ctx.clear_cookies()
    sign_in(page, base, "sam")
    page.goto(f"{base}/requests/{original_id}")
    panel = page.locator("#visits-panel")
    assert "Sigue oscuro por la noche" in panel.inner_text()
    panel.locator("[data-follow-on-link]").click()
    page.wait_for_url(f"**/requests/{follow_on.id}")
    back = page.locator("[data-follow-on-of]")
    assert original_tn in back.inner_text() and "not resolved" in back.inner_text()
    assert "not resolved" in page.inner_text("#history") and original_tn in page.inner_text("#history")
