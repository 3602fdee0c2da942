"""CSV and GeoJSON exports: filters, streaming, local times, and never a resident's personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from factories import DAVIS_SQUARE, make_job
from fieldops.servicerequests.models import RequestStatus
from fieldops.workorders.models import WorkOrderStatus
from helpers import login

PERSONAL = ("Maria Resident", "617-555-0100", "maria@example.org", "device-123")


@pytest.fixture
def jobs(session, city):  # type: ignore[no-untyped-def]
    a = make_job(session, city, created_at=dt.datetime(2024, 3, 9, 15, 0, tzinfo=dt.UTC), address="1 Union Sq")
    b = make_job(session, city, service_type=city.streetlight, created_at=dt.datetime(2024, 3, 12, 15, 0, tzinfo=dt.UTC), at=DAVIS_SQUARE, address="Davis Sq")
    c = make_job(session, city, created_at=dt.datetime(2024, 4, 2, 12, 0, tzinfo=dt.UTC), address="=cmd|' /C calc'!A0")
    for wo in (a, b, c):
        wo.request.resident_email = "maria@example.org"
        wo.request.device_id = "device-123"
    a.request.status = RequestStatus.CLOSED
    a.request.closed_at = a.request.created_at + dt.timedelta(hours=30)
    a.status = WorkOrderStatus.COMPLETED
    a.completed_at = a.request.closed_at
    session.commit()
    return a, b, c


def _csv(resp):  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_requests_csv_filters_and_leaves_out_personal_data(client, city, jobs) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/exports/requests.csv")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "Content-Length" not in resp.headers  # streamed as it is read, not built in memory
    assert 'filename="requests.csv"' in resp.headers["Content-Disposition"]
    assert not any(p in body for p in PERSONAL)
    rows = _csv(resp)
    assert [r["address"] for r in rows] == ["1 Union Sq", "Davis Sq", "'=cmd|' /C calc'!A0"]
    first = rows[0]
    # 15:00 UTC on 9 March 2024 is 10:00 EST; the clocks changed the next night.
    assert first["created_at"] == "2024-03-09T10:00:00-05:00"
    assert first["closed_at"] == "2024-03-10T17:00:00-04:00"
    assert first["hours_to_close"] == "30.0" and first["closed_within_target"] == "yes" and first["status"] == "closed"
    assert rows[1]["district"] == "Ward 6" and rows[1]["service_type"] == "Street light out"

    only_march = _csv(client.get("/exports/requests.csv?start=2024-03-01&end=2024-03-31&status=open"))
    assert [r["address"] for r in only_march] == ["Davis Sq"]
    by_type = _csv(client.get(f"/exports/requests.csv?type={city.pothole.id}"))
    assert len(by_type) == 2


def test_requests_geojson_is_a_feature_collection(client, city, jobs) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get(f"/exports/requests.geojson?department={city.pwd.id}")
    assert resp.mimetype == "application/geo+json"
    data = json.loads(resp.get_data(as_text=True))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    f = data["features"][1]
    assert f["geometry"] == {"type": "Point", "coordinates": [DAVIS_SQUARE[1], DAVIS_SQUARE[0]]}
    assert f["properties"]["tracking_number"] and "resident_name" not in f["properties"]
    assert not any(p in resp.get_data(as_text=True) for p in PERSONAL)
    empty = json.loads(client.get("/exports/requests.geojson?start=1999-01-01&end=1999-01-02").get_data(as_text=True))
    assert empty == {"type": "FeatureCollection", "features": []}


def test_work_order_exports(client, city, jobs) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    rows = _csv(client.get("/exports/work-orders.csv?status=completed"))
    assert len(rows) == 1 and rows[0]["assignee"] == "alice" and rows[0]["status"] == "completed"
    assert len(_csv(client.get("/exports/work-orders.csv?status=open"))) == 2
    data = json.loads(client.get("/exports/work-orders.geojson").get_data(as_text=True))
    assert len(data["features"]) == 3 and data["features"][0]["properties"]["request_id"] == jobs[0].request_id


@pytest.mark.parametrize("query", ["start=yesterday", "type=pothole", "status=maybe", "start=2024-05-01&end=2024-04-01"])
def test_bad_filters_are_refused_before_anything_is_sent(client, city, jobs, query) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get(f"/exports/requests.csv?{query}")
    assert resp.status_code == 422


def test_export_page_offers_every_download(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    html = client.get("/exports").get_data(as_text=True)
    for url in ("/exports/requests.csv", "/exports/requests.geojson", "/exports/work-orders.csv", "/exports/work-orders.geojson"):
        assert f'formaction="{url}"' in html


def test_crews_cannot_export(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    assert client.get("/exports").status_code == 403
    assert client.get("/exports/work-orders.geojson").status_code == 403


def test_bad_filters_are_refused_in_the_readers_language(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/exports/requests.csv?start=2024-05-01&end=2024-04-01&lang=es")
    assert resp.status_code == 422 and "La fecha de inicio es posterior a la fecha de fin." in resp.get_data(as_text=True)
