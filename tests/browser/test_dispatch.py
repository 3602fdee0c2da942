"""A supervisor assigns a request from the triage queue; the crew member sees it on their map and list."""

from __future__ import annotations

import sqlalchemy as sa

from factories import make_job, make_untriaged, zone_crews
from factories import DAVIS_SQUARE, UNION_SQUARE
from fieldops.workorders.models import WorkOrder, WorkOrderStatus
from helpers import open_marker_popup, sign_in


def test_supervisor_assigns_from_triage_and_the_crew_sees_it_on_the_map(server, page, browser, session, city) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)  # crew A: ward 2 (Union Square); crew B: ward 6 (Davis Square)
    pothole = make_untriaged(session, city, at=DAVIS_SQUARE, address="Davis Sq, Somerville", description="Deep pothole at the T entrance")
    light = make_untriaged(session, city, service_type=city.streetlight, at=UNION_SQUARE, address="Union Sq")
    session.commit()
    base = server.url

    sign_in(page, base, "sam")
    page.get_by_role("link", name="Triage (2)").click()
    page.wait_for_url("**/triage")
    assert page.locator(".triage-item").count() == 2

    # Filter by type: htmx swaps the list and the address bar keeps the filter.
    page.select_option("select[name=type]", label="Pothole")
    page.wait_for_function("() => document.querySelectorAll('.triage-item').length === 1")
    assert "type=" in page.url
    row = page.locator(f'.triage-item[data-tracking="{pothole.tracking_number}"]')
    assert light.tracking_number not in page.inner_text("#triage-results")

    # The crew whose district contains the point is suggested and preselected.
    row.locator("details.assign summary").click()
    assert "suggested: DPW Crew B" in row.locator("details.assign summary").inner_text()
    crew_select = row.locator("select[name=crew_id]")
    assert crew_select.input_value() == str(city.crew_b.id)
    # Only crew B's members are offered.
    assert row.locator(f'optgroup[data-crew="{city.crew_a.id}"]').evaluate("g => g.disabled")
    row.locator("select[name=assignee_id]").select_option(label="Bob Crew")
    row.locator("select[name=priority]").select_option("2")
    row.locator("textarea[name=instructions]").fill("Cones are in the truck")
    row.get_by_role("button", name="Create work order").click()
    page.wait_for_selector("#flash .flash.success")  # the sticky message area, in view
    assert "assigned to Bob Crew" in page.inner_text("#flash .flash.success")
    assert page.locator(".triage-item").count() == 0
    assert page.inner_text("#nav-triage") == "Triage (1)"  # the street light still waits
    assert "type=" in page.url  # still filtered

    session.rollback()  # a fresh snapshot: the server wrote from its own threads
    wo = session.scalars(sa.select(WorkOrder).where(WorkOrder.request_id == pothole.id)).one()
    assert (wo.crew_id, wo.assignee_id, wo.priority, wo.status) == (city.crew_b.id, city.bob.id, 2, WorkOrderStatus.ASSIGNED)

    # Bob, on his own tablet, sees the job on the My work map and list.
    crew_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        tablet = crew_ctx.new_page()
        errors: list[str] = []
        tablet.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(tablet, base, "bob")
        assert tablet.url.endswith("/my-work")
        tablet.wait_for_selector(".folium-map[data-marker-count]")
        assert tablet.locator(".folium-map").get_attribute("data-marker-count") == "1"
        marker = tablet.locator(f'.leaflet-marker-icon.fo-pin[title^="#{wo.id} "]')
        assert marker.count() == 1
        assert tablet.locator(f'.wo-list li.wo[data-work-order="{wo.id}"]').count() == 1
        assert "Davis Sq, Somerville" in tablet.inner_text(".wo-list")
        open_marker_popup(tablet, f'.leaflet-marker-icon.fo-pin[title^="#{wo.id} "]').click()
        tablet.wait_for_url(f"**/work-orders/{wo.id}")
        assert "Cones are in the truck" in tablet.inner_text("main")
        assert errors == []
    finally:
        crew_ctx.close()


def test_reassign_on_the_work_order_page_filters_by_crew_and_tells_a_refusal_in_place(server, page, session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    session.commit()
    wo_id = wo.id
    sign_in(page, server.url, "sam")
    page.goto(f"{server.url}/work-orders/{wo_id}")
    panel = page.locator("#reassign")
    crew, person = panel.locator("select[name=crew_id]"), panel.locator("select[name=assignee_id]")
    page.wait_for_function(f"() => document.querySelector('#reassign optgroup[data-crew=\"{city.crew_b.id}\"]').disabled")
    assert person.input_value() == str(city.alice.id)
    # Another crew: its members only, and Alice (not in it) is no longer chosen.
    crew.select_option(str(city.crew_b.id))
    assert person.input_value() == ""
    assert panel.locator(f'optgroup[data-crew="{city.crew_a.id}"]').evaluate("g => g.disabled && g.hidden")
    assert not panel.locator(f'optgroup[data-crew="{city.crew_b.id}"]').evaluate("g => g.disabled")
    # Someone else moved the job meanwhile: the refusal is told in the message area, the form stays as it was set.
    session.get(WorkOrder, wo_id).version += 1
    session.commit()
    person.select_option(str(city.bob.id))
    panel.get_by_role("button", name="Reassign").click()
    page.wait_for_selector("#flash .flash.error")
    assert "changed since you opened the page" in page.inner_text("#flash")
    assert page.url.endswith(f"/work-orders/{wo_id}") and person.input_value() == str(city.bob.id)
    # Reloaded, the reassignment goes through and the page says so.
    page.reload()
    panel.locator("select[name=crew_id]").select_option(str(city.crew_b.id))
    panel.locator("select[name=assignee_id]").select_option(str(city.bob.id))
    panel.get_by_role("button", name="Reassign").click()
    page.wait_for_selector("#flash .flash.success")
    assert "reassigned to Bob Crew" in page.inner_text("#flash")
    session.expire_all()
    assert session.get(WorkOrder, wo_id).assignee_id == city.bob.id
