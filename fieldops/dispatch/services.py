"""Triage, assignment, merging and transfer of residents' requests (supervisors' back office)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session, joinedload, selectinload

from flask_babel import gettext as _

from fieldops.access import policies
from fieldops.accounts.models import Crew, User
from fieldops.activity.verbs import Verb
from fieldops.activity import services as activity
from fieldops.catalog.models import Department, ServiceType
from fieldops.catalog.texts import by_type_name
from fieldops.db import utcnow
from fieldops.districts.models import District
from fieldops.districts.services import DistrictIndex
from fieldops.errors import Conflict, DomainError, Forbidden, NotFound
from fieldops.photos.models import Photo
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.servicerequests.services import close_as_duplicate, normalise_tracking_number
from fieldops.sla.services import ClockPlan, local_text, plan_transfer
from fieldops.visits import services as visits
from fieldops.workorders import services as workorders
from fieldops.workorders.models import Priority, WorkOrder, WorkOrderStatus

OPEN_WORK = [s for s in WorkOrderStatus if s.is_open]
PAGE_SIZE = 25
# Age filter keys → minimum age of the request.
AGE_FILTERS: dict[str, dt.timedelta] = {
    "24h": dt.timedelta(hours=24),
    "3d": dt.timedelta(days=3),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
}
AGE_LABELS = {"": "Any age", "24h": "Older than 24 hours", "3d": "Older than 3 days", "7d": "Older than a week", "30d": "Older than 30 days"}
SORTS = {"oldest": "Oldest first", "newest": "Newest first", "due": "Due soonest"}


def _require_supervisor(actor: User) -> None:
    if not policies.can_dispatch(actor):
        raise Forbidden(_("Only supervisors may triage, assign, merge or transfer requests."))


def request_department_id(req: ServiceRequest) -> int:
    """The department answerable for a request now (its own after a transfer, else its type's)."""
    return req.department_id if req.department_id is not None else req.service_type.department_id


# ---------------------------------------------------------------------------------------------------
# The triage queue
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageFilters:
    """What the queue shows; built from the query string by the view (unknown values refused there)."""

    service_type_id: int | None = None
    department_id: int | None = None
    district_id: int | None = None
    channel: Channel | None = None
    age: str = ""
    overdue_only: bool = False
    sort: str = "oldest"
    page: int = 1

    def __post_init__(self) -> None:
        if self.age and self.age not in AGE_FILTERS:
            raise DomainError(_("Unknown age filter %(value)s.", value=repr(self.age)))
        if self.sort not in SORTS:
            raise DomainError(_("Unknown sort order %(value)s.", value=repr(self.sort)))
        if self.page < 1:
            raise DomainError(_("Pages are numbered from 1."))


@dataclass
class TriagePage:
    rows: list[ServiceRequest]
    total: int
    page: int
    pages: int
    filters: TriageFilters
    suggestions: dict[int, Crew | None] = field(default_factory=dict)
    # Active crews (members loaded) per department id, for the assign forms.
    crews_by_department: dict[int, list[Crew]] = field(default_factory=dict)


def _needs_triage() -> sa.ColumnElement[bool]:
    # Open, not merged, and no job under way: new requests, and ones whose job was cancelled or
    # "unable to complete" (those come back to the supervisor).
    open_job = sa.select(WorkOrder.id).where(WorkOrder.request_id == ServiceRequest.id, WorkOrder.status.in_(OPEN_WORK)).exists()
    return sa.and_(ServiceRequest.status == RequestStatus.OPEN, ServiceRequest.duplicate_of_id.is_(None), ~open_job)


def triage_count(session: Session, *, limit: int | None = None) -> int:
    """How many requests wait in the triage queue; with `limit`, counting stops there.

    The supervisors' nav badge shows the count on every page: a city that imported years of open requests
    has tens of thousands waiting, and counting them all costs a tenth of a second per page; a badge only
    needs to know that there are "999+".
    """
    waiting = sa.select(ServiceRequest.id).where(_needs_triage())
    if limit is not None:
        waiting = waiting.limit(limit)
    return session.scalar(sa.select(sa.func.count()).select_from(waiting.subquery())) or 0


BADGE_LIMIT = 999


def triage_badge(session: Session, *, limit: int | None = None) -> str:
    """The nav badge's figure: the exact count up to `limit` (BADGE_LIMIT), then "999+"."""
    limit = BADGE_LIMIT if limit is None else limit
    n = triage_count(session, limit=limit + 1)
    return f"{limit}+" if n > limit else str(n)


def triage_queue(session: Session, filters: TriageFilters, *, now: dt.datetime | None = None, page_size: int = PAGE_SIZE) -> TriagePage:
    """One page of the requests waiting for a work order, filtered and sorted."""
    now = now or utcnow()
    where: list[sa.ColumnElement[bool]] = [_needs_triage()]
    if filters.service_type_id is not None:
        where.append(ServiceRequest.service_type_id == filters.service_type_id)
    if filters.department_id is not None:
        # Requests made before departments were stored on them follow their type's department.
        type_dept = sa.select(ServiceType.department_id).where(ServiceType.id == ServiceRequest.service_type_id).scalar_subquery()
        where.append(sa.func.coalesce(ServiceRequest.department_id, type_dept) == filters.department_id)
    if filters.district_id is not None:
        where.append(ServiceRequest.district_id == filters.district_id)
    if filters.channel is not None:
        where.append(ServiceRequest.channel == filters.channel)
    if filters.age:
        where.append(ServiceRequest.created_at <= now - AGE_FILTERS[filters.age])
    if filters.overdue_only:
        where.append(ServiceRequest.due_at < now)
    total = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(*where)) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(filters.page, pages)
    orders: dict[str, list[sa.ColumnElement[Any] | QueryableAttribute[Any]]] = {
        "oldest": [ServiceRequest.created_at, ServiceRequest.id],
        "newest": [ServiceRequest.created_at.desc(), ServiceRequest.id.desc()],
        "due": [ServiceRequest.due_at.is_(None), ServiceRequest.due_at, ServiceRequest.id],
    }
    order = orders[filters.sort]
    stmt = (
        sa.select(ServiceRequest)
        .where(*where)
        .options(
            joinedload(ServiceRequest.service_type).joinedload(ServiceType.department),
            joinedload(ServiceRequest.district),
            joinedload(ServiceRequest.department),
        )
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = list(session.scalars(stmt).unique())
    suggester = CrewSuggester(session)
    return TriagePage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        suggestions={r.id: suggester.suggest(r) for r in rows},
        crews_by_department=dict(suggester.by_department),
    )


