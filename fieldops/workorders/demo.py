"""The demo city: real 2015 Boston 311 requests on real Boston wards, moved to the recent past.

Registered by workorders (the lowest feature that has everything the city needs: requests and their jobs) as
the first demo loader; every other feature's demo builds on it (fieldops/demo.py runs them in order).
"""

from __future__ import annotations

import csv
import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.activity.verbs import Verb
from fieldops.accounts.models import Crew, Role, User
from fieldops.accounts.services import create_user
from fieldops.activity import services as activity
from fieldops.catalog.models import Department, ServiceType
from fieldops.demo import DATA_DIR, DEMO_PASSWORD, DemoLogin
from fieldops.districts.models import District
from fieldops.districts.services import DistrictIndex, import_districts, load_geojson
from fieldops.servicerequests.models import Channel, RequestStatus
from fieldops.servicerequests.services import create_request
from fieldops.workorders.models import WorkOrder, WorkOrderStatus
from fieldops.workorders.services import create_work_order

DEPARTMENTS = [
    ("PWD", "Public Works"),
    ("ISD", "Inspectional Services"),
    ("PARKS", "Parks and Recreation"),
    ("BTD", "Transportation"),
]
# code, name, department, Boston TYPE, SLA hours, before photo, after photo
SERVICE_TYPES = [
    ("pothole", "Pothole", "PWD", "Pothole Repair (Internal)", 48, False, True),
    ("streetlight", "Street light out", "PWD", "Street Light Outages", 72, False, False),
    ("sidewalk", "Sidewalk repair (make safe)", "PWD", "Sidewalk Repair (Make Safe)", 120, True, True),
    ("litter-basket", "Overflowing litter basket", "PWD", "Empty Litter Basket", 24, False, False),
    ("dead-animal", "Dead animal pick-up", "PWD", "Pick up Dead Animal", 24, False, False),
    ("graffiti", "Graffiti removal", "PWD", "PWD Graffiti", 168, True, True),
    ("bulk-item", "Bulk item pick-up", "PWD", "Schedule a Bulk Item Pickup SS", 72, False, False),
    ("rodent", "Rodent activity", "ISD", "Rodent Activity", 72, False, False),
    ("tree", "Tree maintenance", "PARKS", "Tree Maintenance Requests", 240, False, True),
    ("sign", "Sign repair", "BTD", "Sign Repair", 120, False, True),
]
# What staff type in the New request search besides the name (English; translated in the .po catalogues,
# marked in fieldops/catalog/seed_texts.py).
KEYWORDS = {
    "pothole": "pothole, hole, road, street, asphalt",
    "streetlight": "street light, lamp, light out, dark, pole",
    "sidewalk": "sidewalk, broken slab, trip hazard, curb",
    "litter-basket": "litter basket, trash can, garbage, bin",
    "dead-animal": "dead animal, carcass, roadkill",
    "graffiti": "graffiti, tag, vandalism, spray paint",
    "bulk-item": "bulk item, furniture, mattress, couch, appliance",
    "rodent": "rats, rat, mice, mouse, rodent",
    "tree": "tree, branch, limb, pruning",
    "sign": "sign, stop sign, street sign, post",
}
SOURCES = {
    "Citizens Connect App": Channel.APP,
    "Constituent Call": Channel.PHONE,
    "Self Service": Channel.WEB,
    "City Worker App": Channel.STAFF,
    "Employee Generated": Channel.STAFF,
}
# Public Works splits the city into three crew areas by ward; the other departments have one crew each.
PWD_AREAS = {
    "North": {1, 2, 3, 4, 5, 21, 22},
    "Central": {6, 7, 8, 9, 10, 11},
    "South": {12, 13, 14, 15, 16, 17, 18, 19, 20},
}
RESOLUTIONS = {
    "pothole": "Filled with hot patch and rolled.",
    "streetlight": "Replaced lamp and photocell.",
    "sidewalk": "Cold patch placed, area made safe; slab replacement scheduled.",
    "litter-basket": "Basket emptied, liner replaced.",
    "dead-animal": "Removed and disposed.",
    "graffiti": "Painted over to match.",
    "bulk-item": "Items collected.",
    "rodent": "Baited burrows, owner notified about trash storage.",
    "tree": "Pruned hanging limb.",
    "sign": "Sign re-mounted on new post.",
}



