"""Every time and every body a client sends is bounded, and stored times of any value never break a page.

- Time bounds on every way in that takes a time: the sync API's captured_at (every kind), Open311 queries and POST
  attribute times, the event form, the visit date, export and performance filters.
- Deep and huge JSON on every endpoint that takes JSON, enumerated from app.url_map against JSON_ENDPOINTS, so a
  new JSON endpoint without an entry here fails.
- Extreme stored times (year 1, 9999), written past every check as a legacy import or a bug would, on every page
  that reads them.
- The same limits on the three ways in (the no-JavaScript form, the sync API, Open311 POST).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from factories import UNION_SQUARE, make_job
from fieldops.servicerequests.models import ServiceRequest
from fieldops.web.jsonbody import nesting_depth
from fieldops.workorders.models import WorkOrder
from helpers import csrf_token, login
from open311.open311_helpers import issue_key, post_request
from sync.sync_helpers import Tablet, wo_action

NOW = dt.datetime.now(dt.UTC)
OPEN311 = "/open311/v2"


@pytest.fixture
def tablet(client):  # type: ignore[no-untyped-def]
    return lambda username: Tablet(client, username)


def _iso(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


# --- the sync API: captured_at on every kind --------------------------------------------------------------------

OUT_OF_BOUNDS = {
    "year 1": "0001-01-01T00:00:00Z",
    "year 1 plus a second": "0001-01-01T00:00:01Z",
    "1900": "1900-01-01T00:00:00Z",
    "1970": "1970-01-01T00:00:00Z",
    "31 days ago": _iso(NOW - dt.timedelta(days=31)),
    "an hour ahead": _iso(NOW + dt.timedelta(hours=1)),
    "year 9999": "9999-12-31T23:59:59Z",
    "year 1 east of UTC": "0001-01-01T00:00:00+05:00",
}


def _bodies(job: WorkOrder, event_id: int, visit_id: int) -> dict[str, dict[str, Any]]:
    return {
        "status": wo_action("status", job.id, job.version, fields={"to": "en_route"}),
        "close": wo_action("close", job.id, job.version, fields={"resolution": "Filled"}),
        "unable": wo_action("unable", job.id, job.version, fields={"reason": "Blocked"}),
        "note": wo_action("note", job.id, job.version, fields={"text": "Cones placed"}),
        "photos": wo_action("photos", job.id, job.version, photo_ids=[str(uuid.uuid4())]),
        "request": {"kind": "request", "fields": {"service_type": "pothole", "latitude": UNION_SQUARE[0], "longitude": UNION_SQUARE[1]}},
        "visit": {"kind": "visit", "fields": {"visit_id": visit_id, "outcome": "reached"}},
        "checkin": {"kind": "checkin", "fields": {"event_id": event_id, "action": "in"}},
        "residents": {"kind": "residents", "fields": {"event_id": event_id, "count": 2}},
    }


def test_every_sync_kind_has_a_body_here(app) -> None:  # type: ignore[no-untyped-def]
    from fieldops.sync.registry import registered_kinds

    assert set(registered_kinds(app)) == set(_bodies(WorkOrder(id=1, version=1), 1, 1))


@pytest.mark.parametrize("when", OUT_OF_BOUNDS.values(), ids=OUT_OF_BOUNDS.keys())
def test_sync_refuses_times_outside_the_bounds_on_every_kind(tablet, session, city, when: str) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    t = tablet("alice")
    for kind, body in _bodies(job, 1, 1).items():
        resp = t.action({**body, "captured_at": when}, str(uuid.uuid4()))
        assert resp.status_code == 422, (kind, resp.get_json())
        assert resp.get_json()["field"] == "captured_at", kind
        assert "device" in resp.get_json()["error"], kind
    # Nothing was written, and the job is as it was.
    session.expire_all()
    assert session.get(WorkOrder, job.id).version == job.version


def test_sync_accepts_times_inside_the_bounds(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, created_at=NOW - dt.timedelta(days=3))
    session.commit()
    t = tablet("alice")
    at = NOW - dt.timedelta(days=29)  # before the job existed: clamped to its creation, as before
    resp = t.action({**wo_action("status", job.id, job.version, fields={"to": "en_route"}), "captured_at": _iso(at)}, str(uuid.uuid4()))
    assert resp.status_code == 200, resp.get_json()
    resp = t.action({**wo_action("note", job.id, None, fields={"text": "ok"}), "captured_at": _iso(NOW + dt.timedelta(minutes=5))}, str(uuid.uuid4()))
    assert resp.status_code == 200, resp.get_json()


def test_the_time_bounds_are_settings(app, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    settings = app.extensions["fieldops.settings"]
    app.extensions["fieldops.settings"] = settings.with_(client_time_past_days=400)
    try:
        job = make_job(session, city)
        session.commit()
        body = {**wo_action("note", job.id, None, fields={"text": "ok"}), "captured_at": _iso(NOW - dt.timedelta(days=300))}
        assert tablet("alice").action(body, str(uuid.uuid4())).status_code == 200
    finally:
        app.extensions["fieldops.settings"] = settings


# --- Open311 queries and POST ------------------------------------------------------------------------------------

OPEN311_BAD_DATES = ["0001-01-01T00:00:00Z", "0001-01-01", "1900-01-01T00:00:00Z", "1989-12-31", "9999-12-31T23:59:59Z", _iso(NOW + dt.timedelta(days=400))]


@pytest.mark.parametrize("name", ["start_date", "end_date", "updated_after", "updated_before"])
@pytest.mark.parametrize("value", OPEN311_BAD_DATES, ids=["year-1", "year-1-date", "1900", "1989", "9999", "400-days-ahead"])
def test_open311_queries_refuse_implausible_dates(client, city, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(f"{OPEN311}/requests.json", query_string={name: value})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body[0]["code"] == 400 and name in body[0]["description"]


def test_open311_queries_accept_plausible_dates(client, city) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(f"{OPEN311}/requests.json", query_string={"start_date": "1990-01-01", "end_date": "1990-03-01"})
    assert resp.status_code == 200 and resp.get_json() == []


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+00:00", "1900-05-01T14:30:00-04:00", "9999-12-31T23:59:59-05:00"])
def test_open311_post_refuses_implausible_attribute_times(session, client, city, value: str) -> None:  # type: ignore[no-untyped-def]
    from fieldops.catalog.models import AttributeType, ServiceAttribute

    session.add(ServiceAttribute(service_type=city.pothole, code="SEEN", datatype=AttributeType.DATETIME, description="When?", order=1))
    key = issue_key(session)
    fields = {"service_code": "pothole", "lat": str(UNION_SQUARE[0]), "long": str(UNION_SQUARE[1]), "attribute[SEEN]": value}
    resp = post_request(client, key, "json", **fields)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


# --- web forms with a date ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_the_event_form_refuses_implausible_dates(client, session, city, day: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    resp = client.post("/events", data={"csrf_token": csrf_token(client, "/events"), "name": "Coffee", "place": "Union Sq",
                                        "day": day, "start": "10:00", "end": "12:00"})
    assert resp.status_code == 422, resp.get_data(as_text=True)[:400]


@pytest.mark.parametrize("path", ["/exports/requests.csv", "/exports/work-orders.csv", "/performance"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_report_filters_refuse_implausible_dates(client, city, path: str, day: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get(path, query_string={"from": day, "to": day, "start": day, "end": day})
    assert resp.status_code in (200, 422), resp.status_code
    resp.get_data()


# --- deep and huge JSON, on every endpoint that takes JSON ----------------------------------------------------------

# Every endpoint reading a JSON body: (endpoint, path, user). A POST/PUT/PATCH endpoint is either here or in
# NOT_JSON, so one added later must be classified by whoever adds it.
JSON_ENDPOINTS = {"sync.sync_action": ("/api/sync/actions", "alice")}


def _writing_endpoints(app) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.endpoint for r in app.url_map.iter_rules() if r.methods and r.methods & {"POST", "PUT", "PATCH"}}


def test_every_json_endpoint_is_listed(app) -> None:  # type: ignore[no-untyped-def]
    # A view that calls get_json (or reads request.json) is a JSON endpoint; find them in the views' source.
    import inspect

    readers = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        source = inspect.getsource(inspect.unwrap(view))
        if "get_json" in source or "request.json" in source:
            readers.add(rule.endpoint)
    assert readers == set(JSON_ENDPOINTS), "a JSON endpoint needs an entry in JSON_ENDPOINTS"
    assert set(JSON_ENDPOINTS) <= _writing_endpoints(app)


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_deep_json_is_400(tablet, session, city, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    path, user = JSON_ENDPOINTS[endpoint]
    t = tablet(user)
    for depth in (33, 100_000):
        raw = "[" * depth + "]" * depth
        resp = t.client.post(path, data=raw, content_type="application/json",
                             headers={"X-CSRFToken": t.token, "Idempotency-Key": str(uuid.uuid4())})
        assert resp.status_code == 400, (depth, resp.status_code)
        assert resp.get_json()["code"] == "json_too_deep"


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_huge_json_is_413(tablet, session, city, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    path, user = JSON_ENDPOINTS[endpoint]
    t = tablet(user)
    raw = '{"kind": "note", "fields": {"text": "' + "x" * (600 * 1024) + '"}}'
    resp = t.client.post(path, data=raw, content_type="application/json",
                         headers={"X-CSRFToken": t.token, "Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 413 and resp.get_json()["code"] == "json_too_large"


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    assert nesting_depth(b'{"a": "[[[[{{{{\\"]]]"}') == 1
    assert nesting_depth(b"[[1], [[2]]]") == 3
    assert nesting_depth(b'"just a string"') == 0


# --- stored extreme times never break a page ---------------------------------------------------------------------

EXTREMES = {
    "year 1": dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    "year 1 plus a second": dt.datetime(1, 1, 1, 0, 0, 1, tzinfo=dt.UTC),
    "1970": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    "year 9999": dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("at", EXTREMES.values(), ids=EXTREMES.keys())
def test_stored_extreme_times_never_break_a_page(client, session, city, at: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    req_id, tracking = job.request_id, job.request.tracking_number
    # Past every check, as a legacy import or a bug would write them.
    session.execute(sa.update(ServiceRequest).where(ServiceRequest.id == req_id).values(created_at=at, updated_at=at, due_at=at))
    session.execute(sa.update(WorkOrder).where(WorkOrder.id == job.id).values(created_at=at, due_at=at))
    session.commit()
    login(client, "sam")
    pages = [
        "/performance",
        "/performance?start=2020-01-01&end=2020-12-31",
        "/exports/requests.csv",
        "/exports/requests.geojson",
        "/exports/work-orders.csv",
        "/exports/work-orders.geojson",
        f"/requests/{req_id}",
        f"/work-orders/{job.id}",
        f"/status/{tracking}",
        f"{OPEN311}/requests.json?service_request_id={tracking}",
        f"{OPEN311}/requests.json?service_request_id={tracking}&extensions=true",
        f"{OPEN311}/requests/{tracking}.json",
        f"{OPEN311}/requests.json?start_date=1990-01-01&end_date=1990-02-01",
        f"{OPEN311}/requests.json?updated_after=1990-01-01",
        "/dispatch",
        "/sla",
    ]
    for page in pages:
        resp = client.get(page)
        body = resp.get_data()  # streams are read to the end: a truncated stream raises here
        assert resp.status_code < 500, (page, resp.status_code)
        if page.endswith(".geojson") and resp.status_code == 200:
            import json

            json.loads(body)


# --- the same limits on every way in -----------------------------------------------------------------------------

LIMITS = [
    ("description", 5000, "description"),
    ("resident_name", 120, "resident_name"),
    ("address", 255, "address"),
]


def _olga(client) -> Tablet:  # type: ignore[no-untyped-def]
    # One sign-in per test: the form and the tablet share it.
    if not hasattr(client, "olga_tablet"):
        client.olga_tablet = Tablet(client, "olga")
    return client.olga_tablet  # type: ignore[no-any-return]


def _form_way(client, session, city, field: str, value: str) -> int:  # type: ignore[no-untyped-def]
    _olga(client)
    data = {"csrf_token": csrf_token(client, "/requests/new"), "service_type": "pothole", "latitude": str(UNION_SQUARE[0]),
            "longitude": str(UNION_SQUARE[1]), "not_duplicate": "1", "address": "1 Union Sq", field: value}
    return client.post("/requests/new", data=data).status_code


def _sync_way(client, session, city, field: str, value: str) -> int:  # type: ignore[no-untyped-def]
    fields = {"service_type": "pothole", "latitude": UNION_SQUARE[0], "longitude": UNION_SQUARE[1], "address": "1 Union Sq", field: value}
    return _olga(client).action({"kind": "request", "fields": fields}, str(uuid.uuid4())).status_code


OPEN311_NAMES = {"description": "description", "resident_name": "first_name", "address": "address_string",
                 "resident_email": "email", "resident_phone": "phone"}


def _open311_way(client, session, city, field: str, value: str) -> int:  # type: ignore[no-untyped-def]
    fields = {"service_code": "pothole", "lat": str(UNION_SQUARE[0]), "long": str(UNION_SQUARE[1]), OPEN311_NAMES[field]: value}
    if field == "resident_name":  # first and last names together are the resident's name
        fields = {**fields, "first_name": value[:59], "last_name": value[60:]}  # joined by a space
    return post_request(client, issue_key(session), "json", **fields).status_code


WAYS = {"form": (_form_way, 302, 422), "sync": (_sync_way, 201, 422), "open311": (_open311_way, 200, 400)}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("field,limit,_name", LIMITS)
def test_every_way_in_has_the_same_length_limits(client, session, city, way: str, field: str, limit: int, _name: str) -> None:  # type: ignore[no-untyped-def]
    send, ok, refused = WAYS[way]
    before = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))
    assert send(client, session, city, field, "x" * (limit + 1)) == refused
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == before
    assert send(client, session, city, field, "x" * limit) == ok


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    "field,value,good",
    [
        ("resident_email", "not an email", False),
        ("resident_email", "a@b@example.org", False),
        ("resident_email", "maria@example.org", True),
        ("resident_phone", "call me maybe", False),
        ("resident_phone", "+1 (617) 555-0100", True),
    ],
)
def test_every_way_in_checks_contact_details_alike(client, session, city, way: str, field: str, value: str, good: bool) -> None:  # type: ignore[no-untyped-def]
    send, ok, refused = WAYS[way]
    assert send(client, session, city, field, value) == (ok if good else refused)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "91"])
def test_coordinates_are_finite_and_on_earth_on_every_way_in(client, session, city, value: str) -> None:  # type: ignore[no-untyped-def]
    _olga(client)
    data = {"csrf_token": csrf_token(client, "/requests/new"), "service_type": "pothole", "latitude": value, "longitude": "-71.09", "address": "x"}
    assert client.post("/requests/new", data=data).status_code == 422
    fields = {"service_type": "pothole", "latitude": value, "longitude": -71.09}
    assert _olga(client).action({"kind": "request", "fields": fields}, str(uuid.uuid4())).status_code == 422
    assert post_request(client, issue_key(session), "json", service_code="pothole", lat=value, long="-71.09").status_code == 400
