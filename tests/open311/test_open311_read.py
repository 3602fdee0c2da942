"""Open311 reads: discovery, services, service definitions, requests with every filter, tokens, media, errors, CORS."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE, City, make_job
from fieldops.activity import services as activity
from fieldops.db import utcnow
from fieldops.photos import services as photos
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.workorders.models import WorkOrderStatus as S
from fieldops.workorders.services import change_status
from data_files import data_file
from imagefactory import make_jpeg
from open311_helpers import (
    BASE_URL,
    REQUESTS,
    SERVICE_DEFINITION,
    SERVICES,
    TOKENS,
    add_tree_service,
    error_of,
    json_of,
    xml_of,
)

OFFSET_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
# GeoReport v2's request fields, in the order the spec and real endpoints (Toronto, requests_single.xml) write them.
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
    "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
    "lat", "long", "media_url",
]


def _request(session, city: City, *, days_ago: float = 1, service_type=None, at=UNION_SQUARE, address="1 Union Sq, Somerville, MA 02143", **kw) -> ServiceRequest:  # type: ignore[no-untyped-def]
    req = create_request(
        session,
        city.sam,
        service_type=service_type or city.pothole,
        channel=kw.pop("channel", Channel.PHONE),
        description=kw.pop("description", "Deep pothole"),
        latitude=at[0],
        longitude=at[1],
        address=address,
        resident_name="Maria Resident",
        resident_phone="617-555-0100",
        resident_email="maria@example.org",
        device_id="device-XYZ-123",
        created_at=utcnow() - dt.timedelta(days=days_ago),
        **kw,
    )
    session.flush()
    return req


def _get(client, path: str, **params):  # type: ignore[no-untyped-def]
    return client.get(f"{BASE_URL}/{path}", query_string=params)


def _ids(data: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [r["service_request_id"] for r in data]


# ---------------------------------------------------------------- discovery and services


def test_discovery_document_in_both_formats(client, city) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(client.get("/open311/discovery.json").get_data())
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2" and set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_of(client.get("/open311/v2/discovery.xml"), "discovery")
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_list_validates_and_uses_standard_xml_names(session, client, city) -> None:  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    city.streetlight.active = False
    session.commit()
    data = json_of(_get(client, "services.json"), SERVICES)
    assert [s["service_code"] for s in data] == ["pothole", "tree"]  # inactive types are not offered
    tree = data[1]
    assert tree == {
        "service_code": "tree", "service_name": "Tree problem", "description": "Dead, damaged or dangerous street trees",
        "metadata": True, "type": "realtime", "keywords": "tree, limb, branch", "group": "Parks & trees",
    }
    assert data[0]["metadata"] is False
    root = xml_of(_get(client, "services.xml"), "services")
    services = root.findall("service")
    assert len(services) == 2 and root.find("*").tag == "service"
    # The element names of a real endpoint's answer (Giessen's services.xml) are all present, as are ours.
    giessen = ET.parse(data_file("open311/giessen_de_services.xml")).getroot()
    assert {c.tag for c in giessen.find("service")} <= {c.tag for c in services[1]}
    assert services[1].findtext("group") == "Parks & trees" and services[1].findtext("metadata") == "true"


def test_service_definition_lists_every_datatype_in_order(session, client, city) -> None:  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    session.commit()
    data = json_of(_get(client, "services/tree.json"), SERVICE_DEFINITION)
    assert data["service_code"] == "tree"
    attrs = data["attributes"]
    assert [(a["code"], a["datatype"], a["order"], a["required"], a["variable"]) for a in attrs] == [
        ("NOTICE", "string", 0, False, False),
        ("WHERE", "singlevaluelist", 1, True, True),
        ("PROBLEMS", "multivaluelist", 2, False, True),
        ("HEIGHT", "number", 3, False, True),
        ("SEEN", "datetime", 4, False, True),
        ("SPECIES", "string", 5, False, True),
        ("DETAILS", "text", 6, False, True),
    ]
    assert attrs[1]["values"] == [{"key": "street", "name": "Street"}, {"key": "park", "name": "Park"}]
    assert "values" not in attrs[3] and attrs[3]["datatype_description"] == "A number"
    root = xml_of(_get(client, "services/tree.xml"), "service_definition")
    assert root.findtext("service_code") == "tree"
    xml_attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in xml_attrs] == [a["code"] for a in attrs]
    assert [(v.findtext("key"), v.findtext("name")) for v in xml_attrs[2].findall("values/value")] == [("dead", "Dead"), ("limb", "Fallen limb"), ("roots", "Roots")]
    assert xml_attrs[1].findtext("required") == "true" and xml_attrs[0].findtext("variable") == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_inactive_service_is_404(session, client, city, fmt: str) -> None:  # type: ignore[no-untyped-def]
    city.streetlight.active = False
    session.commit()
    assert "service_code 'nope' not found" in error_of(_get(client, f"services/nope.{fmt}"), 404, fmt)
    error_of(_get(client, f"services/streetlight.{fmt}"), 404, fmt)


# ---------------------------------------------------------------- GET requests


def test_requests_have_every_standard_field_with_zoned_times(session, client, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city, description="Pothole — große Lücke, ñ", channel=Channel.WEB)  # a public channel: its words are published
    session.commit()
    data = json_of(_get(client, "requests.json"), REQUESTS)
    assert len(data) == 1
    item = data[0]
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == req.tracking_number and item["status"] == "open"
    assert item["service_code"] == "pothole" and item["service_name"] == "Pothole" and item["agency_responsible"] == "Public Works"
    assert item["description"] == "Pothole — große Lücke, ñ"  # UTF-8 throughout
    assert item["service_notice"] == "Public Works aims to resolve Pothole requests within 48 hours."
    assert item["zipcode"] == "02143" and item["address"] == "1 Union Sq, Somerville, MA 02143" and item["address_id"] is None
    assert (item["lat"], item["long"]) == UNION_SQUARE
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert OFFSET_TIME.match(item[name]), item[name]
    requested = dt.datetime.fromisoformat(item["requested_datetime"])
    assert abs(requested - req.created_at) < dt.timedelta(seconds=1)
    assert item["requested_datetime"].endswith(("-05:00", "-04:00"))  # the city's zone, America/New_York
    expected = dt.datetime.fromisoformat(item["expected_datetime"])
    assert abs(expected - req.due_at) < dt.timedelta(seconds=1)


def test_xml_requests_use_the_standard_element_names_in_order(session, client, city) -> None:  # type: ignore[no-untyped-def]
    _request(session, city, description="Tree < limb & \"roots\" ü\x01", channel=Channel.WEB)
    session.commit()
    root = xml_of(_get(client, "requests.xml"), "service_requests")
    (request,) = root.findall("request")
    assert [c.tag for c in request] == REQUEST_FIELDS
    # A real endpoint's answer (Toronto) uses the same names.
    toronto = ET.parse(data_file("open311/requests_single.xml")).getroot()
    assert {c.tag for c in toronto.find("request")} == set(REQUEST_FIELDS)
    assert request.findtext("description") == "Tree < limb & \"roots\" ü"  # escaped, control character dropped
    assert request.find("address_id") is not None and request.find("address_id").text is None  # null = empty element
    assert float(request.findtext("lat") or 0) == UNION_SQUARE[0]


def test_default_window_is_the_last_90_days_newest_first(session, client, city) -> None:  # type: ignore[no-untyped-def]
    old = _request(session, city, days_ago=100)
    mid = _request(session, city, days_ago=30)
    new = _request(session, city, days_ago=1)
    session.commit()
    assert _ids(json_of(_get(client, "requests.json"), REQUESTS)) == [new.tracking_number, mid.tracking_number]
    # start_date alone: 90 days from it.
    start = (utcnow() - dt.timedelta(days=101)).isoformat()
    assert _ids(json_of(_get(client, "requests.json", start_date=start), REQUESTS)) == [mid.tracking_number, old.tracking_number]


def test_date_filters_and_their_limits(session, client, city) -> None:  # type: ignore[no-untyped-def]
    a = _request(session, city, days_ago=10)
    b = _request(session, city, days_ago=5)
    session.commit()
    now = utcnow()
    data = json_of(_get(client, "requests.json", start_date=(now - dt.timedelta(days=7)).isoformat(), end_date=now.isoformat()), REQUESTS)
    assert _ids(data) == [b.tracking_number]
    z = (now - dt.timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(json_of(_get(client, "requests.json", end_date=z), REQUESTS)) == [a.tracking_number]
    # A date without a zone is the city's local time; a bare date is local midnight.
    local_day = (now - dt.timedelta(days=20)).date().isoformat()
    assert set(_ids(json_of(_get(client, "requests.json", start_date=local_day), REQUESTS))) == {a.tracking_number, b.tracking_number}
    too_long = {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}
    assert "more than 90 days" in error_of(_get(client, "requests.json", **too_long), 400)
    assert "before start_date" in error_of(_get(client, "requests.xml", start_date="2024-02-01", end_date="2024-01-01"), 400, "xml")
    assert "start_date must be an ISO 8601" in error_of(_get(client, "requests.json", start_date="yesterday"), 400)


def test_status_and_service_code_filters(session, client, city) -> None:  # type: ignore[no-untyped-def]
    tree = add_tree_service(session, city)
    pothole = _request(session, city)
    light = _request(session, city, service_type=city.streetlight)
    closed_tree = _request(session, city, service_type=tree, attributes={"WHERE": "park"})
    closed_tree.status = RequestStatus.CLOSED
    closed_tree.closed_at = utcnow()
    closed_tree.closure_reason = "Tree removed by Parks"
    session.commit()
    assert set(_ids(json_of(_get(client, "requests.json", status="open"), REQUESTS))) == {pothole.tracking_number, light.tracking_number}
    closed = json_of(_get(client, "requests.json", status="closed"), REQUESTS)
    assert _ids(closed) == [closed_tree.tracking_number]
    assert closed[0]["status"] == "closed" and closed[0]["status_notes"] == "Tree removed by Parks"
    assert len(json_of(_get(client, "requests.json", status="open,closed"), REQUESTS)) == 3
    assert set(_ids(json_of(_get(client, "requests.json", service_code="pothole,tree"), REQUESTS))) == {pothole.tracking_number, closed_tree.tracking_number}
    assert _ids(json_of(_get(client, "requests.json", service_code="streetlight", status="open"), REQUESTS)) == [light.tracking_number]
    assert json_of(_get(client, "requests.json", service_code="no-such-service"), REQUESTS) == []
    assert "status must be open, closed" in error_of(_get(client, "requests.json", status="pending"), 400)


def test_service_request_id_list_overrides_every_other_filter(session, client, city) -> None:  # type: ignore[no-untyped-def]
    old = _request(session, city, days_ago=400)
    new = _request(session, city)
    session.commit()
    ids = f"{old.tracking_number},{new.tracking_number.lower().replace('-', '')},NOPE-NOPE"
    data = json_of(_get(client, "requests.json", service_request_id=ids, status="closed", service_code="streetlight", start_date="2020-01-01"), REQUESTS)
    assert set(_ids(data)) == {old.tracking_number, new.tracking_number}


def test_updated_after_and_before_follow_the_history(session, client, city) -> None:  # type: ignore[no-untyped-def]
    first = _request(session, city, days_ago=200)
    second = _request(session, city, days_ago=150)
    session.commit()
    mark = utcnow()
    wo = make_job(session, city, created_at=utcnow() - dt.timedelta(days=300))
    session.commit()
    # A crew going en route on an old request makes it "updated", though the request row itself did not change.
    activity.record(session, request_id=first.id, actor=city.alice, verb="status:en_route", params={"from_status": "Assigned", "to_status": "En route"}, at=utcnow())
    session.commit()
    data = json_of(_get(client, "requests.json", updated_after=mark.isoformat()), REQUESTS)
    # Oldest change first, so a client can page through a change feed; no 90-day window on requested_datetime.
    assert _ids(data) == [wo.request.tracking_number, first.tracking_number]
    assert dt.datetime.fromisoformat(data[1]["updated_datetime"]) >= mark.replace(microsecond=0)
    before = json_of(_get(client, "requests.json", updated_before=mark.isoformat()), REQUESTS)
    assert _ids(before) == [second.tracking_number]
    assert "updated_before is before updated_after" in error_of(_get(client, "requests.json", updated_after="2024-02-01", updated_before="2024-01-01"), 400)


def test_paging_with_next_links_and_the_1000_cap(session, client, city) -> None:  # type: ignore[no-untyped-def]
    made = [_request(session, city, days_ago=1 + i / 24) for i in range(5)]
    session.commit()
    newest_first = [r.tracking_number for r in made]
    page1 = _get(client, "requests.json", page_size=2)
    assert _ids(json_of(page1, REQUESTS)) == newest_first[:2]
    next_url = urlsplit(re.match(r"<([^>]+)>; rel=\"next\"", page1.headers["Link"]).group(1))  # type: ignore[union-attr]
    page2 = client.get(f"{next_url.path}?{next_url.query}")
    assert _ids(json_of(page2, REQUESTS)) == newest_first[2:4]
    last = _get(client, "requests.json", page_size=2, page=3)
    assert _ids(json_of(last, REQUESTS)) == newest_first[4:] and "Link" not in last.headers
    assert json_of(_get(client, "requests.json", page=9), REQUESTS) == []
    # Asking for more than the standard's 1000 gets at most 1000 (here: all 5).
    assert len(json_of(_get(client, "requests.json", page_size=5000), REQUESTS)) == 5
    for bad in ({"page": "0"}, {"page": "x"}, {"page_size": "0"}, {"page_size": "-3"}, {"page": "99999999999999999999"}):
        error_of(_get(client, "requests.json", **bad), 400)
    error_of(_get(client, "requests.json", extensions="maybe"), 400)


def test_single_request_tokens_and_404s(session, client, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city)
    session.commit()
    data = json_of(_get(client, f"requests/{req.tracking_number}.json"), REQUESTS)
    assert _ids(data) == [req.tracking_number]
    assert _ids(json_of(_get(client, f"requests/{req.tracking_number.lower()}.json"), REQUESTS)) == [req.tracking_number]
    root = xml_of(_get(client, f"requests/{req.tracking_number}.xml"), "service_requests")
    assert root.findtext("request/service_request_id") == req.tracking_number
    for fmt in ("json", "xml"):
        assert "not found" in error_of(_get(client, f"requests/ZZZZ-ZZZZ.{fmt}"), 404, fmt)
        error_of(_get(client, f"tokens/ZZZZ-ZZZZ.{fmt}"), 404, fmt)
    token = json_of(_get(client, f"tokens/{req.tracking_number}.json"), TOKENS)
    assert token == [{"service_request_id": req.tracking_number, "token": req.tracking_number}]
    assert xml_of(_get(client, f"tokens/{req.tracking_number}.xml"), "service_requests").findtext("request/service_request_id") == req.tracking_number


def test_extensions_add_attributes_extended_attributes_and_public_notes(session, client, city) -> None:  # type: ignore[no-untyped-def]
    tree = add_tree_service(session, city)
    parent = _request(session, city, service_type=tree, attributes={"WHERE": "street", "PROBLEMS": ["dead", "limb"]}, at=CITY_HALL)
    wo = make_job(session, city, at=DAVIS_SQUARE)
    change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=None)
    change_status(session, city.alice, wo, S.UNABLE, expected_version=None, reason="Resident's dog loose in the yard; call Maria at 617-555-0100")
    follow_on = _request(session, city, parent=parent, service_type=city.pothole)
    dup = _request(session, city)
    dup.duplicate_of = parent
    session.commit()
    data = json_of(_get(client, f"requests.json", service_request_id=f"{parent.tracking_number},{wo.request.tracking_number},{follow_on.tracking_number},{dup.tracking_number}", extensions="true"), REQUESTS)
    by_id = {r["service_request_id"]: r for r in data}
    p = by_id[parent.tracking_number]
    assert p["attributes"] == {"WHERE": "street", "PROBLEMS": ["dead", "limb"]}
    assert p["extended_attributes"]["channel"] == "phone" and p["extended_attributes"]["district"].startswith("Ward ")
    assert [n["type"] for n in p["notes"]] == ["opened", "follow_on_created"]
    assert p["notes"][1]["extended_attributes"]["service_request_id"] == follow_on.tracking_number
    assert by_id[follow_on.tracking_number]["extended_attributes"]["parent_request_id"] == parent.tracking_number
    assert by_id[dup.tracking_number]["extended_attributes"]["duplicate_of"] == parent.tracking_number
    job = by_id[wo.request.tracking_number]
    assert [n["summary"] for n in job["notes"]] == [
        "Request opened", "Work scheduled", "Crew on the way", "The crew could not complete the work; the request is being reviewed",
    ]
    assert job["status_notes"] == "The crew could not complete the work; the request is being reviewed"
    for note in job["notes"]:
        assert OFFSET_TIME.match(note["datetime"])
    # Without extensions the standard fields only.
    plain = json_of(_get(client, f"requests/{parent.tracking_number}.json"), REQUESTS)[0]
    assert list(plain) == REQUEST_FIELDS
    root = xml_of(_get(client, f"requests/{parent.tracking_number}.xml", extensions="true"), "service_requests")
    attrs = root.findall("request/attributes/attribute")
    assert [(a.findtext("code"), [v.text for v in a.findall("value")]) for a in attrs] == [("WHERE", ["street"]), ("PROBLEMS", ["dead", "limb"])]
    assert [n.findtext("type") for n in root.findall("request/notes/note")] == ["opened", "follow_on_created"]


def test_no_personal_data_or_internal_notes_in_any_output(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    req = wo.request
    req.resident_email, req.device_id = "maria@example.org", "device-XYZ-123"
    change_status(session, city.alice, wo, S.UNABLE, expected_version=None, reason="SECRET-REASON gate locked")
    session.commit()
    secrets = ["Maria", "617-555-0100", "maria@example.org", "device-XYZ-123", "SECRET-REASON", "Alice", "alice", "Sam Supervisor", "DPW Crew A"]
    for path in (f"requests.json?extensions=true", f"requests.xml?extensions=true", f"requests/{req.tracking_number}.json?extensions=true",
                 f"requests/{req.tracking_number}.xml?extensions=true", f"tokens/{req.tracking_number}.json"):
        body = client.get(f"{BASE_URL}/{path}").get_data(as_text=True)
        assert req.tracking_number in body
        for secret in secrets:
            assert secret not in body, (path, secret)


def _photo(session, settings, city: City, req: ServiceRequest, kind: PhotoKind, **attach) -> Photo:  # type: ignore[no-untyped-def]
    photo, _ = photos.stage_photo(session, settings, city.alice, photo_id=None, raw=make_jpeg(width=640, height=480, lat=42.38, lon=-71.1), kind=kind)
    if attach:
        photos.attach_photos(session, city.alice, [photo.id], request_id=req.id, **attach)
    return photo


def test_media_urls_serve_public_photos_only(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    req = wo.request
    after = _photo(session, settings, city, req, PhotoKind.AFTER, work_order=wo)
    staged = _photo(session, settings, city, req, PhotoKind.AFTER)
    visit = _photo(session, settings, city, req, PhotoKind.AFTER, work_order=wo)
    session.execute(sa.update(Photo).where(Photo.id == visit.id).values(kind=PhotoKind.VISIT))
    session.commit()
    data = json_of(_get(client, f"requests/{req.tracking_number}.json", extensions="true"), REQUESTS)[0]
    photos_out = data["extended_attributes"]["photos"]
    assert [p["kind"] for p in photos_out] == ["after"] and data["media_url"] == photos_out[0]["url"]
    assert photos_out[0]["url"] == f"http://localhost/open311/v2/media/{after.id}.jpg"
    assert (photos_out[0]["width"], photos_out[0]["height"], photos_out[0]["size"]) == (640, 480, after.size)
    resp = client.get(urlsplit(photos_out[0]["url"]).path)
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.headers["Access-Control-Allow-Origin"] == "*" and "public" in resp.headers["Cache-Control"]
    image = Image.open(io.BytesIO(resp.get_data()))
    assert image.size == (640, 480) and not image.getexif()  # stripped: no GPS, no camera data
    assert client.get(urlsplit(photos_out[0]["url"]).path, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    for hidden in (staged, visit):
        error_of(client.get(f"{BASE_URL}/media/{hidden.id}.jpg"), 404)
    error_of(client.get(f"{BASE_URL}/media/{after.id}.png"), 404)
    error_of(client.get(f"{BASE_URL}/media/not-a-uuid.jpg"), 404)


# ---------------------------------------------------------------- errors, CORS, jurisdiction


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_urls_and_methods_answer_in_the_standard_error_format(client, city, fmt: str) -> None:  # type: ignore[no-untyped-def]
    assert "No such Open311 resource" in error_of(client.get(f"{BASE_URL}/frobnicate.{fmt}"), 404, fmt)
    error_of(client.get(f"{BASE_URL}/services.csv"), 404)
    resp = client.delete(f"{BASE_URL}/requests.{fmt}")
    error_of(resp, 405, fmt)
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    error_of(client.post(f"{BASE_URL}/services.{fmt}"), 405, fmt)


def test_jurisdiction_id_is_optional_but_checked(session, client, city) -> None:  # type: ignore[no-untyped-def]
    _request(session, city)
    session.commit()
    assert len(json_of(_get(client, "requests.json", jurisdiction_id="fieldops.local"), REQUESTS)) == 1
    assert "jurisdiction_id 'elsewhere.gov' not found" in error_of(_get(client, "services.xml", jurisdiction_id="elsewhere.gov"), 404, "xml")
    error_of(_get(client, "requests.json", jurisdiction_id="elsewhere.gov"), 404)


def test_nul_characters_are_a_bad_argument_not_a_database_error(client, city) -> None:  # type: ignore[no-untyped-def]
    error_of(_get(client, "requests.json", service_code="pot\x00hole"), 400)
    error_of(client.get(f"{BASE_URL}/services/pot%00hole.json"), 400)


def test_cors_allows_any_origin_to_read(session, client, city) -> None:  # type: ignore[no-untyped-def]
    resp = _get(client, "requests.json")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert _get(client, "services/nope.json").headers["Access-Control-Allow-Origin"] == "*"  # errors too, so pages can read them
    pre = client.options(f"{BASE_URL}/requests.json", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*" and "GET" in pre.headers["Access-Control-Allow-Methods"]
    assert "POST" not in pre.headers["Access-Control-Allow-Methods"]  # keys never belong in web pages
    post = client.post(f"{BASE_URL}/requests.json", data={"service_code": "pothole"})
    assert post.status_code == 403 and "Access-Control-Allow-Origin" not in post.headers


def test_openapi_document_is_served(client, city) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(client.get(f"{BASE_URL}/openapi.json").get_data())
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "http://localhost/open311/v2"}]
    assert set(doc["paths"]) == {
        "/discovery.{format}", "/services.{format}", "/services/{service_code}.{format}", "/requests.{format}",
        "/requests/{service_request_id}.{format}", "/tokens/{token}.{format}",
    }
    params = {p["name"] for p in doc["paths"]["/requests.{format}"]["get"]["parameters"]}
    assert {"service_request_id", "service_code", "start_date", "end_date", "status", "updated_after", "updated_before", "page", "page_size", "extensions", "jurisdiction_id"} <= params
