"""A crew member's day in a real browser: map → work order → before/after photos → completed."""

from __future__ import annotations

import sqlalchemy as sa

from helpers import open_marker_popup, sign_in
from factories import DAVIS_SQUARE, UNION_SQUARE, make_job
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.services import photo_storage
from fieldops.servicerequests.models import RequestStatus
from fieldops.workorders.models import WorkOrder, WorkOrderStatus
from imagefactory import make_jpeg


def test_crew_closes_a_pothole_from_the_map_with_an_after_photo(page, live_server, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, at=UNION_SQUARE, address="1 Union Sq")
    make_job(session, city, at=DAVIS_SQUARE, address="Davis Sq")
    make_job(session, city, assignee=city.bob, address="Somebody else's job")
    session.commit()
    job_id = job.id

    sign_in(page, live_server, "alice")
    assert page.url.endswith("/my-work")
    assert page.locator(".wo-list li.wo").count() == 2
    assert page.locator(".folium-map").get_attribute("data-marker-count") == "2"

    # Open the job from its marker on the map.
    open_marker_popup(page, f'.leaflet-marker-icon.fo-pin[title^="#{job_id} "]').click()
    page.wait_for_url(f"**/work-orders/{job_id}")

    # htmx status buttons: assigned → en route → on site.
    page.get_by_role("button", name="En route").click()
    page.wait_for_selector('[data-status="en_route"]')
    page.get_by_role("button", name="On site").click()
    page.wait_for_selector('[data-status="on_site"]')

    # Completing without the required after photo is refused with a clear message, and nothing changes.
    page.fill("textarea[name=resolution]", "Filled with hot patch")
    page.get_by_role("button", name="Complete", exact=True).click()
    page.wait_for_selector("#flash .flash.error")
    assert "need an “after” photo" in page.inner_text("#flash")

    # A real JPEG from a phone, with EXIF GPS (Union Square) and a rotated orientation.
    photo_file = tmp_path / "after.jpg"
    photo_file.write_bytes(make_jpeg(lat=42.37951, lon=-71.09372, orientation=6))
    page.check("input[name=kind][value=after]")
    page.set_input_files("input[name=photos]", str(photo_file))
    page.get_by_role("button", name="Upload photos").click()
    page.wait_for_selector("#photos li.photo.after img")
    # The thumbnail really loads (served, decodable).
    assert page.eval_on_selector("#photos li.photo.after img", "img => img.complete && img.naturalWidth > 0") or page.wait_for_function(
        "() => { const i = document.querySelector('#photos li.photo.after img'); return i.complete && i.naturalWidth > 0 }"
    )

    page.fill("textarea[name=resolution]", "Filled with hot patch and rolled")
    page.get_by_role("button", name="Complete", exact=True).click()
    page.wait_for_selector('[data-status="completed"]')
    assert "Filled with hot patch and rolled" in page.inner_text("#status-panel")

    session.rollback()  # a fresh snapshot: the server wrote from other threads
    wo = session.get(WorkOrder, job_id)
    assert wo.status == WorkOrderStatus.COMPLETED
    assert wo.resolution == "Filled with hot patch and rolled"
    assert wo.request.status == RequestStatus.CLOSED
    photo = session.scalar(sa.select(Photo).where(Photo.work_order_id == job_id))
    assert photo.kind == PhotoKind.AFTER
    assert abs(photo.latitude - 42.37951) < 1e-5 and abs(photo.longitude + 71.09372) < 1e-5
    assert (photo.width, photo.height) == (800, 1200)  # orientation applied
    stored = photo_storage(settings).read(photo.storage_key)
    assert stored[:2] == b"\xff\xd8" and b"GPS" not in stored
    verbs = list(session.execute(sa.text("SELECT verb FROM activity WHERE work_order_id = :w ORDER BY id"), {"w": job_id}).scalars())
    assert verbs == ["workorder:created", "status:en_route", "status:on_site", "photo:after", "status:completed"]


def test_the_show_filter_changes_the_map_with_the_list(page, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    open_jobs = [make_job(session, city, at=UNION_SQUARE, address="1 Union Sq"), make_job(session, city, at=DAVIS_SQUARE, address="Davis Sq")]
    open_jobs[0].status = WorkOrderStatus.EN_ROUTE
    session.commit()
    en_route = open_jobs[0].id

    sign_in(page, live_server, "alice")
    pins = page.locator(".folium-map")
    assert pins.get_attribute("data-marker-count") == "2"
    page.select_option(".filters select[name=status]", "en_route")
    page.wait_for_function("() => document.querySelectorAll('.wo-list li.wo').length === 1")
    page.wait_for_function("() => document.querySelector('.folium-map').dataset.markerCount === '1'")
    assert page.locator(f'.leaflet-marker-icon.fo-pin[title^="#{en_route} "]').count() == 1
    page.select_option(".filters select[name=status]", "closed")
    page.wait_for_function("() => document.querySelector('.folium-map').dataset.markerCount === '0'")
    assert page.locator(".leaflet-marker-icon.fo-pin").count() == 0
    page.select_option(".filters select[name=status]", "open")
    page.wait_for_function("() => document.querySelector('.folium-map').dataset.markerCount === '2'")