# ---------------------------------------------------------------------------------------------------
# Which crew: the one whose district contains the point
# ---------------------------------------------------------------------------------------------------


class CrewSuggester:
    """Suggests a crew for a request: the department's crew whose district contains the point (shapely
    STRtree per department), else the department's least-loaded crew. Build once per page."""

    def __init__(self, session: Session) -> None:
        self._session = session
        crews = list(
            session.scalars(
                sa.select(Crew).where(Crew.active.is_(True)).options(selectinload(Crew.members)).order_by(Crew.name)
            )
        )
        self.by_department: dict[int, list[Crew]] = defaultdict(list)
        for crew in crews:
            self.by_department[crew.department_id].append(crew)
        self._indexes: dict[int, tuple[DistrictIndex, dict[int, list[Crew]]]] = {}
        self._load: dict[int, int] | None = None

    def _index(self, department_id: int) -> tuple[DistrictIndex, dict[int, list[Crew]]]:
        if department_id not in self._indexes:
            zoned: dict[int, list[Crew]] = defaultdict(list)
            for crew in self.by_department.get(department_id, []):
                if crew.district_id is not None:
                    zoned[crew.district_id].append(crew)
            districts: Iterable[District] = self._session.scalars(sa.select(District).where(District.id.in_(list(zoned)))) if zoned else []
            self._indexes[department_id] = (DistrictIndex(districts), zoned)
        return self._indexes[department_id]

    def open_load(self) -> dict[int, int]:
        """Open work orders per crew id."""
        if self._load is None:
            rows = self._session.execute(
                sa.select(WorkOrder.crew_id, sa.func.count()).where(WorkOrder.status.in_(OPEN_WORK), WorkOrder.crew_id.is_not(None)).group_by(WorkOrder.crew_id)
            )
            self._load = {crew_id: n for crew_id, n in rows if crew_id is not None}
        return self._load

    def crews_for(self, req: ServiceRequest) -> list[Crew]:
        """Active crews of the request's department, by name."""
        return self.by_department.get(request_department_id(req), [])

    def suggest(self, req: ServiceRequest) -> Crew | None:
        """The crew to preselect for a request, or None when its department has no crew."""
        department_id = request_department_id(req)
        crews = self.by_department.get(department_id, [])
        if not crews:
            return None
        if req.latitude is not None and req.longitude is not None:
            index, zoned = self._index(department_id)
            if len(index):
                district_id = index.locate(req.longitude, req.latitude)
                if district_id is not None:
                    return zoned[district_id][0]
        load = self.open_load()
        return min(crews, key=lambda c: (load.get(c.id, 0), c.name))


