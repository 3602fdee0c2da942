"""Pages and APIs: events, check-in without JavaScript, the intake with an event, the duplicate API, the public status page."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from factories import UNION_SQUARE, make_job
from fieldops.catalog.models import AttributeType, ServiceAttribute
from fieldops.db import utcnow
from fieldops.outreach.models import EventCheckin, OutreachEvent
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.workorders.models import WorkOrderStatus
from fieldops.workorders.services import change_status
from helpers import csrf_token, login
from factories import make_event, make_request, offset


def test_outreach_staff_create_an_event_in_local_time(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/events")
    resp = client.post("/events", data={"csrf_token": token, "name": "Tenants meeting", "place": "Library", "latitude": str(UNION_SQUARE[0]),
                                         "longitude": str(UNION_SQUARE[1]), "day": "2027-06-01", "start": "18:00", "end": "20:00"})
    assert resp.status_code == 302
    event = session.scalar(sa.select(OutreachEvent))
    assert event.starts_at.isoformat() == "2027-06-01T22:00:00+00:00"  # 18:00 in Boston (EDT)
    assert event.district.code == "2"
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Tenants meeting" in html and "+1 resident" in html


def test_crews_cannot_create_events(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    token = csrf_token(client, "/requests/new")
    resp = client.post("/events", data={"csrf_token": token, "name": "x", "place": "y", "day": "2030-06-01", "start": "10:00", "end": "11:00"})
    assert resp.status_code == 403


def test_check_in_then_intake_without_javascript_logs_at_the_event(session, client, city) -> None:  # type: ignore[no-untyped-def]
    event = make_event(session, city)
    session.commit()
    login(client, "olga")
    token = csrf_token(client, "/events")
    resp = client.post(f"/events/{event.id}/checkin", data={"csrf_token": token, "action": "in"})
    assert resp.headers["Location"] == "/requests/new"
    html = client.get("/requests/new").get_data(as_text=True)
    assert "Coffee hour at Union Square" in html and f'name="event_id" value="{event.id}"' in html
    resp = client.post("/requests/new", data={"csrf_token": token, "service_type": "streetlight", "address": "Bow St", "resident_language": "ht",
                                              "description": "Limyè a pa mache", "description_language": "ht"})
    req = session.scalar(sa.select(ServiceRequest))
    assert (req.event_id, req.channel, req.resident_language, req.description) == (event.id, Channel.OUTREACH, "ht", "Limyè a pa mache")
    client.post(f"/events/{event.id}/residents", data={"csrf_token": token, "count": "1"})
    session.expire_all()
    assert session.get(OutreachEvent, event.id).residents_met == 1
    client.post(f"/events/{event.id}/checkin", data={"csrf_token": token, "action": "out"})
    assert session.scalar(sa.select(EventCheckin.checked_out_at)) is not None


def test_intake_renders_and_checks_the_types_questions(session, client, city) -> None:  # type: ignore[no-untyped-def]
    city.pothole.attributes = [
        ServiceAttribute(code="size", datatype=AttributeType.SINGLEVALUELIST, description="How big is it?", required=True, order=1,
                         values=[{"key": "small", "name": "Smaller than a plate"}, {"key": "large", "name": "Larger than a plate"}]),
        ServiceAttribute(code="lanes", datatype=AttributeType.MULTIVALUELIST, description="Which lanes?", order=2,
                         values=[{"key": "bike", "name": "Bike lane"}, {"key": "car", "name": "Car lane"}]),
        ServiceAttribute(code="depth", datatype=AttributeType.NUMBER, description="Depth (cm)", order=3),
        ServiceAttribute(code="since", datatype=AttributeType.DATETIME, description="Since when?", order=4),
        ServiceAttribute(code="note", datatype=AttributeType.TEXT, description="Anything else?", order=5),
        ServiceAttribute(code="where", datatype=AttributeType.STRING, description="Nearest house number", order=6),
        ServiceAttribute(code="info", datatype=AttributeType.STRING, variable=False, description="Call 911 if it is dangerous.", order=0),
    ]
    session.commit()
    login(client, "olga")
    html = client.get("/requests/new").get_data(as_text=True)
    for needle in ('data-attributes-for="pothole"', 'name="attr.pothole.size"', 'type="checkbox" name="attr.pothole.lanes" value="bike"',
                   'name="attr.pothole.depth" type="number"', 'name="attr.pothole.since" type="datetime-local"', "<textarea name=\"attr.pothole.note\"",
                   "Call 911 if it is dangerous."):
        assert needle in html, needle
    catalog = client.get("/api/catalog.json").get_json()["service_types"]
    assert [a["code"] for a in catalog[0]["attributes"]] == ["info", "size", "lanes", "depth", "since", "note", "where"]
    token = csrf_token(client, "/requests/new")
    base = {"csrf_token": token, "service_type": "pothole", "address": "1 Elm St"}
    resp = client.post("/requests/new", data=base)
    assert resp.status_code == 422 and "required" in resp.get_data(as_text=True)
    resp = client.post("/requests/new", data={**base, "attr.pothole.size": "large", "attr.pothole.lanes": ["car", "bike"], "attr.pothole.depth": "7.5",
                                              "attr.streetlight.size": "ignored: another type's field"})
    assert resp.status_code == 302
    assert session.scalar(sa.select(ServiceRequest.attributes)) == {"size": "large", "lanes": ["bike", "car"], "depth": 7.5}


def test_duplicate_api_and_offline_copy(session, client, city) -> None:  # type: ignore[no-untyped-def]
    near = make_request(session, city, at=offset(UNION_SQUARE, 20, 0))
    session.commit()
    login(client, "olga")
    body = client.get(f"/api/requests/duplicates?service_type=pothole&latitude={UNION_SQUARE[0]}&longitude={UNION_SQUARE[1]}").get_json()
    assert [c["tracking_number"] for c in body["candidates"]] == [near.tracking_number]
    assert abs(body["candidates"][0]["distance_m"] - 20) < 0.5 and "resident_name" not in body["candidates"][0]
    assert client.get("/api/requests/duplicates?service_type=nope&latitude=1&longitude=1").status_code == 404
    assert client.get("/api/requests/open.json").get_json()["requests"]["tracking_number"] == [near.tracking_number]
    manifest = client.get("/api/offline/manifest").get_json()
    assert "/events" in manifest["pages"] and "/api/requests/open.json" in manifest["data"]


def test_public_status_page_shows_progress_and_no_personal_data(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, description="Maria at 12 Elm St says her car hit it")
    req = wo.request
    req.resident_email = "maria@example.org"
    req.device_id = "device-123"
    change_status(session, city.alice, wo, WorkOrderStatus.EN_ROUTE, expected_version=wo.version)
    session.commit()
    # Not signed in.
    resp = client.get(f"/status/{req.tracking_number}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Pothole" in html and "Open" in html and "Ward 2" in html and "Crew on the way" in html and "Scheduled for a city crew" in html
    for private in ("Maria", "617-555-0100", "maria@example.org", "device-123", "12 Elm St", "1 Union Sq", "Alice", "DPW Crew A"):
        assert private not in html, private
    # What residents type: lower case, no dash; unknown numbers are a friendly 404.
    resp = client.get(f"/status?tracking={req.tracking_number.lower().replace('-', '')}")
    assert resp.headers["Location"] == f"/status/{req.tracking_number}"
    assert client.get("/status/ZZZZ-ZZZZ").status_code == 404
    assert client.get("/status?tracking=nope").status_code == 404
    # In Spanish, by link.
    html = client.get(f"/status/{req.tracking_number}?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in html and "Abierta" in html


def test_refusals_reach_a_spanish_reader_in_spanish(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/events?lang=es")  # the language menu's choice, kept for the session
    # The event (fieldops/outreach/services.py).
    resp = client.post("/events", data={"csrf_token": token, "name": "Tenants meeting", "place": "Library",
                                         "day": (utcnow() + dt.timedelta(days=30)).date().isoformat(), "start": "18:00", "end": "17:00"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "El evento debe terminar después de empezar." in html
    # The intake's own checks (fieldops/outreach/intake.py) ...
    base = {"csrf_token": token, "service_type": "streetlight", "address": "Bow St"}
    resp = client.post("/requests/new", data={**base, "resident_language": "tlh"})
    assert resp.status_code == 422 and "Elija el idioma del residente en la lista." in resp.get_data(as_text=True)
    # ... and "add to this request" naming a request that does not exist (fieldops/outreach/duplicates.py).
    resp = client.post("/requests/new", data={**base, "duplicate_of": "ZZZZ-ZZZZ"})
    assert "No hay ninguna solicitud con el número de seguimiento ZZZZ-ZZZZ." in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


def test_the_offline_catalogue_is_in_the_readers_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    # The tablet keeps /api/catalog.json with the pages: a Spanish-speaking outreach worker offline reads Spanish.
    st = city.pothole
    st.attributes = [ServiceAttribute(code="where", datatype=AttributeType.SINGLEVALUELIST, variable=True, required=True, order=1,
                                      description="Where is the pothole?", values=[{"key": "crosswalk", "name": "In a crosswalk"}])]
    session.commit()
    login(client, "olga")
    english = client.get("/api/catalog.json").get_json()
    spanish = client.get("/api/catalog.json?lang=es").get_json()
    assert (english["language"], spanish["language"]) == ("en", "es")
    en_type = next(t for t in english["service_types"] if t["code"] == "pothole")
    es_type = next(t for t in spanish["service_types"] if t["code"] == "pothole")
    assert en_type["name"] == "Pothole" and es_type["name"] == "Bache"
    assert es_type["department"]["code"] == en_type["department"]["code"] and es_type["department"]["name"] != en_type["department"]["name"]
    en_q, es_q = en_type["attributes"][0], es_type["attributes"][0]
    assert en_q["description"] == "Where is the pothole?" and es_q["description"] == "¿Dónde está el bache?"
    assert es_q["values"] == [{"key": "crosswalk", "name": "En un paso de peatones"}]
