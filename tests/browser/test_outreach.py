"""Outreach in a real Chromium: check in to an event, log a request with a photo and the device's GPS, show the
tracking number and its QR code, open the public status page signed out; a duplicate offered and accepted,
online and offline."""

from __future__ import annotations

import sqlalchemy as sa

from factories import UNION_SQUARE
from fieldops.activity.models import Activity
from fieldops.outreach.models import EventCheckin, OutreachEvent
from fieldops.photos.models import Photo
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from helpers import sign_in, wait_for_outbox
from imagefactory import make_jpeg
from factories import make_event, make_request, offset

# Where the tablet is: a few metres from Union Square (Somerville Ward 2).
HERE = offset(UNION_SQUARE, 12, 8)


def _tablet_context(browser, **kw):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        service_workers="allow",
        viewport={"width": 1280, "height": 900},
        locale="en-US",
        geolocation={"latitude": HERE[0], "longitude": HERE[1], "accuracy": 8},
        permissions=["geolocation"],
        **kw,
    )
    ctx.set_default_timeout(20_000)
    return ctx


def _wait_sent(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    wait_for_outbox(page, "o.state.counts && o.state.counts.total === 0 && !o.state.running", timeout=timeout)


def test_check_in_log_with_photo_and_gps_then_public_status(browser, live_server, session, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city)
    session.commit()
    event_id = event.id
    ctx = _tablet_context(browser)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/events")
    page.locator(f"[data-checkin-for='{event_id}'] [data-checkin-button]").click()
    # Checked in through the outbox; the page moves on to the intake form, which shows the event.
    page.wait_for_url("**/requests/new")
    page.wait_for_selector("[data-event-banner]:not([hidden])")
    assert "Coffee hour at Union Square" in page.inner_text("[data-event-banner]")

    page.locator("[data-type-search]").fill("street light")  # searchable: one match is chosen
    assert page.input_value("select[name=service_type]") == "streetlight"
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_function("() => document.querySelector('[data-location-status]').textContent.startsWith('GPS')")
    photo = tmp_path / "light.jpg"
    photo.write_bytes(make_jpeg(lat=HERE[0], lon=HERE[1]))
    page.set_input_files("input[name=photos]", str(photo))
    page.fill("textarea[name=description]", "La lumière clignote toute la nuit")
    page.select_option("select[name=description_language]", "ht")
    page.fill("input[name=resident_name]", "Jean Resident")
    page.fill("input[name=resident_phone]", "617-555-0142")
    page.select_option("select[name=resident_language]", "ht")
    page.check("input[name=contact_consent]")
    page.get_by_role("button", name="Save request").click()

    page.wait_for_selector("[data-tracking-panel]:not([hidden]) [data-tracking-qr] svg")
    tracking = page.inner_text("[data-tracking-number]").strip()
    assert len(tracking) == 9 and tracking[4] == "-"
    font_px = page.eval_on_selector("[data-tracking-number]", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert font_px >= 40  # big enough to read across a table
    qr_url = page.get_attribute("[data-tracking-qr]", "data-url")
    assert qr_url == f"{live_server}/status/{tracking}?lang=ht"
    _wait_sent(page)

    session.rollback()  # a fresh snapshot: the server wrote from other threads
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == tracking))
    assert req.event_id == event_id and req.channel == Channel.OUTREACH
    assert abs(req.latitude - HERE[0]) < 1e-5 and abs(req.longitude - HERE[1]) < 1e-5
    assert (req.resident_name, req.resident_language, req.contact_consent) == ("Jean Resident", "ht", True)
    assert req.description == "La lumière clignote toute la nuit"
    created = session.scalar(sa.select(Activity).where(Activity.request_id == req.id, Activity.verb == "request:created"))
    assert created.detail["description_language"] == "ht"
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.request_id == req.id)) == 1
    assert session.scalar(sa.select(EventCheckin.user_id).where(EventCheckin.event_id == event_id)) == city.olga.id

    # "Next resident": the resident is counted at the event.
    page.get_by_role("button", name="Next resident").click()
    for _ in range(100):  # the count travels through the outbox: wait for it to land
        session.rollback()
        if session.get(OutreachEvent, event_id).residents_met == 1:
            break
        page.wait_for_timeout(100)
    assert session.get(OutreachEvent, event_id).residents_met == 1
    assert page.locator("[data-tracking-panel]").is_hidden()

    # The resident scans the QR code: another browser, not signed in, in their language.
    public = browser.new_context(locale="en-US")
    status_page = public.new_page()
    status_page.goto(qr_url)
    body = status_page.inner_text("body")
    assert tracking in body and status_page.locator("html").get_attribute("lang") == "ht"
    assert status_page.locator("[data-request-status]").get_attribute("data-request-status") == "open"
    html = status_page.content()
    for private in ("Jean Resident", "617-555-0142", "clignote", "Olga"):
        assert private not in html, private
    # The page offers the other languages.
    status_page.select_option("select[data-language-select]", "en")
    status_page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert "Street light out" in status_page.inner_text("h1")
    public.close()
    ctx.close()
    assert errors == []


