"""Small builders for a test city: departments, service types, districts, crews, users, work orders."""

from __future__ import annotations

import datetime as dt
import json
import functools
from dataclasses import dataclass

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from data_files import data_file

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


@functools.cache
def cached_password_hash(password: str) -> str:
    """The real (scrypt) hash, made once per distinct password per process.

    A scrypt hash costs tens of milliseconds by design and the test city alone makes four per test; the
    tests need hashes that sign-in accepts, not a fresh salt each time. tests/conftest.py puts this in
    place of the models' hasher for every test except those marked `real_password_hashing`.
    """
    return generate_password_hash(password)

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
        json.loads(data_file("somerville_wards.geojson").read_text()),
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


# --- outreach (events, requests near a point) --------------------------------------------------------------------

from fieldops.outreach.models import OutreachEvent  # noqa: E402
from fieldops.outreach.services import create_event  # noqa: E402


def make_event(session: Session, city: City, *, at: tuple[float, float] = UNION_SQUARE, name: str = "Coffee hour at Union Square",
               starts: dt.datetime | None = None, hours: float = 3) -> OutreachEvent:
    """An event that started an hour ago (by default), at Union Square (Ward 3)."""
    starts = starts or utcnow() - dt.timedelta(hours=1)
    return create_event(session, city.olga, name=name, place="Union Square Plaza", latitude=at[0], longitude=at[1],
                        starts_at=starts, ends_at=starts + dt.timedelta(hours=hours))


def offset(point: tuple[float, float], north_m: float = 0, east_m: float = 0) -> tuple[float, float]:
    """A point so many metres north and east of another (small distances)."""
    import math

    lat, lon = point
    return lat + north_m / 111_195.0, lon + east_m / (111_195.0 * math.cos(math.radians(lat)))


def make_request(session: Session, city: City, *, at: tuple[float, float] = UNION_SQUARE, service_type=None,  # type: ignore[no-untyped-def]
                 created_at: dt.datetime | None = None, **kw) -> ServiceRequest:
    return create_request(session, city.sam, service_type=service_type or city.pothole, channel=Channel.PHONE,
                          latitude=at[0], longitude=at[1], address="Somewhere in Somerville", created_at=created_at or utcnow(),
                          resident_name="Private Person", resident_phone="617-555-0199", resident_email="private@example.org",
                          description="My neighbour Joe's car hit it", **kw)


# ---------------------------------------------------------------------------------------------------
# Dispatch (triage, crew zones, transfers): untriaged requests, crews with districts, a second department
# ---------------------------------------------------------------------------------------------------

import sqlalchemy as sa  # noqa: E402

from fieldops.catalog.models import SlaUnit, TransferClock  # noqa: E402
from fieldops.districts.models import District  # noqa: E402


def ward(session: Session, code: str) -> District:
    """A Somerville ward of the test city by its number."""
    return session.scalars(sa.select(District).where(District.kind == "ward", District.code == code)).one()


def zone_crews(session: Session, city: City) -> None:
    """Crew A covers ward 2 (Union Square), crew B ward 6 (Davis Square)."""
    city.crew_a.district = ward(session, "2")
    city.crew_b.district = ward(session, "6")
    session.flush()


def make_untriaged(
    session: Session,
    city: City,
    *,
    service_type: ServiceType | None = None,
    at: tuple[float, float] | None = UNION_SQUARE,
    created_at: dt.datetime | None = None,
    channel: Channel = Channel.PHONE,
    description: str = "Pothole by the bus stop",
    address: str = "1 Union Sq",
) -> ServiceRequest:
    """A resident's request with no work order yet (it waits in triage)."""
    return create_request(
        session,
        city.sam,
        service_type=service_type or city.pothole,
        channel=channel,
        description=description,
        latitude=at[0] if at else None,
        longitude=at[1] if at else None,
        address=address,
        resident_name="Maria Resident",
        resident_phone="617-555-0100",
        created_at=created_at or utcnow(),
    )


@dataclass
class Parks:
    dept: Department
    tree: ServiceType
    crew: Crew
    pat: User


def make_parks(session: Session, *, on_transfer: TransferClock = TransferClock.RESTART) -> Parks:
    """A Parks department: tree requests in 10 business days, one citywide crew with Pat on it."""
    dept = Department(code="PARKS", name="Parks and Recreation")
    tree = ServiceType(
        code="tree", name="Tree maintenance", department=dept, sla_hours=336, sla_unit=SlaUnit.BUSINESS_DAYS, sla_value=10, sla_on_transfer=on_transfer
    )
    crew = Crew(name="Parks tree crew", department=dept)
    session.add_all([dept, tree, crew])
    session.flush()
    pat = create_user(session, username="pat", full_name="Pat Parks", password=PASSWORD, role=Role.CREW, crew=crew)
    return Parks(dept, tree, crew, pat)
