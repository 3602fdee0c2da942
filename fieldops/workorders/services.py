"""The work order life cycle: who may see it, and which status changes are allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from flask_babel import gettext as _

from fieldops.access import policies
from fieldops.activity.verbs import Verb
from fieldops.accounts.models import Crew, Role, User
from fieldops.activity import services as activity
from fieldops.db import utcnow
from fieldops.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound
from fieldops.offline.services import OfflinePart
from fieldops import signals
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.workorders.models import CLOSED_STATUSES, WorkOrder, WorkOrderStatus

S = WorkOrderStatus

# What a crew member may move a job to from each status. Supervisors may also cancel.
CREW_TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    S.NEW: frozenset(),
    S.ASSIGNED: frozenset({S.EN_ROUTE, S.ON_SITE, S.UNABLE}),
    S.EN_ROUTE: frozenset({S.ON_SITE, S.UNABLE}),
    S.ON_SITE: frozenset({S.COMPLETED, S.UNABLE}),
    S.COMPLETED: frozenset(),
    S.UNABLE: frozenset(),
    S.CANCELLED: frozenset(),
}


# The same table read backwards: from which statuses each target can be reached (the page uses it offline).
TRANSITIONS_TO: dict[WorkOrderStatus, list[WorkOrderStatus]] = {
    to: [frm for frm in S if to in CREW_TRANSITIONS[frm]] for to in S
}


def can_view(user: User, wo: WorkOrder) -> bool:
    """Whether the user may see the job (the rule lives in fieldops/access/policies.py)."""
    return policies.can_view_work_order(user, wo)


def get_for_user(session: Session, user: User, work_order_id: int) -> WorkOrder:
    """Load a work order the user may see, or raise NotFound (also for someone else's: ids are not probed)."""
    wo = session.get(
        WorkOrder,
        work_order_id,
        options=[joinedload(WorkOrder.request).joinedload(ServiceRequest.service_type)],
    )
    if wo is None or not policies.can_view_work_order(user, wo):
        raise NotFound(_("There is no work order %(id)s.", id=work_order_id))
    return wo


def my_work(session: Session, user: User, statuses: Sequence[WorkOrderStatus] | None = None) -> list[WorkOrder]:
    """The user's work orders (assigned to them or their crew), soonest due first, undated last."""
    wanted = list(statuses) if statuses else [s for s in S if s.is_open]
    owner = WorkOrder.assignee_id == user.id
    if user.crew_id is not None:
        owner = sa.or_(owner, sa.and_(WorkOrder.crew_id == user.crew_id, WorkOrder.assignee_id.is_(None)))
    stmt = (
        sa.select(WorkOrder)
        .where(owner, WorkOrder.status.in_(wanted))
        .options(joinedload(WorkOrder.request).joinedload(ServiceRequest.service_type))
        .order_by(WorkOrder.due_at.is_(None), WorkOrder.due_at, WorkOrder.priority, WorkOrder.id)
    )
    return list(session.scalars(stmt).unique())


def allowed_next(user: User, wo: WorkOrder) -> list[WorkOrderStatus]:
    """Statuses the user may move this work order to now, in display order."""
    nxt = set(CREW_TRANSITIONS[wo.status]) if can_view(user, wo) else set()
    if user.has_role(Role.SUPERVISOR) and wo.status.is_open:
        nxt.add(S.CANCELLED)
    return [s for s in S if s in nxt]


def crew_actions(user: User, wo: WorkOrder) -> list[WorkOrderStatus]:
    """Every crew action that can still apply to this open job (the page shows the ones valid now)."""
    if not wo.status.is_open or not can_view(user, wo) or user.role not in (Role.CREW, Role.SUPERVISOR, Role.ADMIN):
        return []
    return [S.EN_ROUTE, S.ON_SITE, S.COMPLETED, S.UNABLE]


def change_status(
    session: Session,
    user: User,
    wo: WorkOrder,
    to: WorkOrderStatus,
    *,
    expected_version: int | None,
    resolution: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
    source_key: str | None = None,
) -> WorkOrder:
    """Move a work order to a new status, enforcing the life cycle, evidence rules and the client's version."""
    now = now or utcnow()
    if not policies.can_edit_work_order(user, wo):
        raise Forbidden(_("This work order is not assigned to you or your crew."))
    if expected_version is not None and expected_version != wo.version:
        raise Conflict(
            _(
                "This work order changed since you opened it (it is now %(status)s). "
                "Reload it to see the latest before changing it.",
                status=_(wo.status.label).lower(),
            )
        )
    if to not in allowed_next(user, wo):
        raise InvalidTransition(
            _(
                "A work order that is %(status)s cannot be set to %(to)s.",
                status=_(wo.status.label).lower(),
                to=_(to.label).lower(),
            )
        )
    resolution, reason = resolution.strip(), reason.strip()
    if to == S.COMPLETED:
        if not resolution:
            raise DomainError(_("Say how the job was resolved before completing it."))
        missing = missing_photo_kinds(session, wo)
        if missing:
            wanted = [_("an “%(kind)s” photo", kind=_(k.value)) for k in missing]
            kinds = wanted[0] if len(wanted) == 1 else _("%(first)s and %(second)s", first=wanted[0], second=wanted[1])
            raise DomainError(
                _("%(type)s jobs need %(photos)s before they can be completed.", type=_(wo.request.service_type.name), photos=kinds)
            )
        wo.resolution = resolution
        wo.completed_at = now
    elif to == S.UNABLE:
        if not reason:
            raise DomainError(_("Give the reason the job could not be completed."))
        wo.unable_reason = reason
    previous = wo.status
    wo.status = to
    wo.updated_at = now
    _close_request_if_done(session, wo.request, now)
    params = {"from_status": previous.label, "to_status": to.label}
    if to == S.COMPLETED:
        params["resolution"] = resolution
    elif to == S.UNABLE:
        params["reason"] = reason
    activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=user,
        verb=Verb(f"status:{to.value}"),
        params=params,
        detail={"from": previous.value, "to": to.value},
        source_key=source_key,
    )
    session.flush()
    return wo


