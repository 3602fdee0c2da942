"""Who may see and do what, one function per object kind and action: the only place these rules live.

Every view, service, sync handler, offline JSON and htmx fragment asks here instead of testing roles itself, so a
rule changes in one place and tests/security/test_access_matrix.py checks it on every route.

Roles: crew, outreach, supervisor, admin (admins pass every supervisor rule, see User.has_role).

Refusals, the same everywhere:
- a page or action a whole role may not use (an admin page for a crew member) answers 403: the page's existence
  is no secret (it is in the README), so saying "not for you" is honest and helps;
- an object the user may not see (another crew's job, another worker's visit, a request without a job of yours)
  answers 404 exactly like an id that does not exist, so ids cannot be probed for what exists or whose it is;
- sync replays (/api/sync/actions) answer 403 for an object that stopped being the user's (reassigned while the
  tablet was offline): the tablet had the object, so nothing is revealed, and the outbox shows the item as
  needing attention instead of as vanished.

Query forms of the same rules (for lists) sit next to the object forms (`*_clause`), so the two cannot drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from fieldops.accounts.models import Role, User
from fieldops.servicerequests.models import ServiceRequest
from fieldops.visits.models import FollowUpVisit, VisitStatus
from fieldops.workorders.models import WorkOrder

if TYPE_CHECKING:
    from fieldops.photos.models import Photo


def is_supervisor(user: User) -> bool:
    """Supervisors and admins: dispatch, standards, exports, every record."""
    return user.has_role(Role.SUPERVISOR)


def is_admin(user: User) -> bool:
    """Administrators only: API keys."""
    return user.role == Role.ADMIN


# --- work orders ------------------------------------------------------------------------------------------------


def can_view_work_order(user: User, wo: WorkOrder) -> bool:
    """Crews see their own and their crew's jobs; supervisors and admins see all; outreach staff none."""
    if is_supervisor(user):
        return True
    if user.role == Role.CREW:
        return wo.assignee_id == user.id or (wo.crew_id is not None and wo.crew_id == user.crew_id)
    return False


def can_edit_work_order(user: User, wo: WorkOrder) -> bool:
    """Status changes, notes and photos: whoever may see the job (crew members and supervisors)."""
    return can_view_work_order(user, wo)


def work_order_is_on_users_list(user: User, wo: WorkOrder) -> bool:
    """On the user's list now (the rule of "my work": their own job, or their crew's job nobody holds); supervisors
    act on any job. A sync replay on a job that stopped being on the list is a conflict (reassigned meanwhile)."""
    if is_supervisor(user):
        return True
    if wo.assignee_id is not None:
        return wo.assignee_id == user.id
    return wo.crew_id is not None and wo.crew_id == user.crew_id


def can_reassign_work_order(user: User, wo: WorkOrder) -> bool:
    """Only supervisors move jobs between crews and people."""
    return is_supervisor(user)


def work_order_visible_clause(user: User) -> sa.ColumnElement[bool]:
    """can_view_work_order as a WHERE clause on WorkOrder."""
    if is_supervisor(user):
        return sa.true()
    if user.role != Role.CREW:
        return sa.false()
    mine = WorkOrder.assignee_id == user.id
    if user.crew_id is not None:
        mine = sa.or_(mine, WorkOrder.crew_id == user.crew_id)
    return mine


# --- requests ---------------------------------------------------------------------------------------------------


def can_view_request(user: User, req: ServiceRequest) -> bool:
    """The staff request page, address and the resident's words: supervisors, and crews holding a job on it."""
    if is_supervisor(user):
        return True
    return user.role == Role.CREW and any(can_view_work_order(user, wo) for wo in req.work_orders)


def request_visible_clause(user: User) -> sa.ColumnElement[bool]:
    """can_view_request as a WHERE clause (or a selected boolean) on ServiceRequest."""
    if is_supervisor(user):
        return sa.true()
    if user.role != Role.CREW:
        return sa.false()
    return sa.exists().where(WorkOrder.request_id == ServiceRequest.id, work_order_visible_clause(user))


def can_view_request_contact(user: User, req: ServiceRequest) -> bool:
    """The resident's name, phone and email: supervisors only (crews work from the address and the description)."""
    return is_supervisor(user)


def can_log_request(user: User) -> bool:
    """Logging a new request (intake, online or from the outbox): crews, outreach staff and supervisors."""
    return user.has_role(Role.CREW, Role.OUTREACH, Role.SUPERVISOR)


def can_dispatch(user: User) -> bool:
    """Triage, assign, merge, transfer, add visits by hand: supervisors."""
    return is_supervisor(user)


# --- follow-up visits -------------------------------------------------------------------------------------------


def is_visitor(user: User) -> bool:
    """Outreach staff and supervisors make follow-up visits."""
    return user.has_role(Role.OUTREACH, Role.SUPERVISOR)


def can_view_visit(user: User, visit: FollowUpVisit) -> bool:
    """Supervisors see every visit; outreach staff their own, and pending ones nobody has taken yet."""
    if is_supervisor(user):
        return True
    if user.role != Role.OUTREACH:
        return False
    if visit.assigned_to_id == user.id:
        return True
    return visit.assigned_to_id is None and visit.status == VisitStatus.PENDING


def can_view_visit_contact(user: User, visit: FollowUpVisit) -> bool:
    """The resident's name and phone on a visit: its visitor while it is pending; afterwards supervisors only."""
    if is_supervisor(user):
        return True
    return user.role == Role.OUTREACH and visit.status == VisitStatus.PENDING and visit.assigned_to_id == user.id


def can_record_visit(user: User, visit: FollowUpVisit) -> bool:
    """Answering at the door: supervisors, the visit's assignee, or any outreach worker when nobody is assigned."""
    if is_supervisor(user):
        return True
    return user.role == Role.OUTREACH and visit.assigned_to_id in (None, user.id)


def can_manage_visits(user: User) -> bool:
    """Adding, assigning and cancelling visits, and listing everyone's: supervisors."""
    return is_supervisor(user)


# --- photos, events, sync ---------------------------------------------------------------------------------------


def can_view_photo(user: User, photo: Photo) -> bool:
    """Supervisors see every photo; crews the photos of jobs they may see."""
    if is_supervisor(user):
        return True
    return photo.work_order is not None and can_view_work_order(user, photo.work_order)


def can_manage_events(user: User) -> bool:
    """Creating outreach events: outreach staff and supervisors."""
    return user.has_role(Role.OUTREACH, Role.SUPERVISOR)


def can_count_residents(user: User) -> bool:
    """Counting residents met at an event: anyone who staffs events (crews help at some)."""
    return user.has_role(Role.OUTREACH, Role.SUPERVISOR, Role.CREW)


def can_resolve_conflicts(user: User) -> bool:
    """Sync conflicts are judged by supervisors."""
    return is_supervisor(user)
