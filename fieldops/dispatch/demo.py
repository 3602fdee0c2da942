"""Demo: business-day standards on a city calendar, crew zones, duplicates to merge and a transfer."""

from __future__ import annotations

import datetime as dt
import json
import random

import shapely
import sqlalchemy as sa
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from fieldops.accounts.models import Crew, Role, User
from fieldops.catalog.models import Department, ServiceType, SlaUnit, TransferClock
from fieldops.demo import DemoLogin
from fieldops.districts.models import District
from fieldops.districts.services import DistrictIndex, import_districts
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.sla.services import compute_due, default_calendar, wall_clock_hours, work_calendar
from fieldops.workorders.demo import PWD_AREAS
from fieldops.workorders.models import WorkOrder

# code → (unit, value, transfer rule). Trees and signs follow business days like most 311 programmes;
# a tree job handed to Parks starts Parks' clock again, other hand-overs keep the resident's clock.
STANDARDS = {
    "tree": (SlaUnit.BUSINESS_DAYS, 10, TransferClock.RESTART),
    "sign": (SlaUnit.BUSINESS_DAYS, 5, TransferClock.CONTINUE),
    "rodent": (SlaUnit.BUSINESS_DAYS, 3, TransferClock.RESTART),
    "sidewalk": (SlaUnit.BUSINESS_DAYS, 5, TransferClock.CONTINUE),
    "graffiti": (SlaUnit.BUSINESS_HOURS, 36, TransferClock.CONTINUE),
}


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """Standards and calendar, Public Works crew zones, two likely duplicates, one merged pair and one transfer."""
    cal = default_calendar(session, now=now)
    types = {st.code: st for st in session.scalars(sa.select(ServiceType))}
    for code, (unit, value, rule) in STANDARDS.items():
        st = types.get(code)
        if st is None:
            continue
        st.sla_unit, st.sla_value, st.sla_on_transfer = unit, value, rule
        st.sla_hours = wall_clock_hours(unit, value, work_calendar(cal))
        _recompute_due(session, st)
    _crew_zones(session)
    supervisor = session.scalars(sa.select(User).where(User.role == Role.SUPERVISOR).order_by(User.id)).first()
    if supervisor is None:
        return []
    _duplicates(session, supervisor, rng, now)
    _transfer(session, supervisor, types, now)
    session.flush()
    return []


def _recompute_due(session: Session, st: ServiceType) -> None:
    # The core demo created these requests before the type had its business-day standard.
    for req in session.scalars(sa.select(ServiceRequest).where(ServiceRequest.service_type_id == st.id)):
        req.due_at = compute_due(session, st, req.sla_started_at or req.created_at)
        for wo in req.work_orders:
            wo.due_at = req.due_at


def _crew_zones(session: Session) -> None:
    """One crew_zone district per Public Works crew (the union of its wards), so triage can suggest crews."""
    wards = {d.code: d for d in session.scalars(sa.select(District).where(District.kind == "ward"))}
    features = []
    for area, numbers in PWD_AREAS.items():
        shapes = [shape(json.loads(wards[str(n)].geometry)) for n in numbers if str(n) in wards]
        if not shapes:
            continue
        features.append({"type": "Feature", "properties": {"code": f"PWD-{area}", "name": f"Public Works {area} zone"}, "geometry": mapping(shapely.union_all(shapes))})
    if not features:
        return
    import_districts(session, {"type": "FeatureCollection", "features": features}, kind="crew_zone", source="demo: Public Works wards by area")
    zones = {d.code: d for d in session.scalars(sa.select(District).where(District.kind == "crew_zone"))}
    for area in PWD_AREAS:
        crew = session.scalar(sa.select(Crew).where(Crew.name == f"Public Works {area}"))
        if crew is not None and f"PWD-{area}" in zones:
            crew.district_id = zones[f"PWD-{area}"].id


def _untriaged(session: Session, code: str) -> list[ServiceRequest]:
    return list(
        session.scalars(
            sa.select(ServiceRequest)
            .join(ServiceType)
            .where(
                ServiceType.code == code,
                ServiceRequest.status == RequestStatus.OPEN,
                ServiceRequest.duplicate_of_id.is_(None),
                ServiceRequest.latitude.is_not(None),
                ~sa.select(WorkOrder.id).where(WorkOrder.request_id == ServiceRequest.id).exists(),
            )
            .order_by(ServiceRequest.created_at.desc())
        )
    )


def _duplicates(session: Session, supervisor: User, rng: random.Random, now: dt.datetime) -> None:
    """Second reports a few metres from waiting ones: one pair merged already, others left to merge."""
    from fieldops.dispatch.services import merge_requests

    index = DistrictIndex.load(session, kind="ward")
    made: list[tuple[ServiceRequest, ServiceRequest]] = []
    for code in ("pothole", "streetlight", "litter-basket"):
        waiting = _untriaged(session, code)
        if not waiting:
            continue
        first = waiting[0]
        assert first.latitude is not None and first.longitude is not None
        again = create_request(
            session,
            None,
            service_type=first.service_type,
            channel=rng.choice([Channel.APP, Channel.WEB, Channel.PHONE]),
            description=f"Same problem as the earlier report — {first.description or first.service_type.name.lower()}",
            latitude=first.latitude + rng.uniform(-0.00012, 0.00012),
            longitude=first.longitude + rng.uniform(-0.00012, 0.00012),
            address=first.address,
            created_at=max(first.created_at + dt.timedelta(hours=3), now - dt.timedelta(hours=2)),
            district_index=index,
        )
        made.append((first, again))
    if made:
        first, again = made[0]
        merge_requests(session, supervisor, again, first, now=now - dt.timedelta(minutes=30))


def _transfer(session: Session, supervisor: User, types: dict[str, ServiceType], now: dt.datetime) -> None:
    """A sidewalk report that turned out to be a street tree's roots: handed to Parks."""
    from fieldops.dispatch.services import transfer_request

    tree = types.get("tree")
    parks = session.get(Department, tree.department_id) if tree else None
    waiting = _untriaged(session, "sidewalk")
    if tree is None or parks is None or not waiting:
        return
    req = waiting[-1]
    transfer_request(
        session,
        supervisor,
        req,
        department=parks,
        service_type=tree,
        reason="Inspector found the slab lifted by the roots of a street tree; Parks' tree crew has to remove the roots first.",
        now=min(now, req.created_at + dt.timedelta(hours=20)),
    )