def suggest_crew(session: Session, req: ServiceRequest) -> Crew | None:
    """The crew to preselect for one request (see CrewSuggester)."""
    return CrewSuggester(session).suggest(req)


# ---------------------------------------------------------------------------------------------------
# Looking at one request
# ---------------------------------------------------------------------------------------------------


def can_view_request(session: Session, user: User, req: ServiceRequest) -> bool:
    """Whether the user may open the request's staff page (the rule lives in fieldops/access/policies.py)."""
    return policies.can_view_request(user, req)


def get_request_for_user(session: Session, user: User, request_id: int) -> ServiceRequest:
    """Load a request the user may see, or raise NotFound (also for one they may not see: ids are not probed)."""
    req = session.get(
        ServiceRequest,
        request_id,
        options=[joinedload(ServiceRequest.service_type).joinedload(ServiceType.department), selectinload(ServiceRequest.work_orders)],
    )
    if req is None or not policies.can_view_request(user, req):
        raise NotFound(_("There is no request %(id)s.", id=request_id))
    return req


def find_by_tracking_number(session: Session, tracking_number: str) -> ServiceRequest:
    """A request by its tracking number (as a person types it), or NotFound."""
    wanted = normalise_tracking_number(tracking_number)
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == wanted))
    if req is None:
        raise NotFound(_("No request has the tracking number %(number)s.", number=repr(wanted or tracking_number)))
    return req


def duplicates_of(session: Session, req: ServiceRequest) -> list[ServiceRequest]:
    """Requests merged into this one, oldest first."""
    return list(session.scalars(sa.select(ServiceRequest).where(ServiceRequest.duplicate_of_id == req.id).order_by(ServiceRequest.created_at)))


def follow_ons(session: Session, req: ServiceRequest) -> list[ServiceRequest]:
    """Follow-on requests opened from this one (e.g. after a follow-up visit found it unresolved)."""
    return list(session.scalars(sa.select(ServiceRequest).where(ServiceRequest.parent_id == req.id).order_by(ServiceRequest.created_at)))


def follow_on_reason(session: Session, req: ServiceRequest) -> str | None:
    """For a request a follow-up visit opened, why (in the reader's language); None for any other request."""
    visit = visits.follow_on_origin(session, req)
    return visits.follow_on_reason(visit) if visit is not None and visit.resolved is not None else None


def request_photos(session: Session, user: User, req: ServiceRequest) -> list[Photo]:
    """Photos of the request, its jobs and the duplicates merged into it, that the user may open."""
    ids = [req.id] + [d.id for d in duplicates_of(session, req)]
    photos = list(session.scalars(sa.select(Photo).where(Photo.request_id.in_(ids)).options(joinedload(Photo.work_order)).order_by(Photo.created_at, Photo.id)))
    return [p for p in photos if policies.can_view_photo(user, p)]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def duplicate_candidates(session: Session, req: ServiceRequest, *, limit: int = 10) -> list[tuple[ServiceRequest, float]]:
    """Other unmerged requests of the same type within the type's duplicate radius and window, nearest first."""
    st = req.service_type
    if req.latitude is None or req.longitude is None:
        return []
    radius = max(st.duplicate_radius_m, 1)
    window = dt.timedelta(hours=max(st.duplicate_window_hours, 1))
    dlat = radius / 111_000
    dlon = radius / (111_000 * max(math.cos(math.radians(req.latitude)), 0.01))
    stmt = sa.select(ServiceRequest).where(
        ServiceRequest.id != req.id,
        ServiceRequest.service_type_id == req.service_type_id,
        ServiceRequest.duplicate_of_id.is_(None),
        ServiceRequest.latitude.between(req.latitude - dlat, req.latitude + dlat),
        ServiceRequest.longitude.between(req.longitude - dlon, req.longitude + dlon),
        ServiceRequest.created_at.between(req.created_at - window, req.created_at + window),
    )
    found = []
    for other in session.scalars(stmt):
        assert other.latitude is not None and other.longitude is not None
        d = distance_m(req.latitude, req.longitude, other.latitude, other.longitude)
        if d <= radius:
            found.append((other, d))
    found.sort(key=lambda pair: (pair[1], pair[0].created_at))
    return found[:limit]