def seed_city(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """The demo city every other demo builds on: Boston's wards, the catalogue, crews and staff, and the real
    cases as requests, dispatched to crews and, for the older ones, completed."""
    import_districts(
        session,
        load_geojson(DATA_DIR / "boston_wards.geojson"),
        kind="ward",
        code_property="WARD",
        name_prefix="Ward ",
        source="City of Boston wards (ODC-PDDL)",
    )
    for d in session.scalars(sa.select(District)):
        d.name = f"Ward {d.code}"
    departments = {code: Department(code=code, name=name) for code, name in DEPARTMENTS}
    session.add_all(departments.values())
    types: dict[str, ServiceType] = {}
    by_boston_type: dict[str, ServiceType] = {}
    for code, name, dept, boston, sla, before, after in SERVICE_TYPES:
        st = ServiceType(
            code=code,
            name=name,
            department=departments[dept],
            group=departments[dept].name,
            sla_hours=sla,
            requires_before_photo=before,
            requires_after_photo=after,
            keywords=KEYWORDS[code],
        )
        types[code] = st
        by_boston_type[boston] = st
    session.add_all(types.values())
    session.flush()

    logins: list[DemoLogin] = []
    ward_crew: dict[int, Crew] = {}
    crew_members: dict[int, User] = {}
    for area, wards in PWD_AREAS.items():
        crew = Crew(name=f"Public Works {area}", department=departments["PWD"])
        session.add(crew)
        session.flush()
        user = create_user(
            session, username=f"crew-{area.lower()}", full_name=f"{area} crew lead", password=DEMO_PASSWORD, role=Role.CREW, crew=crew
        )
        crew_members[crew.id] = user
        logins.append(DemoLogin(user.username, "crew", f"Public Works crew, wards {', '.join(map(str, sorted(wards)))}"))
        for w in wards:
            ward_crew[w] = crew
    dept_crew: dict[str, Crew] = {}
    for dept, username, label in (("ISD", "inspector", "Rodent inspector"), ("PARKS", "parks", "Parks tree crew"), ("BTD", "signs", "Sign shop crew")):
        crew = Crew(name=label, department=departments[dept])
        session.add(crew)
        session.flush()
        user = create_user(session, username=username, full_name=label, password=DEMO_PASSWORD, role=Role.CREW, crew=crew)
        crew_members[crew.id] = user
        dept_crew[dept] = crew
        logins.append(DemoLogin(username, "crew", f"{label}, whole city"))
    supervisor = create_user(session, username="supervisor", full_name="Dana Dispatcher", password=DEMO_PASSWORD, role=Role.SUPERVISOR)
    create_user(session, username="outreach", full_name="Olga Outreach", password=DEMO_PASSWORD, role=Role.OUTREACH)
    create_user(session, username="admin", full_name="Ari Admin", password=DEMO_PASSWORD, role=Role.ADMIN)
    logins += [
        DemoLogin("supervisor", "supervisor", "sees every work order"),
        DemoLogin("outreach", "outreach", "mobile 311 staff"),
        DemoLogin("admin", "admin", "everything"),
    ]

    index = DistrictIndex.load(session, kind="ward")
    ward_of = {d.id: int(d.code) for d in session.scalars(sa.select(District))}
    with (DATA_DIR / "boston311_2015_demo.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        st = by_boston_type[row["TYPE"]]
        # Spread the real cases over the last three weeks so the demo has fresh, due and overdue work.
        created = now - dt.timedelta(minutes=rng.randint(30, 21 * 24 * 60))
        req = create_request(
            session,
            supervisor,
            service_type=st,
            channel=SOURCES.get(row["Source"], Channel.PHONE),
            description=_description(row),
            latitude=float(row["LATITUDE"]),
            longitude=float(row["LONGITUDE"]),
            address=" ".join(row["Location"].split()),
            created_at=created,
            district_index=index,
        )
        req.external_id = f"boston311:{row['CASE_ENQUIRY_ID']}"
        handler: Crew | None
        if st.department.code == "PWD":
            ward = ward_of.get(req.district_id) if req.district_id else None
            handler = ward_crew.get(ward) if ward else None
        else:
            handler = dept_crew[st.department.code]
        if handler is None or rng.random() < 0.08:
            continue  # left in triage for the supervisor
        # Dispatched within the first hours, as a 311 centre would: the history reads in the order it happened.
        scheduled = min(created + dt.timedelta(minutes=rng.randint(5, 180)), now)
        wo = create_work_order(
            session, supervisor, req, crew_id=handler.id, assignee=crew_members[handler.id], priority=rng.choice([2, 3, 3, 3, 4]), at=scheduled
        )
        age = now - created
        if age > dt.timedelta(days=5):
            _complete(session, crew_members[handler.id], wo, st, scheduled, now, rng)
    session.flush()
    return logins



def _description(row: dict[str, str]) -> str:
    title = row["CASE_TITLE"].strip()
    # Boston's export often carries workflow words ("PRINTED") instead of a resident's description.
    return "" if title.upper() in {"PRINTED", "", row["TYPE"].upper()} else title


def _complete(
    session: Session, user: User, wo: WorkOrder, st: ServiceType, scheduled: dt.datetime, now: dt.datetime, rng: random.Random
) -> None:
    # Some jobs close late (past their target), none in the future: the demo's history never runs ahead of now.
    done = scheduled + dt.timedelta(hours=st.sla_hours * rng.uniform(0.2, 1.6))
    done = min(done, now - dt.timedelta(minutes=rng.randint(10, 600)))
    done = max(done, scheduled + dt.timedelta(minutes=30))
    wo.status = WorkOrderStatus.COMPLETED
    wo.resolution = RESOLUTIONS[st.code]
    wo.completed_at = done
    wo.request.status = RequestStatus.CLOSED
    wo.request.closed_at = done
    activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=user,
        verb=Verb.STATUS_COMPLETED,
        params={"from_status": WorkOrderStatus.ASSIGNED.label, "to_status": WorkOrderStatus.COMPLETED.label, "resolution": wo.resolution},
        detail={"from": "assigned", "to": "completed", "demo": True},
        at=done,
    )
