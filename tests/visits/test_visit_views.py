"""Follow-up visit pages: My visits (ordered list + route map), the doorstep form without JavaScript, the request panel."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from factories import DAVIS_SQUARE, UNION_SQUARE, CITY_HALL
from fieldops.db import utcnow
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import ServiceRequest
from fieldops.visits.models import FollowUpVisit, Resolution, VisitReason, VisitStatus
from helpers import csrf_token, login
from imagefactory import make_jpeg
from visit_factories import make_due_visit

# Davis Square, City Hall and Union Square lie roughly on a line, west to east (tests/factories.py).


def test_my_visits_shows_the_suggested_order_its_distance_and_the_route_map(session, client, city) -> None:  # type: ignore[no-untyped-def]
    # Listed by due time Union → Davis → City Hall (a zig-zag); the suggested order avoids going back.
    t = utcnow() - dt.timedelta(days=4)
    union = make_due_visit(session, city, at=UNION_SQUARE, address="1 Union Sq", closed_at=t)
    davis = make_due_visit(session, city, at=DAVIS_SQUARE, address="Davis Sq", closed_at=t + dt.timedelta(hours=1))
    hall = make_due_visit(session, city, at=CITY_HALL, address="93 Highland Ave", closed_at=t + dt.timedelta(hours=2))
    session.commit()
    login(client, "olga")
    resp = client.get("/visits")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    order = [int(i) for i in re.findall(r'<li class="visit[^"]*" data-visit-id="(\d+)"', html)]
    assert order == [union.id, hall.id, davis.id]
    summary = re.search(r"Suggested order: ([\d.]+) km \(unordered ([\d.]+) km\)", html)
    assert summary is not None
    ordered_km, unordered_km = float(summary.group(1)), float(summary.group(2))
    assert ordered_km < unordered_km
    # Union → City Hall → Davis is about 3.2 km in straight lines; Union → Davis → City Hall about 4.9 km.
    assert 2.9 < ordered_km < 3.5 and 4.5 < unordered_km < 5.3
    assert '"fieldops:route"' in html and re.search(r"/static/js/visits\.[0-9a-f]{12}\.js", html)
    assert '"n":1' in html and '"n":3' in html
    assert "HX-Request" in resp.headers["Vary"]


def test_my_visits_can_start_from_the_visitors_position(session, client, city) -> None:  # type: ignore[no-untyped-def]
    t = utcnow() - dt.timedelta(days=4)
    union = make_due_visit(session, city, at=UNION_SQUARE, closed_at=t)
    davis = make_due_visit(session, city, at=DAVIS_SQUARE, closed_at=t + dt.timedelta(hours=1))
    session.commit()
    login(client, "olga")
    html = client.get(f"/visits?from={DAVIS_SQUARE[0]},{DAVIS_SQUARE[1]}").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'data-visit-id="(\d+)"', html)]
    assert order == [davis.id, union.id]  # the nearest first
    assert "Starting from your location" in html and '"start":[' in html
    assert client.get("/visits?from=north").status_code == 422


def test_crews_have_no_visits_pages(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "alice")
    assert client.get("/visits").status_code == 403
    assert client.get(f"/visits/{visit.id}").status_code == 403


def test_visit_page_asks_the_questions_in_the_residents_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    visit.request.resident_language = "es"
    visit.language = "es"
    session.commit()
    login(client, "olga")
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert 'data-visit-outbox' in html and f'data-visit-id="{visit.id}"' in html and f'data-version="{visit.version}"' in html
    assert re.search(r'<option value="es" selected>', html)
    # Every language's questions travel with the page (switching works offline) ...
    assert re.search(r'<script type="application/json" nonce="[^"]+" id="visit-questions">', html)
    for code in ("en", "es", "pt", "ht"):
        assert f'"{code}": {{' in html or f'"{code}":{{' in html
    # ... and ?language= renders another one without JavaScript; the staff UI language is not changed by it.
    html_pt = client.get(f"/visits/{visit.id}?language=pt").get_data(as_text=True)
    assert re.search(r'<option value="pt" selected>', html_pt)
    assert 'lang="pt"' in html_pt and "Record the visit" in html_pt


def test_form_without_javascript_records_not_resolved_with_a_photo(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "olga")
    token = csrf_token(client, f"/visits/{visit.id}")
    resp = client.post(
        f"/visits/{visit.id}/outcome",
        data={
            "csrf_token": token,
            "outcome": "reached",
            "resolved": "no",
            "satisfaction": "2",
            "comments": "Still dark",
            "language": "en",
            "photos": (io.BytesIO(make_jpeg(width=320, height=240)), "door.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/visits/{visit.id}")
    session.expire_all()
    v = session.get(FollowUpVisit, visit.id)
    assert v.status == VisitStatus.DONE and v.resolved == Resolution.NO and v.satisfaction == 2
    follow_on = session.get(ServiceRequest, v.follow_on_request_id)
    assert follow_on.parent_id == v.request_id
    photo = session.scalar(sa.select(Photo).where(Photo.visit_id == v.id))
    assert photo.kind == PhotoKind.VISIT and photo.request_id == v.request_id
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Follow-on request" in page
    assert follow_on.tracking_number in page and 'id="visit-form"' not in page  # done: no form any more


def test_request_panel_shows_visits_both_ways_and_lets_supervisors_add_one(session, client, city) -> None:  # type: ignore[no-untyped-def]
    from fieldops.visits import services as visits
    from fieldops.visits.models import VisitOutcome
    from zoneinfo import ZoneInfo

    visit = make_due_visit(session, city)
    result = visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZoneInfo("UTC"), resolved=Resolution.PARTLY, satisfaction=3, comments="Half done")
    follow_on = result.follow_on
    session.commit()
    login(client, "sam")
    # The original request's page (the dispatch feature's) and the work order page carry the panel.
    page = client.get(f"/requests/{visit.request_id}").get_data(as_text=True)
    assert 'id="visits-panel"' in page and follow_on.tracking_number in page and "Half done" in page
    assert f'href="/requests/{follow_on.id}"' in page
    wo_page = client.get(f"/work-orders/{visit.work_order_id}").get_data(as_text=True)
    assert 'id="visits-panel"' in wo_page and follow_on.tracking_number in wo_page
    # The follow-on's page links back to the original.
    back = client.get(f"/requests/{follow_on.id}").get_data(as_text=True)
    assert "data-follow-on-of" in back and visit.request.tracking_number in back and f'href="/requests/{visit.request_id}"' in back
    assert "only partly resolved" in back

    # Add a visit by hand, for Olga, on a date; back to the page it came from.
    token = csrf_token(client, f"/requests/{visit.request_id}")
    day = (utcnow() + dt.timedelta(days=2)).date().isoformat()
    resp = client.post(
        f"/requests/{visit.request_id}/visits",
        data={"csrf_token": token, "due_on": day, "assignee_id": str(city.olga.id), "next": f"/requests/{visit.request_id}"},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/requests/{visit.request_id}")
    manual = session.scalar(sa.select(FollowUpVisit).where(FollowUpVisit.reason == VisitReason.MANUAL))
    assert manual.assigned_to_id == city.olga.id and manual.due_at.date() >= (utcnow() + dt.timedelta(days=1)).date()
    # Never redirected off the site.
    resp = client.post(f"/requests/{visit.request_id}/visits", data={"csrf_token": token, "next": "//evil.example/"})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_outreach_staff_cannot_add_assign_or_cancel(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "olga")
    token = csrf_token(client, "/visits")
    assert client.post(f"/requests/{visit.request_id}/visits", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/visits/{visit.id}/assign", data={"csrf_token": token, "assignee_id": str(city.olga.id)}).status_code == 403
    assert client.post(f"/visits/{visit.id}/cancel", data={"csrf_token": token}).status_code == 403
    assert session.get(FollowUpVisit, visit.id).status == VisitStatus.PENDING


def test_supervisor_assigns_and_cancels_from_the_panel(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, f"/visits/{visit.id}")
    resp = client.post(f"/visits/{visit.id}/assign", data={"csrf_token": token, "assignee_id": str(city.olga.id)})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(FollowUpVisit, visit.id).assigned_to_id == city.olga.id
    resp = client.post(f"/visits/{visit.id}/assign", data={"csrf_token": token, "assignee_id": str(city.alice.id)})
    assert resp.status_code == 422  # crews do not visit
    resp = client.post(f"/visits/{visit.id}/cancel", data={"csrf_token": token, "reason": "Resident moved"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(FollowUpVisit, visit.id).status == VisitStatus.CANCELLED


def test_completing_a_job_from_the_page_plans_the_visit_shown_in_the_panel(session, client, city) -> None:  # type: ignore[no-untyped-def]
    from factories import make_job
    from fieldops.catalog.models import FollowUpPolicy
    from visit_factories import set_policy

    set_policy(city.streetlight, FollowUpPolicy.ALWAYS, delay_hours=24)
    wo = make_job(session, city, service_type=city.streetlight, assignee=city.alice)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, f"/work-orders/{wo.id}")
    for to in ("en_route", "on_site"):
        session.expire_all()
        version = session.get(type(wo), wo.id).version
        assert client.post(f"/work-orders/{wo.id}/status", data={"csrf_token": token, "to": to, "version": version}).status_code == 302
    session.expire_all()
    version = session.get(type(wo), wo.id).version
    resp = client.post(f"/work-orders/{wo.id}/status", data={"csrf_token": token, "to": "completed", "version": version, "resolution": "New lamp"})
    assert resp.status_code == 302
    page = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    [visit] = session.scalars(sa.select(FollowUpVisit).where(FollowUpVisit.request_id == wo.request_id)).all()
    assert f'data-visit-id="{visit.id}"' in page and "Follow-up visits" in page


def test_refusals_reach_a_spanish_supervisor_in_spanish(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "sam")
    token = csrf_token(client, f"/visits/{visit.id}?lang=es")  # the language menu's choice, kept for the session
    resp = client.post(f"/visits/{visit.id}/assign", data={"csrf_token": token, "assignee_id": str(city.alice.id)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Alice Crew no hace visitas de seguimiento (las hacen los agentes comunitarios y los supervisores)." in html
    assert "does not make follow-up visits" not in html
    assert client.post(f"/visits/{visit.id}/cancel", data={"csrf_token": token}).status_code == 302
    # The status the refusal names is the word the page shows, in Spanish too.
    resp = client.post(f"/visits/{visit.id}/cancel", data={"csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f"La visita de seguimiento n.º {visit.id} está cancelada; solo se pueden cancelar las visitas pendientes." in html


def test_the_doorstep_form_refusal_is_in_spanish(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    login(client, "olga")
    token = csrf_token(client, f"/visits/{visit.id}?lang=es")
    resp = client.post(f"/visits/{visit.id}/outcome", data={"csrf_token": token, "language": "es"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Indique si habló con el residente o si no estaba." in html