# ---------------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------------


def _check_assignable(req: ServiceRequest) -> None:
    if req.duplicate_of_id is not None:
        raise DomainError(_("%(number)s was merged into another request; work on that one.", number=req.tracking_number))
    if req.status != RequestStatus.OPEN:
        raise DomainError(_("%(number)s is closed; there is nothing to assign.", number=req.tracking_number))


def assign_request(
    session: Session,
    actor: User,
    req: ServiceRequest,
    *,
    crew: Crew | None,
    assignee: User | None = None,
    priority: int = Priority.NORMAL,
    instructions: str = "",
) -> WorkOrder:
    """Turn a request into a work order for a crew (and optionally one of its members), with a priority."""
    _require_supervisor(actor)
    _check_assignable(req)
    if priority not in set(Priority):
        raise DomainError(_("Priority is 1 (emergency), 2 (high), 3 (normal) or 4 (low)."))
    if crew is None and assignee is None:
        raise DomainError(_("Choose the crew that will do the work."))
    crew = workorders.check_crew_and_assignee(req, crew, assignee)
    busy = next((wo for wo in req.work_orders if wo.status.is_open), None)
    if busy is not None:
        raise Conflict(
            _("%(number)s already has open work order #%(id)s; reassign that one instead.", number=req.tracking_number, id=busy.id)
        )
    wo = workorders.create_work_order(
        session, actor, req, crew_id=crew.id if crew else None, assignee=assignee, priority=int(priority), instructions=instructions.strip()
    )
    return wo


def _cancel(session: Session, actor: User, wo: WorkOrder, reason: str, params: dict[str, str], now: dt.datetime) -> None:
    # Not through change_status: closing the request when its last job ends is for completions, not
    # for a hand-over or a merge.
    previous = wo.status
    wo.status = WorkOrderStatus.CANCELLED
    wo.updated_at = now
    activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=actor,
        verb=Verb.STATUS_CANCELLED,
        params={"from_status": previous.label, "to_status": WorkOrderStatus.CANCELLED.label, **params},
        detail={"from": previous.value, "to": WorkOrderStatus.CANCELLED.value, "reason": reason},
        at=now,
    )


def merge_requests(session: Session, actor: User, duplicate: ServiceRequest, survivor: ServiceRequest, *, now: dt.datetime | None = None) -> ServiceRequest:
    """Merge `duplicate` into `survivor`: the duplicate closes as 'Duplicate of …', its photos show on the survivor."""
    _require_supervisor(actor)
    now = now or utcnow()
    if duplicate.id == survivor.id:
        raise DomainError(_("A request cannot be merged into itself; choose the other request to keep."))
    if survivor.duplicate_of_id is not None:
        assert survivor.duplicate_of is not None
        raise DomainError(
            _(
                "%(number)s was itself merged into %(other)s; merge into that one instead.",
                number=survivor.tracking_number,
                other=survivor.duplicate_of.tracking_number,
            )
        )
    if duplicate.duplicate_of_id is not None:
        raise Conflict(_("%(number)s is already merged into another request.", number=duplicate.tracking_number))
    if duplicate.status != RequestStatus.OPEN:
        raise DomainError(_("%(number)s is already closed; only open requests can be merged away.", number=duplicate.tracking_number))
    reason = f"Duplicate of {survivor.tracking_number}"
    for wo in duplicate.work_orders:
        if wo.status.is_open:
            _cancel(session, actor, wo, f"request merged into {survivor.tracking_number}", {"survivor": survivor.tracking_number}, now)
    close_as_duplicate(
        session,
        actor,
        duplicate,
        survivor,
        at=now,
        reason=reason,
        reason_params={"survivor": survivor.tracking_number},
        survivor_params={"duplicate": duplicate.tracking_number},
    )
    session.flush()
    return survivor