def test_duplicate_offered_and_added_to_the_existing_request(browser, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    existing = make_request(session, city, at=offset(HERE, 15, 0))
    make_request(session, city, at=offset(HERE, 400, 0))  # too far to be the same pothole
    session.commit()
    existing_number, existing_id = existing.tracking_number, existing.id
    ctx = _tablet_context(browser)
    page = ctx.new_page()
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/requests/new")
    page.select_option("select[name=service_type]", "pothole")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_selector("[data-duplicates]:not([hidden])")
    offered = page.locator("[data-duplicate-list] li")
    assert offered.count() == 1 and existing_number in offered.inner_text()
    page.fill("input[name=resident_name]", "Second Reporter")
    page.locator(f"[data-add-to-existing='{existing_number}']").click()  # one tap
    page.wait_for_selector("[data-tracking-panel]:not([hidden])")
    assert page.inner_text("[data-tracking-number]").strip() == existing_number
    assert "existing request" in page.inner_text("[data-tracking-intro]")
    _wait_sent(page)

    session.rollback()
    report = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.duplicate_of_id == existing_id))
    assert report.resident_name == "Second Reporter" and report.status == RequestStatus.CLOSED
    assert session.get(ServiceRequest, existing_id).status == RequestStatus.OPEN
    verbs = session.scalars(sa.select(Activity.verb).where(Activity.request_id == existing_id)).all()
    assert "request:duplicate_merged" in verbs
    ctx.close()


def test_duplicate_check_works_offline_against_the_saved_open_requests(browser, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    existing = make_request(session, city, at=offset(HERE, -20, 10))
    session.commit()
    existing_number, existing_id = existing.tracking_number, existing.id
    ctx = _tablet_context(browser)
    page = ctx.new_page()
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/requests/new")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("async () => (await import('fieldops/offline-ready')).getReady()")
    page.wait_for_selector("[data-ready-status][data-ready-at]", state="attached")

    ctx.set_offline(True)
    page.reload()
    page.select_option("select[name=service_type]", "pothole")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_selector("[data-duplicates]:not([hidden])")
    assert existing_number in page.inner_text("[data-duplicate-list]")
    assert "saved on this tablet" in page.inner_text("[data-duplicate-source]")
    page.locator(f"[data-add-to-existing='{existing_number}']").click()
    page.wait_for_selector("[data-tracking-panel]:not([hidden])")
    assert page.inner_text("[data-tracking-number]").strip() == existing_number
    wait_for_outbox(page, "o.state.counts && o.state.counts.total === 1", timeout=20_000)

    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    _wait_sent(page, timeout=45_000)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.duplicate_of_id == existing_id)) == 1
    ctx.close()


def test_the_receipt_and_the_message_follow_the_outbox_until_sent(browser, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    ctx = _tablet_context(browser)
    page = ctx.new_page()
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/requests/new")
    page.wait_for_load_state("networkidle")
    ctx.set_offline(True)  # no signal when it is saved
    page.select_option("select[name=service_type]", "streetlight")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_function("() => document.querySelector('[data-location-status]').textContent.startsWith('GPS')")
    page.get_by_role("button", name="Save request").click()
    page.wait_for_selector("[data-tracking-panel]:not([hidden])")
    assert "it will be sent when there is signal" in page.inner_text("[data-tracking-state]")
    assert "It will be sent when there is signal" in page.inner_text("#flash")

    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    _wait_sent(page)
    page.wait_for_function("() => document.querySelector('[data-tracking-state]').textContent === 'Sent to the city.'")
    page.wait_for_function("() => document.querySelector('#flash').textContent.includes('Sent to the city.')")
    assert "sending" not in page.inner_text("[data-tracking-panel]").lower() and "sending" not in page.inner_text("#flash").lower()
    assert "All changes sent" in page.inner_text("#sync-indicator")
    ctx.close()


def test_a_slow_duplicate_check_never_offers_the_report_just_saved(browser, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    ctx = _tablet_context(browser)
    page = ctx.new_page()
    sign_in(page, live_server, "olga")
    held: list = []  # the first duplicate check's request, answered only when the test says (a slow network)
    page.route("**/api/requests/duplicates*", lambda route: route.continue_() if held else held.append(route))
    page.goto(f"{live_server}/requests/new")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=service_type]", "pothole")
    page.get_by_role("button", name="Use my location").click()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the duplicate check did not start"
    page.get_by_role("button", name="Save request").click()  # while the check is still on its way
    page.wait_for_selector("[data-tracking-panel]:not([hidden])")
    for route in held:
        route.continue_()
    _wait_sent(page)
    page.wait_for_timeout(300)  # time for a stale answer to be drawn, if it were
    assert page.locator("[data-duplicates]").is_hidden()
    assert page.locator("[data-duplicate-list] li").count() == 0
    ctx.close()
