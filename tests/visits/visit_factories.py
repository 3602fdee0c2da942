"""Builders for follow-up visit tests: a completed job whose service type asks for a visit, and visits by hand."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from factories import UNION_SQUARE, City, make_job
from fieldops.accounts.models import User
from fieldops.catalog.models import FollowUpPolicy, ServiceType
from fieldops.db import utcnow
from fieldops.visits import services as visits
from fieldops.visits.models import FollowUpVisit
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrder, WorkOrderStatus

S = WorkOrderStatus


def set_policy(st: ServiceType, policy: FollowUpPolicy, *, percent: int = 0, delay_hours: int = 48) -> None:
    """Give a service type a follow-up policy."""
    st.followup_policy, st.followup_sample_percent, st.followup_delay_hours = policy, percent, delay_hours


def complete_job(session: Session, city: City, wo: WorkOrder, *, at: dt.datetime | None = None) -> WorkOrder:
    """Walk a job through the crew's statuses to completed (street lights need no photo)."""
    crew = wo.assignee or city.alice
    for to in (S.EN_ROUTE, S.ON_SITE):
        workorders.change_status(session, crew, wo, to, expected_version=wo.version, now=at)
    return workorders.change_status(session, crew, wo, S.COMPLETED, expected_version=wo.version, resolution="Replaced the lamp", now=at)


def make_due_visit(
    session: Session,
    city: City,
    *,
    at: tuple[float, float] = UNION_SQUARE,
    address: str = "1 Union Sq, Somerville",
    assignee: User | None = None,
    closed_at: dt.datetime | None = None,
    description: str = "Street light out for a week",
) -> FollowUpVisit:
    """A street-light request completed 3 days ago (or at `closed_at`) whose policy visit is due now."""
    set_policy(city.streetlight, FollowUpPolicy.ALWAYS, delay_hours=48)
    closed_at = closed_at or utcnow() - dt.timedelta(days=3)
    wo = make_job(session, city, service_type=city.streetlight, at=at, address=address, created_at=closed_at - dt.timedelta(days=1), description=description)
    complete_job(session, city, wo, at=closed_at)
    visit = visits.visits_for_request(session, wo.request)[0]
    if assignee is not None:
        visits.assign_visit(session, city.sam, visit, assignee)
    return visit
