"""Small builders for a test city: departments, service types, districts, crews, users, work orders."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fieldops.accounts.models import Crew, Role, User
from fieldops.accounts.services import create_user
from fieldops.catalog.models import Department, ServiceType
from fieldops.db import utcnow
from fieldops.districts.services import import_districts
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.workorders.models import WorkOrder
from fieldops.workorders.services import create_work_order

PASSWORD = "correct-horse-battery"
from helpers import SHARED_DATA
# Real places in Somerville, MA (ward 3 / ward 6 / ward 2)
UNION_SQUARE = (42.3795, -71.0937)
DAVIS_SQUARE = (42.3967, -71.1224)
CITY_HALL = (42.3876, -71.0995)


@dataclass
class City:
    pwd: Department
    pothole: ServiceType
    streetlight: ServiceType
    crew_a: Crew
    crew_b: Crew
    alice: User  # crew A
    bob: User  # crew B
    sam: User  # supervisor
    olga: User  # outreach


def make_city(session: Session) -> City:
    """A small Somerville with its real wards, one department, two crews and people in every role."""
    import_districts(
        session,
        json.loads((SHARED_DATA / "somerville_wards.geojson").read_text()),
        kind="ward",
        code_property="Ward",
        name_prefix="Ward ",
    )
    pwd = Department(code="DPW", name="Public Works")
    pothole = ServiceType(code="pothole", name="Pothole", department=pwd, sla_hours=48, requires_after_photo=True)
    streetlight = ServiceType(code="streetlight", name="Street light out", department=pwd, sla_hours=72)
    crew_a = Crew(name="DPW Crew A", department=pwd)
    crew_b = Crew(name="DPW Crew B", department=pwd)
    session.add_all([pwd, pothole, streetlight, crew_a, crew_b])
    session.flush()
    alice = create_user(session, username="alice", full_name="Alice Crew", password=PASSWORD, role=Role.CREW, crew=crew_a)
    bob = create_user(session, username="bob", full_name="Bob Crew", password=PASSWORD, role=Role.CREW, crew=crew_b)
    sam = create_user(session, username="sam", full_name="Sam Supervisor", password=PASSWORD, role=Role.SUPERVISOR)
    olga = create_user(session, username="olga", full_name="Olga Outreach", password=PASSWORD, role=Role.OUTREACH)
    return City(pwd, pothole, streetlight, crew_a, crew_b, alice, bob, sam, olga)


def make_job(
    session: Session,
    city: City,
    *,
    assignee: User | None = None,
    service_type: ServiceType | None = None,
    at: tuple[float, float] = UNION_SQUARE,
    created_at: dt.datetime | None = None,
    address: str = "1 Union Sq, Somerville",
    description: str = "Deep pothole in the crosswalk",
) -> WorkOrder:
    """A resident's request with a work order assigned to `assignee` (Alice by default)."""
    req: ServiceRequest = create_request(
        session,
        city.sam,
        service_type=service_type or city.pothole,
        channel=Channel.PHONE,
        description=description,
        latitude=at[0],
        longitude=at[1],
        address=address,
        resident_name="Maria Resident",
        resident_phone="617-555-0100",
        created_at=created_at or utcnow(),
    )
    return create_work_order(session, city.sam, req, assignee=assignee or city.alice)