def required_photo_kinds(wo: WorkOrder) -> list[PhotoKind]:
    """Photo kinds the job's service type requires before completion."""
    st = wo.request.service_type
    return [k for k, need in ((PhotoKind.BEFORE, st.requires_before_photo), (PhotoKind.AFTER, st.requires_after_photo)) if need]


def missing_photo_kinds(session: Session, wo: WorkOrder) -> list[PhotoKind]:
    """Photo kinds the service type requires that this work order does not have yet."""
    required = required_photo_kinds(wo)
    if not required:
        return []
    have = set(session.scalars(sa.select(Photo.kind).where(Photo.work_order_id == wo.id).distinct()))
    return [k for k in required if k not in have]


def _close_request_if_done(session: Session, req: ServiceRequest, now: dt.datetime) -> None:
    # The resident's request closes when its last open job is completed; "unable" sends it back to triage.
    jobs = req.work_orders
    if jobs and all(j.status in CLOSED_STATUSES for j in jobs) and any(j.status == S.COMPLETED for j in jobs):
        if req.status != RequestStatus.CLOSED:
            req.status = RequestStatus.CLOSED
            req.closed_at = now
            # Features that react to finished work (visits plans the follow-up visit) do so in this transaction.
            signals.send(signals.request_closed, session=session, request=req, at=now)


