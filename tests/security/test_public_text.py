"""Public outputs publish the public description and nothing of a request's private words.

Every private field of a request gets a distinctive marker; every public output (Open311 JSON and XML, list and
single, the status page, each export in CSV and GeoJSON) is read whole and must contain none of them. Requests of a
private service type are absent from Open311 and the exports and minimal on the status page. The moderation form
writes history and is refused to crew, outreach and anonymous users. A follow-on request publishes nothing of the
visit that opened it.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from factories import UNION_SQUARE, City
from fieldops.activity import services as activity
from fieldops.activity.verbs import Verb
from fieldops.activity.models import Activity
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.sync.models import SyncConflict
from fieldops.visits import services as visits
from fieldops.visits.models import Resolution, VisitOutcome
from fieldops.workorders.services import create_work_order
from helpers import csrf_token, login

PUBLIC_TEXT = "PUBLICTEXT deep hole by the bus stop"
# One marker per private field; none may appear in any public output.
SECRETS = {
    "description": "SECRETDESC my neighbour Joe at number 12",
    "resident_name": "SECRETNAME Zelda",
    "resident_phone": "617-555-0123",
    "resident_email": "secretmail@example.org",
    "device_id": "SECRETDEVICE-42",
    "instructions": "SECRETINSTR key under the mat",
    "unable_reason": "SECRETUNABLE dog in the yard",
    "staff_note": "SECRETNOTE supervisor called the landlord",
    "visit_comments": "SECRETVISIT resident says the landlord ignores it",
    "conflict_reason": "SECRETCONFLICT changed meanwhile",
    "conflict_note": "SECRETRESOLVED kept the field version",
}
EXPORTS = ("requests.csv", "requests.geojson", "work-orders.csv", "work-orders.geojson")


def _request(session, city: City, *, channel: Channel = Channel.WEB, service_type: ServiceType | None = None, **kw) -> ServiceRequest:  # type: ignore[no-untyped-def]
    return create_request(
        session,
        city.sam,
        service_type=service_type or city.pothole,
        channel=channel,
        description=kw.pop("description", SECRETS["description"]),
        latitude=UNION_SQUARE[0],
        longitude=UNION_SQUARE[1],
        address="1 Union Sq, Somerville",
        resident_name=SECRETS["resident_name"],
        resident_phone=SECRETS["resident_phone"],
        resident_email=SECRETS["resident_email"],
        device_id=SECRETS["device_id"],
        created_at=utcnow() - dt.timedelta(hours=2),
        **kw,
    )


def _fill_private_fields(session, city: City, req: ServiceRequest) -> None:  # type: ignore[no-untyped-def]
    """A work order with instructions and an unable-to-complete reason, a staff note, a visit, a conflict."""
    wo = create_work_order(session, city.sam, req, assignee=city.alice)
    wo.instructions = SECRETS["instructions"]
    wo.unable_reason = SECRETS["unable_reason"]
    activity.record(session, request_id=req.id, actor=city.sam, verb=Verb.NOTE, params={"text": SECRETS["staff_note"]})
    visit = visits.add_visit(session, city.sam, req, assignee=city.olga)
    visit.comments = SECRETS["visit_comments"]
    session.add(SyncConflict(key="11111111-2222-3333-4444-555555555555", user_id=city.alice.id, work_order_id=wo.id, kind="status",
                             payload_json=json.dumps({"note": SECRETS["conflict_reason"]}), reason=SECRETS["conflict_reason"],
                             resolution_note=SECRETS["conflict_note"]))
    session.flush()


def _public_outputs(client, supervisor_client, tracking: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = {}
    for fmt in ("json", "xml"):
        for ext in ("", "&extensions=true"):
            out[f"open311 list {fmt}{ext}"] = client.get(f"/open311/v2/requests.{fmt}?status=open,closed{ext}").get_data(as_text=True)
            out[f"open311 single {fmt}{ext}"] = client.get(f"/open311/v2/requests/{tracking}.{fmt}?x=1{ext}").get_data(as_text=True)
    out["status page"] = client.get(f"/status/{tracking}").get_data(as_text=True)
    for name in EXPORTS:
        resp = supervisor_client.get(f"/exports/{name}")
        assert resp.status_code == 200, name
        out[f"export {name}"] = resp.get_data(as_text=True)
    return out


@pytest.fixture
def supervisor(app, city):  # type: ignore[no-untyped-def]
    c = app.test_client()
    login(c, "sam")
    return c


def test_no_private_field_appears_in_any_public_output(session, client, supervisor, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, public_description=PUBLIC_TEXT)
    _fill_private_fields(session, city, req)
    session.commit()
    outputs = _public_outputs(client, supervisor, req.tracking_number)
    for where, body in outputs.items():
        assert req.tracking_number in body, f"{where} does not show the request at all"
        for field, secret in SECRETS.items():
            assert secret not in body, f"{field} leaks into {where}"
    # The public description is what they publish instead.
    for where in ("open311 list json", "open311 single xml", "status page", "export requests.csv", "export requests.geojson"):
        assert PUBLIC_TEXT in outputs[where], where
    assert json.loads(outputs["open311 single json"])[0]["description"] == PUBLIC_TEXT
    assert "unable_reason" not in outputs["export work-orders.csv"].splitlines()[0]


@pytest.mark.parametrize(
    ("channel", "published"),
    [(Channel.WEB, True), (Channel.APP, True), (Channel.OPEN311, True),
     (Channel.PHONE, False), (Channel.STAFF, False), (Channel.OUTREACH, False), (Channel.IMPORT, False)],
)
def test_default_public_text_is_the_residents_own_words_only_from_public_channels(session, city, channel, published) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, channel=channel, description="  Pothole by the school  ")
    assert req.description == "Pothole by the school"
    assert req.public_description == ("Pothole by the school" if published else "")


def test_follow_on_request_publishes_nothing_of_the_visit(session, client, supervisor, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, description="Original words of the resident")
    wo = create_work_order(session, city.sam, req, assignee=city.alice)
    visit = visits.add_visit(session, city.sam, req, assignee=city.olga)
    session.flush()
    result = visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, resolved=Resolution.NO, satisfaction=1,
                                   comments=SECRETS["visit_comments"], zone=ZoneInfo("America/New_York"))
    follow_on = result.follow_on
    assert follow_on is not None and wo.id
    session.commit()
    # Staff still read everything they need on the follow-on itself.
    assert SECRETS["visit_comments"] in follow_on.description and "Original words of the resident" in follow_on.description
    assert follow_on.public_description == ""
    outputs = _public_outputs(client, supervisor, follow_on.tracking_number)
    for where, body in outputs.items():
        assert SECRETS["visit_comments"] not in body, where
        assert "Originally reported" not in body and "Follow-up visit #" not in body, where
    assert json.loads(outputs["open311 single json"])[0]["description"] is None


def test_private_service_type_is_absent_from_open311_and_exports(session, client, supervisor, city) -> None:  # type: ignore[no-untyped-def]
    indoor = ServiceType(code="rodent_home", name="Rodent activity inside a home", department=city.pwd, group="Health", private=True)
    session.add(indoor)
    session.flush()
    hidden = _request(session, city, service_type=indoor, public_description="PRIVATETYPE rats in the kitchen")
    shown = _request(session, city, public_description=PUBLIC_TEXT)
    session.commit()
    for fmt in ("json", "xml"):
        listing = client.get(f"/open311/v2/requests.{fmt}?status=open,closed&extensions=true").get_data(as_text=True)
        assert shown.tracking_number in listing and hidden.tracking_number not in listing
        by_ids = client.get(f"/open311/v2/requests.{fmt}?service_request_id={hidden.tracking_number},{shown.tracking_number}").get_data(as_text=True)
        assert shown.tracking_number in by_ids and hidden.tracking_number not in by_ids
        by_code = client.get(f"/open311/v2/requests.{fmt}?service_code=rodent_home").get_data(as_text=True)
        assert hidden.tracking_number not in by_code
        # As if it did not exist: the same answer as a number never issued.
        single = client.get(f"/open311/v2/requests/{hidden.tracking_number}.{fmt}")
        assert single.status_code == 404 and "PRIVATETYPE" not in single.get_data(as_text=True)
    for name in EXPORTS:
        body = supervisor.get(f"/exports/{name}").get_data(as_text=True)
        assert hidden.tracking_number not in body and "Rodent activity inside a home" not in body, name
    assert shown.tracking_number in supervisor.get("/exports/requests.csv").get_data(as_text=True)


def test_status_page_of_a_private_type_shows_only_group_state_and_dates(session, client, city) -> None:  # type: ignore[no-untyped-def]
    indoor = ServiceType(code="rodent_home", name="Rodent activity inside a home", department=city.pwd, group="Health", private=True)
    session.add(indoor)
    session.flush()
    req = _request(session, city, service_type=indoor, public_description="PRIVATETYPE rats in the kitchen")
    create_work_order(session, city.sam, req, assignee=city.alice)
    session.commit()
    html = client.get(f"/status/{req.tracking_number}").get_data(as_text=True)
    assert "Health" in html and 'data-request-status="open"' in html and "data-private-type" in html
    for absent in ("Rodent activity inside a home", "PRIVATETYPE", "Public Works", "Ward", "Scheduled for a city crew"):
        assert absent not in html, absent


def test_private_flag_is_set_on_the_service_standards_page(session, city, supervisor) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(supervisor, "/sla")
    resp = supervisor.post(f"/sla/service-types/{city.pothole.id}/privacy", data={"private": "1", "csrf_token": token})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(ServiceType, city.pothole.id).private is True
    resp = supervisor.post(f"/sla/service-types/{city.pothole.id}/privacy", data={"csrf_token": token})
    session.expire_all()
    assert session.get(ServiceType, city.pothole.id).private is False


def test_supervisor_moderates_public_text_with_history(session, city, supervisor) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, description="Rude words about my neighbour Joe", channel=Channel.WEB)
    session.commit()
    url = f"/requests/{req.id}/public-text"
    page = supervisor.get(url)
    assert page.status_code == 200 and 'name="public_description"' in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    token = csrf_token(supervisor, url)
    # htmx: the card alone comes back, with the saved text.
    resp = supervisor.post(url, data={"public_description": " Pothole by the bus stop ", "csrf_token": token}, headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and 'id="public-text"' in body and "Pothole by the bus stop" in body
    assert resp.headers["Vary"].find("HX-Request") >= 0
    session.expire_all()
    req = session.get(ServiceRequest, req.id)
    assert req.public_description == "Pothole by the bus stop"
    assert req.description == "Rude words about my neighbour Joe"  # the resident's words are kept
    entry = session.scalars(sa.select(Activity).where(Activity.request_id == req.id, Activity.verb == "request:public_text")).one()
    assert entry.actor_id == city.sam.id and json.loads(entry.detail_json) == {
        "old_length": len("Rude words about my neighbour Joe"),
        "new_length": len("Pothole by the bus stop"),
        # The summary's parameters are the lengths too: never the words.
        "params": {"old_length": len("Rude words about my neighbour Joe"), "new_length": len("Pothole by the bus stop")},
    }
    # Clearing it is a moderation too (no JavaScript: back to the request page).
    resp = supervisor.post(url, data={"public_description": "", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/requests/{req.id}")
    session.expire_all()
    assert session.get(ServiceRequest, req.id).public_description == ""
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.verb == "request:public_text")) == 2


def test_moderation_limits_the_length_and_keeps_the_draft(session, city, supervisor) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city)
    session.commit()
    url = f"/requests/{req.id}/public-text"
    token = csrf_token(supervisor, url)
    resp = supervisor.post(url, data={"public_description": "x" * 5001, "csrf_token": token}, headers={"HX-Request": "true"})
    assert resp.status_code == 422 and "x" * 5001 in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(ServiceRequest, req.id).public_description == SECRETS["description"]
    assert supervisor.post(url, data={"public_description": "x" * 5000, "csrf_token": token}).status_code == 302


@pytest.mark.parametrize("username", ["alice", "olga"])
def test_moderation_is_refused_to_crew_and_outreach(app, session, city, username) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, public_description=PUBLIC_TEXT)
    session.commit()
    c = app.test_client()
    login(c, username)
    token = csrf_token(c, "/status")
    url = f"/requests/{req.id}/public-text"
    assert c.get(url).status_code == 403
    assert c.post(url, data={"public_description": "vandalised", "csrf_token": token}).status_code == 403
    session.expire_all()
    assert session.get(ServiceRequest, req.id).public_description == PUBLIC_TEXT


def test_moderation_is_refused_to_anonymous_users(session, client, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, public_description=PUBLIC_TEXT)
    session.commit()
    token = csrf_token(client)
    resp = client.post(f"/requests/{req.id}/public-text", data={"public_description": "vandalised", "csrf_token": token})
    assert resp.status_code in (302, 401) and "/login" in resp.headers.get("Location", "/login")
    session.expire_all()
    assert session.get(ServiceRequest, req.id).public_description == PUBLIC_TEXT
