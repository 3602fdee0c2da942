"""The duplicate check in metres (shapely on a local projection), and joining a report to an existing request."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlalchemy as sa

from factories import DAVIS_SQUARE, UNION_SQUARE
from fieldops.activity.models import Activity
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.outreach import duplicates
from fieldops.outreach.intake import log_request
from fieldops.servicerequests.models import Channel, RequestStatus
from fieldops.workorders.services import create_work_order
from factories import make_event, make_request, offset


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * duplicates.EARTH_RADIUS_M * math.asin(math.sqrt(a))


@pytest.mark.parametrize("north,east", [(30, 0), (0, 45), (-200, 300), (1500, -2000)])
def test_local_projection_matches_great_circle_distance(north: float, east: float) -> None:
    lat, lon = offset(UNION_SQUARE, north, east)
    ours = duplicates.distance_m(UNION_SQUARE[0], UNION_SQUARE[1], lat, lon)
    truth = _haversine(UNION_SQUARE[0], UNION_SQUARE[1], lat, lon)
    assert abs(ours - truth) / truth < 0.001  # under 0.1 % at city scale


def test_finds_open_requests_of_the_same_type_within_radius_and_window(session, city) -> None:  # type: ignore[no-untyped-def]
    city.pothole.duplicate_radius_m, city.pothole.duplicate_window_hours = 50, 72
    near = make_request(session, city, at=offset(UNION_SQUARE, 30, 0))
    nearer = make_request(session, city, at=offset(UNION_SQUARE, 0, 10))
    make_request(session, city, at=offset(UNION_SQUARE, 0, 70))  # 70 m: outside the radius
    make_request(session, city, at=offset(UNION_SQUARE, 5, 0), created_at=utcnow() - dt.timedelta(hours=80))  # too old
    make_request(session, city, at=UNION_SQUARE, service_type=city.streetlight)  # another type
    closed = make_request(session, city, at=UNION_SQUARE)
    closed.status = RequestStatus.CLOSED
    make_request(session, city, at=DAVIS_SQUARE)
    session.flush()
    found = duplicates.find_duplicates(session, city.pothole, *UNION_SQUARE)
    assert [c.request.id for c in found] == [nearer.id, near.id]
    assert [round(c.distance_m) for c in found] == [10, 30]
    city.pothole.duplicate_radius_m = 0  # the check can be switched off per type
    assert duplicates.find_duplicates(session, city.pothole, *UNION_SQUARE) == []


def test_open_requests_json_for_the_tablet_has_no_personal_data(session, city) -> None:  # type: ignore[no-untyped-def]
    req = make_request(session, city)
    make_request(session, city, created_at=utcnow() - dt.timedelta(days=30))  # outside the 168 h window
    session.flush()
    data = duplicates.open_requests_json(session, city.olga)
    assert data["rules"]["pothole"] == {"radius_m": 50, "window_hours": 168}
    assert data["requests"]["tracking_number"] == [req.tracking_number]
    text = str(data)
    assert "Private Person" not in text and "617-555" not in text and "private@example.org" not in text and "Joe" not in text


def test_adding_a_report_to_an_existing_request(session, city) -> None:  # type: ignore[no-untyped-def]
    existing = make_request(session, city)
    create_work_order(session, city.sam, existing, assignee=city.alice)
    event = make_event(session, city)
    logged = log_request(session, city.olga, service_type=city.pothole, channel=Channel.STAFF, event=event,
                         duplicate_of=existing.tracking_number.lower().replace("-", ""),  # as a person may type it
                         latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1], resident_name="Second Resident", resident_phone="617-555-0101")
    session.flush()
    report = logged.report
    assert logged.joined_existing and logged.follow.id == existing.id
    assert report.duplicate_of_id == existing.id and report.status == RequestStatus.CLOSED and report.due_at is None
    assert report.resident_name == "Second Resident"  # the contact is kept, privately, on the report
    assert existing.status == RequestStatus.OPEN
    verbs = session.scalars(sa.select(Activity.verb).where(Activity.request_id == existing.id).order_by(Activity.id)).all()
    assert verbs[-1] == "request:duplicate_merged"  # the same history as a dispatcher's merge
    # A report added to a report that was itself added elsewhere follows the chain to the real request.
    third = log_request(session, city.olga, service_type=city.pothole, channel=Channel.STAFF, duplicate_of=report.tracking_number, address="x")
    assert third.follow.id == existing.id
    with pytest.raises(DomainError):
        log_request(session, city.olga, service_type=city.pothole, channel=Channel.STAFF, duplicate_of="ZZZZ-ZZZZ", address="x")