def create_work_order(
    session: Session,
    actor: User | None,
    req: ServiceRequest,
    *,
    crew_id: int | None = None,
    assignee: User | None = None,
    priority: int = 3,
    due_at: dt.datetime | None = None,
    instructions: str = "",
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Open a job for a request, assigned when a crew or person is given; due time defaults to the request's.

    `at` dates the history entry (imports and the demo replay the past); the default is now.
    """
    status = S.ASSIGNED if (crew_id or assignee) else S.NEW
    wo = WorkOrder(
        request=req,
        crew_id=crew_id if crew_id is not None else (assignee.crew_id if assignee else None),
        assignee=assignee,
        priority=priority,
        status=status,
        due_at=due_at or req.due_at,
        instructions=instructions,
    )
    session.add(wo)
    session.flush()
    who = assignee.full_name if assignee else (wo.crew.name if wo.crew else None)
    activity.record(
        session,
        request_id=req.id,
        work_order_id=wo.id,
        actor=actor,
        verb=Verb.WORKORDER_CREATED,
        params={"work_order": wo.id, **({"holder": who} if who else {})},
        detail={"crew_id": wo.crew_id, "assignee_id": assignee.id if assignee else None},
        at=at,
    )
    return wo


def all_work(session: Session, statuses: Sequence[WorkOrderStatus] | None = None) -> list[WorkOrder]:
    """Every work order in the given statuses, soonest due first (supervisors' overview)."""
    wanted = list(statuses) if statuses else [s for s in S if s.is_open]
    stmt = (
        sa.select(WorkOrder)
        .where(WorkOrder.status.in_(wanted))
        .options(joinedload(WorkOrder.request).joinedload(ServiceRequest.service_type), joinedload(WorkOrder.crew))
        .order_by(WorkOrder.due_at.is_(None), WorkOrder.due_at, WorkOrder.priority, WorkOrder.id)
    )
    return list(session.scalars(stmt).unique())


def check_crew_and_assignee(req: ServiceRequest, crew: Crew | None, assignee: User | None) -> Crew | None:
    """The crew that will hold the job: the one given, or the assignee's; refused unless both are active, agree,
    and work for the department answerable for the request now (after any transfer)."""
    if assignee is not None:
        if assignee.role != Role.CREW or not assignee.active:
            raise DomainError(_("%(name)s is not an active crew member.", name=assignee.full_name))
        if crew is None:
            crew = assignee.crew
        elif assignee.crew_id != crew.id:
            raise DomainError(
                _("%(name)s is not in %(crew)s; choose one of its members or the whole crew.", name=assignee.full_name, crew=crew.name)
            )
    if crew is not None:
        if not crew.active:
            raise DomainError(_("%(crew)s is no longer active.", crew=crew.name))
        department_id = req.department_id if req.department_id is not None else req.service_type.department_id
        if crew.department_id != department_id:
            raise DomainError(
                _(
                    "%(crew)s works for %(department)s, not for the department answerable for this request; "
                    "transfer the request first.",
                    crew=crew.name,
                    department=_(crew.department.name),
                )
            )
    return crew


def reassign(
    session: Session,
    actor: User,
    wo: WorkOrder,
    crew: Crew | None,
    assignee: User | None,
    *,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Give an open job to another crew and/or person (supervisors); the previous holder's offline changes become conflicts."""
    now = now or utcnow()
    if not policies.can_reassign_work_order(actor, wo):
        raise Forbidden(_("Only supervisors may reassign work orders."))
    if not wo.status.is_open:
        raise InvalidTransition(
            _("Work order #%(id)s is %(status)s; only open jobs can be reassigned.", id=wo.id, status=_(wo.status.label).lower())
        )
    crew = check_crew_and_assignee(wo.request, crew, assignee)
    new_crew_id = crew.id if crew is not None else None
    new_assignee_id = assignee.id if assignee is not None else None
    before = _holder(wo)
    if (new_crew_id, new_assignee_id) == (wo.crew_id, wo.assignee_id):
        raise DomainError(_("Work order #%(id)s is already assigned to %(holder)s.", id=wo.id, holder=before))
    previous, from_crew_id, from_assignee_id = wo.status, wo.crew_id, wo.assignee_id
    wo.crew = crew
    wo.assignee = assignee
    # The new holder has not set out yet; an unassigned job waits as new.
    wo.status = S.NEW if crew is None and assignee is None else S.ASSIGNED
    wo.updated_at = now
    params = {"before": before, "after": _holder(wo)}
    if wo.status != previous:
        params |= {"from_status": previous.label, "to_status": wo.status.label}
    activity.record(
        session,
        request_id=wo.request_id,
        work_order_id=wo.id,
        actor=actor,
        verb=Verb.WORKORDER_REASSIGNED,
        params=params,
        # crew_id/assignee_id name the new holder: the sync conflict check reads them (workorders/sync.py _entitled).
        detail={
            "crew_id": new_crew_id,
            "assignee_id": new_assignee_id,
            "from_crew_id": from_crew_id,
            "from_assignee_id": from_assignee_id,
            "from": previous.value,
            "to": wo.status.value,
        },
        at=now,
    )
    session.flush()
    return wo


def _holder(wo: WorkOrder) -> str:
    if wo.assignee is not None:
        return wo.assignee.full_name + (f" ({wo.crew.name})" if wo.crew is not None else "")
    return wo.crew.name if wo.crew is not None else "nobody"


def offline_part(session: Session, user: User, *, max_jobs: int = 200) -> OfflinePart:
    """A crew's day offline: My work, each open job's page and its photos; a supervisor's starts at the overview."""
    home, data = [], []
    jobs: list[WorkOrder] = []
    if user.role == Role.CREW:
        home, data = ["/my-work"], ["/api/my-work.json"]
        jobs = my_work(session, user)[:max_jobs]
    elif user.has_role(Role.SUPERVISOR):
        home = ["/work-orders"]
    if jobs:
        photo_ids = session.scalars(sa.select(Photo.id).where(Photo.work_order_id.in_([wo.id for wo in jobs])).order_by(Photo.created_at))
        data += [f"/photos/{pid}/thumb" for pid in photo_ids]
    return OfflinePart(home=home, pages=[f"/work-orders/{wo.id}" for wo in jobs], data=data)
