"""The intake form in a Chromium with JavaScript switched off: the server asks the duplicate question.

Three steps, as staff without scripts live them: fill the form and save → the same page again, nothing saved, with
the open request nearby → "Add to this request" (or "It is a new problem — save it") → the receipt.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from factories import UNION_SQUARE, make_request, offset
from fieldops.catalog.models import AttributeType, ServiceAttribute
from fieldops.db import utcnow
from fieldops.photos.models import Photo
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from helpers import sign_in
from imagefactory import make_jpeg

NEAR = offset(UNION_SQUARE, 15, 5)


def _no_js_page(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(15_000)
    return ctx, ctx.new_page()


def _fill_report(page, tmp_path, resident: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=service_type]", "pothole")
    page.select_option("select[name='attr.pothole.size']", "large")
    # No map and no GPS without scripts: the page offers a coordinates field instead.
    page.fill("input[name=coordinates]", f"{NEAR[0]:.6f}, {NEAR[1]:.6f}")
    page.fill("input[name=address]", "Corner of Prospect & Webster")
    page.fill("textarea[name=description]", "Deep hole by the bus stop")
    page.fill("input[name=resident_name]", resident)
    page.fill("input[name=resident_phone]", "617-555-0177")
    page.select_option("select[name=resident_language]", "es")
    page.check("input[name=contact_consent]")
    photo = tmp_path / "hole.jpg"
    photo.write_bytes(make_jpeg(lat=NEAR[0], lon=NEAR[1]))
    page.set_input_files("input[name=photos]", str(photo))


def _asked(page, existing_tracking: str) -> None:  # type: ignore[no-untyped-def]
    """The page came back with the question and everything typed."""
    page.wait_for_selector("[data-server-duplicates]")
    assert page.url.endswith("/requests/new")
    assert "Not saved yet" in page.inner_text("main")
    candidate = page.locator(f"[data-candidate='{existing_tracking}']")
    # Outreach staff cannot open the existing request, so its address is not shown to them (only type, distance, age).
    assert re.search(r"Pothole\s+1[56] m away · reported 3 h ago", candidate.inner_text())
    assert "1 Union Sq" not in candidate.inner_text()
    assert "Private Person" not in page.content() and "617-555-0199" not in page.content()
    assert page.input_value("select[name=service_type]") == "pothole"
    assert page.input_value("select[name='attr.pothole.size']") == "large"
    assert page.input_value("input[name=coordinates]") == f"{NEAR[0]:.6f}, {NEAR[1]:.6f}"
    assert page.input_value("textarea[name=description]") == "Deep hole by the bus stop"
    assert page.input_value("input[name=address]") == "Corner of Prospect & Webster"
    assert page.input_value("select[name=resident_language]") == "es"
    assert page.is_checked("input[name=contact_consent]")
    assert "hole.jpg" in page.inner_text("[data-kept-photos]")


def test_the_duplicate_question_without_javascript(browser, live_server, session, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    session.add(ServiceAttribute(service_type=city.pothole, code="size", datatype=AttributeType.SINGLEVALUELIST, required=True,
                                 description="How big is it?", values=[{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}]))
    existing = make_request(session, city, at=UNION_SQUARE, created_at=utcnow() - dt.timedelta(hours=3, minutes=5))
    existing.address = "1 Union Sq"
    session.commit()
    tracking = existing.tracking_number
    ctx, page = _no_js_page(browser)
    try:
        sign_in(page, live_server, "olga")

        # 1. Fill in and save: the page comes back instead of a receipt.
        page.goto(f"{live_server}/requests/new")
        # Scripts really are off: intake.js would show the type search; <noscript> content shows instead.
        assert page.is_hidden("[data-type-search]") and page.is_visible("input[name=coordinates]")
        _fill_report(page, tmp_path, "Rosa Nueva")
        page.get_by_role("button", name="Save request").click()
        _asked(page, tracking)
        assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 1

        # 2. "Add to this request": the receipt of the existing request.
        page.locator(f"[data-candidate='{tracking}']").get_by_role("button", name="Add to this request").click()
        page.wait_for_url(re.compile(r"/requests/[0-9A-Z-]+/receipt"))
        assert page.inner_text("[data-tracking-number]").strip() == tracking
        assert "Added to the existing request" in page.inner_text("main")
        session.expire_all()
        report = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.id != existing.id)).one()
        assert report.duplicate_of_id == existing.id and report.status == RequestStatus.CLOSED
        assert (report.resident_name, report.resident_language, report.attributes) == ("Rosa Nueva", "es", {"size": "large"})
        assert session.scalars(sa.select(Photo)).one().request_id == existing.id

        # 3. Another resident, the same place: "It is a new problem — save it" gives a request of its own.
        page.goto(f"{live_server}/requests/new")
        _fill_report(page, tmp_path, "Ana Otra")
        page.get_by_role("button", name="Save request").click()
        _asked(page, tracking)
        page.get_by_role("button", name="It is a new problem — save it").click()
        page.wait_for_url(re.compile(r"/requests/[0-9A-Z-]+/receipt"))
        number = page.inner_text("[data-tracking-number]").strip()
        assert number != tracking and "Request saved" in page.inner_text("main")
        session.expire_all()
        new = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == number)).one()
        assert new.duplicate_of_id is None and new.status == RequestStatus.OPEN and new.resident_name == "Ana Otra"
        assert len(session.scalars(sa.select(Photo).where(Photo.request_id == new.id)).all()) == 1
    finally:
        ctx.close()


def test_scripts_without_the_outbox_answer_the_question_they_asked(browser, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    """Scripts run but the outbox did not load (here: its IndexedDB library is blocked): the form goes to the server as
    a plain POST after intake.js has shown the open requests nearby, and carries the answer, so it is not asked twice."""
    existing = make_request(session, city, at=UNION_SQUARE)
    session.commit()
    tracking = existing.tracking_number
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                              geolocation={"latitude": NEAR[0], "longitude": NEAR[1], "accuracy": 8}, permissions=["geolocation"])
    ctx.set_default_timeout(15_000)
    ctx.route(re.compile(r".*/vendor/dexie/.*"), lambda route: route.abort())
    page = ctx.new_page()
    try:
        sign_in(page, live_server, "olga")

        def report(resident: str) -> None:
            page.goto(f"{live_server}/requests/new")
            assert page.evaluate("() => import('fieldops/outbox').then(() => 'loaded', () => 'failed')") == "failed"
            page.select_option("select[name=service_type]", "pothole")
            page.get_by_role("button", name="Use my location").click()
            page.wait_for_selector(f"[data-duplicates]:not([hidden]) [data-add-to-existing='{tracking}']")
            page.fill("input[name=resident_name]", resident)

        # "Save request" after seeing the candidates: saved as a new request at once, no second question.
        report("Rosa Nueva")
        page.get_by_role("button", name="Save request").click()
        page.wait_for_url(re.compile(r"/requests/[0-9A-Z-]+/receipt"))
        number = page.inner_text("[data-tracking-number]").strip()
        assert number != tracking and "Request saved" in page.inner_text("main")

        # The script's own "Add to this request": the plain POST carries duplicate_of.
        report("Ana Otra")
        page.locator(f"[data-add-to-existing='{tracking}']").click()
        page.wait_for_url(re.compile(r"/requests/[0-9A-Z-]+/receipt\?joined=1"))
        assert page.inner_text("[data-tracking-number]").strip() == tracking
        session.expire_all()
        by_name = {r.resident_name: r for r in session.scalars(sa.select(ServiceRequest).where(ServiceRequest.id != existing.id))}
        assert by_name["Rosa Nueva"].duplicate_of_id is None and by_name["Ana Otra"].duplicate_of_id == existing.id
    finally:
        ctx.close()