def _job_department_id(wo: WorkOrder, fallback: int) -> int:
    if wo.crew is not None:
        return wo.crew.department_id
    if wo.assignee is not None and wo.assignee.crew is not None:
        return wo.assignee.crew.department_id
    return fallback


def transfer_plan(session: Session, req: ServiceRequest, department: Department, service_type: ServiceType | None, now: dt.datetime) -> ClockPlan:
    """What a transfer would do to the SLA clock (shown on the form before it is confirmed)."""
    return plan_transfer(session, req, service_type or req.service_type, now)


def transfer_request(
    session: Session,
    actor: User,
    req: ServiceRequest,
    *,
    department: Department,
    service_type: ServiceType | None = None,
    reason: str,
    now: dt.datetime | None = None,
) -> ClockPlan:
    """Hand a request to another department (optionally as another type), keeping the reason; applies the clock rule."""
    _require_supervisor(actor)
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the request is being transferred; the reason is kept in its history."))
    _check_assignable(req)
    if service_type is not None and service_type.department_id != department.id:
        raise DomainError(
            _(
                "%(type)s is handled by %(owner)s; choose one of %(department)s's types, or none.",
                type=_(service_type.name),
                owner=_(service_type.department.name),
                department=_(department.name),
            )
        )
    new_type = service_type or req.service_type
    old_department_id = request_department_id(req)
    if department.id == old_department_id and new_type.id == req.service_type_id:
        raise DomainError(_("%(number)s is already with %(department)s.", number=req.tracking_number, department=_(department.name)))
    old_department = session.get(Department, old_department_id)
    old_type = req.service_type
    plan = plan_transfer(session, req, new_type, now)
    cancelled = []
    for wo in req.work_orders:
        if not wo.status.is_open:
            continue
        if _job_department_id(wo, old_department_id) != department.id:
            _cancel(session, actor, wo, f"transferred to {department.name}: {reason}", {"department": department.name, "reason": reason}, now)
            cancelled.append(wo.id)
        else:
            wo.due_at = plan.due_at
    req.department_id = department.id
    req.service_type = new_type
    req.sla_started_at = plan.started_at
    req.due_at = plan.due_at
    req.updated_at = now
    due_local = local_text(plan.due_at)
    clock = "the SLA clock continues" if plan.rule.value == "continue" else "the SLA clock restarts"
    activity.record(
        session,
        request_id=req.id,
        actor=actor,
        verb=Verb.REQUEST_TRANSFERRED,
        params={
            "from_department": old_department.name if old_department else "—",
            "department": department.name,
            **({} if new_type.id == old_type.id else {"service": new_type.name}),
            "reason": reason,
            "clock": clock,
            "due": due_local,
        },
        detail={
            "from_department_id": old_department_id,
            "to_department_id": department.id,
            "from_service_type_id": old_type.id,
            "to_service_type_id": new_type.id,
            "reason": reason,
            "clock": plan.rule.value,
            "sla_started_at": plan.started_at.isoformat(),
            "due_at": plan.due_at.isoformat(),
            "cancelled_work_orders": cancelled,
        },
        at=now,
    )
    session.flush()
    return plan


def departments(session: Session) -> list[Department]:
    """Every department, by name, with its service types."""
    return list(session.scalars(sa.select(Department).options(selectinload(Department.service_types)).order_by(Department.name)))


def transfer_types(department: Department) -> list[ServiceType]:
    """A department's active service types, for the Transfer menu, in the reader's language's alphabetical order."""
    return by_type_name(st for st in department.service_types if st.active)


def triage_options(session: Session) -> dict[str, Iterable[object]]:
    """Choices for the queue's filters: types, departments, wards/districts, channels."""
    # Wards when the city has them (crew zones and precincts would only repeat them), else every district.
    districts = list(session.scalars(sa.select(District).where(District.kind == "ward"))) or list(session.scalars(sa.select(District)))
    by_name = sorted(districts, key=lambda d: _natural(d.name))
    return {
        # In the reader's language's alphabetical order, not the English one.
        "service_types": by_type_name(session.scalars(sa.select(ServiceType))),
        "departments": list(session.scalars(sa.select(Department).order_by(Department.name))),
        "districts": by_name,
        "channels": list(Channel),
    }


def _natural(text: str) -> tuple[object, ...]:
    # "Ward 2" before "Ward 10".
    import re

    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))
