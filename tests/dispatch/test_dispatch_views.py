"""Triage, request page, assign/merge/transfer/reassign through the real forms (CSRF, roles, htmx fragments)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from factories import make_parks, make_untriaged, zone_crews
from factories import DAVIS_SQUARE, UNION_SQUARE, make_job
from fieldops.db import utcnow
from fieldops.dispatch import services as dispatch_services
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.workorders.models import WorkOrder, WorkOrderStatus as S
from helpers import csrf_token, login

HTMX = {"HX-Request": "true"}


def _selected(html: str, name: str) -> str | None:
    """The value of the selected option of the first <select name=...>."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    chosen = re.search(r'<option value="([^"]*)" selected', select.group(1))
    return chosen.group(1) if chosen else None


def test_triage_is_for_supervisors(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    assert client.get("/triage").status_code == 403
    assert client.get("/sla").status_code == 403


def test_triage_page_filters_and_suggests_the_district_crew(session, client, city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)
    davis = make_untriaged(session, city, at=DAVIS_SQUARE, address="Davis Sq", created_at=utcnow() - dt.timedelta(days=4))
    union = make_untriaged(session, city, service_type=city.streetlight, at=UNION_SQUARE, address="Union Sq")
    session.commit()
    login(client, "sam")
    resp = client.get("/triage")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    assert "Triage (2)" in html
    assert davis.tracking_number in html and union.tracking_number in html
    # Past the badge's limit the nav says "N+", while the queue itself still counts them all.
    monkeypatch.setattr(dispatch_services, "BADGE_LIMIT", 1)
    html = client.get("/triage").get_data(as_text=True)
    assert "Triage (1+)" in html and "Triage (2)" not in html
    assert davis.tracking_number in html and union.tracking_number in html
    assert "Maria Resident" not in html and "617-555" not in html
    assert 'data-sla="open_overdue"' in html  # the 4-day-old pothole
    # Each row's crew select preselects the crew whose district holds the point.
    rows = re.findall(r'<li class="triage-item[^"]*" data-request="(\d+)".*?</li>', html, re.S)
    assert rows == [str(davis.id), str(union.id)]
    davis_row = html[html.index(f'data-request="{davis.id}"') : html.index(f'data-request="{union.id}"')]
    assert _selected(davis_row, "crew_id") == str(city.crew_b.id)
    assert f"suggested: {city.crew_b.name}" in davis_row
    union_row = html[html.index(f'data-request="{union.id}"') :]
    assert _selected(union_row, "crew_id") == str(city.crew_a.id)

    # htmx asks the same URL for just the results.
    frag = client.get(f"/triage?type={city.streetlight.id}&age=", headers=HTMX).get_data(as_text=True)
    assert "<html" not in frag and union.tracking_number in frag and davis.tracking_number not in frag
    assert "1 request waits" in frag
    assert davis.tracking_number in client.get("/triage?age=3d").get_data(as_text=True)
    assert union.tracking_number not in client.get("/triage?age=3d").get_data(as_text=True)
    assert union.tracking_number not in client.get("/triage?overdue=1").get_data(as_text=True)
    assert client.get("/triage?age=forever").status_code == 422
    assert client.get("/triage?channel=pigeon").status_code == 422
    assert client.get("/triage?type=abc").status_code == 422


def test_triage_pages_through_long_queues(session, client, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    made = [make_untriaged(session, city, created_at=now - dt.timedelta(minutes=n)) for n in range(27)]
    session.commit()
    login(client, "sam")
    html = client.get("/triage?sort=newest").get_data(as_text=True)
    assert "Page 1 of 2" in html and 'href="/triage?sort=newest&amp;page=2"' in html
    page2 = client.get("/triage?sort=newest&page=2", headers=HTMX).get_data(as_text=True)
    assert made[26].tracking_number in page2 and made[0].tracking_number not in page2


def test_assigning_from_triage_returns_the_refreshed_queue(session, client, city) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)
    req = make_untriaged(session, city)
    other = make_untriaged(session, city, service_type=city.streetlight)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, "/triage")
    resp = client.post(
        f"/requests/{req.id}/work-orders",
        data={"csrf_token": token, "from": "triage", "crew_id": city.crew_a.id, "assignee_id": city.alice.id, "priority": "2", "instructions": "Cones", "type": str(city.pothole.id)},
        headers=HTMX,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "assigned to Alice Crew" in html and "<html" not in html
    # The queue kept its filter (potholes only): the street light is not listed, the assigned one left.
    assert req.tracking_number not in html.split("</p>", 1)[1] and other.tracking_number not in html
    wo = session.scalars(sa.select(WorkOrder).where(WorkOrder.request_id == req.id)).one()
    assert (wo.crew_id, wo.assignee_id, wo.priority, wo.instructions, wo.status) == (city.crew_a.id, city.alice.id, 2, "Cones", S.ASSIGNED)

    # Without htmx: back to the queue with the message.
    resp = client.post(f"/requests/{other.id}/work-orders", data={"csrf_token": token, "from": "triage", "crew_id": city.crew_b.id, "priority": "3"})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/triage")
    # A mistake is explained, nothing is created.
    third = make_untriaged(session, city)
    session.commit()
    resp = client.post(f"/requests/{third.id}/work-orders", data={"csrf_token": token, "from": "triage", "crew_id": city.crew_a.id, "assignee_id": city.bob.id}, headers=HTMX)
    assert resp.status_code == 422 and "Bob Crew is not in DPW Crew A" in resp.get_data(as_text=True)
    assert resp.headers["HX-Retarget"] == "#flash"
    assert client.post(f"/requests/{third.id}/work-orders", data={"from": "triage", "crew_id": city.crew_a.id}).status_code == 400  # no CSRF


def test_request_page_for_supervisors_and_crews(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    session.commit()
    login(client, "sam")
    html = client.get(f"/requests/{wo.request_id}").get_data(as_text=True)
    assert wo.request.tracking_number in html and "Maria Resident" in html and "617-555-0100" in html
    assert f'href="/work-orders/{wo.id}"' in html and "workorder:created" in html
    assert f'action="/work-orders/{wo.id}/reassign"' in html
    assert "/merge" in html and "/transfer" in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/triage")})
    login(client, "alice")
    html = client.get(f"/requests/{wo.request_id}").get_data(as_text=True)
    assert wo.request.tracking_number in html
    assert "Maria Resident" not in html and "617-555" not in html  # resident contact: supervisors only
    assert "/reassign" not in html and "/merge" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my-work")})
    login(client, "bob")
    assert client.get(f"/requests/{wo.request_id}").status_code == 404  # not one of bob's: answered as unknown
    assert client.get("/requests/99999").status_code == 404


def test_work_order_pages_link_to_the_request(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "sam")
    assert f'href="/requests/{wo.request_id}"' in client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert f'href="/requests/{wo.request_id}"' in client.get("/work-orders").get_data(as_text=True)


def test_merge_through_the_form(session, client, city) -> None:  # type: ignore[no-untyped-def]
    keep = make_untriaged(session, city)
    dup = make_untriaged(session, city, at=(UNION_SQUARE[0] + 0.0001, UNION_SQUARE[1]))
    session.commit()
    login(client, "sam")
    page = client.get(f"/requests/{dup.id}/merge").get_data(as_text=True)
    assert f'value="{keep.tracking_number}"' in page  # offered as a nearby candidate
    token = csrf_token(client, "/triage")
    resp = client.post(f"/requests/{dup.id}/merge", data={"csrf_token": token, "other": keep.tracking_number, "keep": "other"}, headers=HTMX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/requests/{keep.id}"
    session.expire_all()
    assert session.get(ServiceRequest, dup.id).duplicate_of_id == keep.id
    html = client.get(f"/requests/{keep.id}").get_data(as_text=True)
    assert "merged into" in html and dup.tracking_number in html
    resp = client.post(f"/requests/{keep.id}/merge", data={"csrf_token": token, "other_typed": "zzzz-zzzz"}, headers=HTMX)
    assert resp.status_code == 404 and "ZZZZ-ZZZZ" in resp.get_data(as_text=True)
    # Typed in lower case, and the one already merged cannot survive.
    resp = client.post(f"/requests/{keep.id}/merge", data={"csrf_token": token, "other_typed": dup.tracking_number.lower()}, headers=HTMX)
    assert resp.status_code == 422 and f"was itself merged into {keep.tracking_number}" in resp.get_data(as_text=True)
    resp = client.post(f"/requests/{keep.id}/merge", data={"csrf_token": token, "other_typed": dup.tracking_number, "keep": "this"}, headers=HTMX)
    assert resp.status_code == 409 and "already merged" in resp.get_data(as_text=True)


def test_transfer_form_states_the_clock_rule_and_keeps_the_reason(session, client, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    req = make_untriaged(session, city)
    session.commit()
    login(client, "sam")
    page = client.get(f"/requests/{req.id}/transfer").get_data(as_text=True)
    assert "The SLA clock continues" in page and "stays due" in page
    frag = client.get(f"/requests/{req.id}/transfer?department_id={parks.dept.id}&service_type_id={parks.tree.id}", headers=HTMX).get_data(as_text=True)
    assert "<html" not in frag and "The SLA clock restarts" in frag and "10 business days" in frag
    token = csrf_token(client, "/triage")
    resp = client.post(f"/requests/{req.id}/transfer", data={"csrf_token": token, "department_id": parks.dept.id, "reason": ""}, headers=HTMX)
    assert resp.status_code == 422 and "Say why" in resp.get_data(as_text=True)
    resp = client.post(
        f"/requests/{req.id}/transfer",
        data={"csrf_token": token, "department_id": parks.dept.id, "service_type_id": parks.tree.id, "reason": "Roots of a street tree"},
    )
    assert resp.status_code == 302 and resp.headers["Location"] == f"/requests/{req.id}"
    html = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Roots of a street tree" in html and "Parks and Recreation" in html
    session.expire_all()
    assert session.get(ServiceRequest, req.id).department_id == parks.dept.id


def test_reassign_from_the_request_page(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, "/triage")
    resp = client.post(
        f"/work-orders/{wo.id}/reassign",
        data={"csrf_token": token, "crew_id": city.crew_b.id, "assignee_id": city.bob.id, "version": wo.version, "next": f"/requests/{wo.request_id}"},
    )
    assert resp.status_code == 302 and resp.headers["Location"] == f"/requests/{wo.request_id}"
    session.expire_all()
    assert session.get(WorkOrder, wo.id).assignee_id == city.bob.id
    stale = client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": token, "crew_id": city.crew_a.id, "version": 1})
    assert stale.status_code == 303 and stale.headers["Location"] == f"/requests/{wo.request_id}"
    html = client.get(f"/requests/{wo.request_id}").get_data(as_text=True)
    assert re.search(r'<div id="flash"[^>]*>(?:(?!</div>).)*<p class="flash error">Work order #\d+ changed since you opened the page', html, re.S)
    stale = client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": token, "crew_id": city.crew_a.id, "version": 1}, headers=HTMX)
    assert stale.status_code == 409 and stale.headers["HX-Retarget"] == "#flash"
    assert "changed since you opened the page" in stale.get_data(as_text=True)
    resp = client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": token, "crew_id": city.crew_a.id, "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/requests/{wo.request_id}"


def test_closed_and_merged_requests_offer_no_actions(session, client, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city)
    req.status = RequestStatus.CLOSED
    req.closed_at = utcnow()
    session.commit()
    login(client, "sam")
    html = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Create a work order" not in html and "/transfer" not in html


def test_work_order_page_offers_reassignment_to_supervisors_only(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    session.commit()
    login(client, "sam")
    html = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert f'action="/work-orders/{wo.id}/reassign"' in html and 'value="/work-orders/' in html
    token = csrf_token(client, f"/work-orders/{wo.id}")
    resp = client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": token, "crew_id": city.crew_b.id, "next": f"/work-orders/{wo.id}"})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/work-orders/{wo.id}"
    assert "Reassigned from Alice Crew (DPW Crew A) to DPW Crew B" in client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    login(client, "bob")
    html = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert "/reassign" not in html
    assert client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": csrf_token(client, "/my-work"), "crew_id": city.crew_a.id}).status_code == 403


def test_reassign_on_the_work_order_page_works_like_triage(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    session.commit()
    login(client, "sam")
    page = f"/work-orders/{wo.id}"
    html = client.get(page).get_data(as_text=True)
    # The assignee list follows the chosen crew (pwa/js/dispatch.js), and a refusal lands in #flash (htmx).
    assert "/js/dispatch." in html and 'hx-target="#flash"' in html
    token = csrf_token(client, page)
    # Only the crew changed: the form still names Alice, who is not in crew B; the job goes to crew B as a whole.
    resp = client.post(f"/work-orders/{wo.id}/reassign", data={"csrf_token": token, "crew_id": city.crew_b.id, "assignee_id": city.alice.id, "version": wo.version, "next": page})
    assert resp.status_code == 302 and resp.headers["Location"] == page
    session.expire_all()
    moved = session.get(WorkOrder, wo.id)
    assert (moved.crew_id, moved.assignee_id) == (city.crew_b.id, None)
    # A person of another crew, chosen on purpose, is refused: the page again, with its form and the reason.
    data = {"csrf_token": token, "crew_id": city.crew_a.id, "assignee_id": city.bob.id, "version": moved.version, "next": page}
    resp = client.post(f"/work-orders/{wo.id}/reassign", data=data)
    assert resp.status_code == 303 and resp.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    assert re.search(r'<div id="flash"[^>]*>(?:(?!</div>).)*<p class="flash error">Bob Crew is not in DPW Crew A; choose one of its members', html, re.S)
    assert f'action="/work-orders/{wo.id}/reassign"' in html and "Back to the start" not in html
    resp = client.post(f"/work-orders/{wo.id}/reassign", data=data, headers=HTMX)
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#flash"
    assert '<p class="flash error" role="alert">Bob Crew is not in DPW Crew A' in resp.get_data(as_text=True)
    resp = client.post(f"/work-orders/{wo.id}/reassign", data={**data, "assignee_id": city.bob.id, "crew_id": city.crew_b.id}, headers=HTMX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == page
    session.expire_all()
    assert session.get(WorkOrder, wo.id).assignee_id == city.bob.id


def test_nav_counts_the_triage_queue_for_supervisors(session, client, city) -> None:  # type: ignore[no-untyped-def]
    make_untriaged(session, city)
    make_job(session, city)
    session.commit()
    login(client, "sam")
    assert "Triage (1)" in client.get("/work-orders").get_data(as_text=True)


def test_request_page_links_parent_follow_on_event_and_answers(session, client, city) -> None:  # type: ignore[no-untyped-def]
    from factories import make_event
    from fieldops.catalog.models import AttributeType, ServiceAttribute
    from fieldops.servicerequests.models import Channel
    from fieldops.servicerequests.services import create_request

    event = make_event(session, city)
    session.add(ServiceAttribute(service_type=city.pothole, code="depth", datatype=AttributeType.NUMBER, description="How deep is it (inches)?"))
    parent = make_untriaged(session, city)
    child = create_request(
        session, city.sam, service_type=city.pothole, channel=Channel.OUTREACH, latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1],
        parent=parent, event_id=event.id, attributes={"depth": 4},
    )
    session.commit()
    login(client, "sam")
    html = client.get(f"/requests/{child.id}").get_data(as_text=True)
    assert f'href="/requests/{parent.id}"' in html and "Coffee hour at Union Square" in html
    assert "How deep is it (inches)?" in html and "<dd>4</dd>" in html
    assert f'href="/requests/{child.id}"' in client.get(f"/requests/{parent.id}").get_data(as_text=True)


def test_a_refused_assignment_is_in_the_supervisors_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, f"/requests/{wo.request_id}?lang=es")
    resp = client.post(f"/requests/{wo.request_id}/work-orders", data={"csrf_token": token, "crew_id": city.crew_a.id, "priority": "3"}, headers=HTMX)
    assert resp.status_code == 409
    assert f"{wo.request.tracking_number} ya tiene la orden de trabajo abierta n.º {wo.id}; reasigne esa en su lugar." in resp.get_data(as_text=True)


def _option_names(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [t.strip() for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)) if v]


def test_service_type_menus_sort_by_the_readers_names(session, client, city) -> None:  # type: ignore[no-untyped-def]
    # Spanish names that sort the other way round from the English ones.
    city.pothole.translations = {"es": {"name": "Zanja en la calzada"}}
    city.streetlight.translations = {"es": {"name": "Alumbrado apagado"}}
    req = make_untriaged(session, city)
    session.commit()
    login(client, "sam")
    english = _option_names(client.get("/triage").get_data(as_text=True), "type")
    spanish = _option_names(client.get("/triage?lang=es").get_data(as_text=True), "type")
    assert english == sorted(english, key=str.casefold) and spanish == sorted(spanish, key=str.casefold)
    assert english.index(city.pothole.name) < english.index(city.streetlight.name)
    assert spanish.index("Alumbrado apagado") < spanish.index("Zanja en la calzada")
    page = client.get(f"/requests/{req.id}/transfer?lang=es&department_id={city.pothole.department_id}").get_data(as_text=True)
    names = _option_names(page, "service_type_id")
    assert names == sorted(names, key=str.casefold) and "Zanja en la calzada" in names
    if city.streetlight.department_id == city.pothole.department_id:
        assert names.index("Alumbrado apagado") < names.index("Zanja en la calzada")


def test_priority_menu_is_in_the_readers_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city)
    session.commit()
    login(client, "sam")
    page = client.get(f"/requests/{req.id}?lang=es").get_data(as_text=True)
    assert "1 · Emergencia" in page and "4 · Baja" in page and "Emergency" not in page


def test_a_follow_on_says_why_in_the_readers_language_and_stores_only_peoples_words(session, client, city) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from fieldops.visits import services as visits
    from fieldops.visits.models import Resolution, VisitOutcome

    wo = make_job(session, city)
    req = wo.request
    req.description = "Deep pothole in the crosswalk"
    visit = visits.add_visit(session, city.sam, req, assignee=city.olga)
    session.flush()
    result = visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, resolved=Resolution.NO, satisfaction=1,
                                   comments="Sigue el bache", zone=ZoneInfo("America/New_York"))
    follow_on = result.follow_on
    assert follow_on is not None
    session.commit()
    assert follow_on.description == "Sigue el bache\nDeep pothole in the crosswalk"
    login(client, "sam")
    html = client.get(f"/requests/{follow_on.id}?lang=es").get_data(as_text=True)
    assert f"Abierta porque la visita de seguimiento n.º {visit.id} encontró {req.tracking_number} no resuelto" in html
    assert "found the problem" not in html and "Originally reported" not in html
    assert "data-follow-on-reason" not in client.get(f"/requests/{req.id}?lang=es").get_data(as_text=True)
