"""Follow-up visit rates for the performance view: per service type, department or district, over a date range.

A visit counts in the range when it was completed (done) in [start, end). "Reached" visits are those where the
resident answered; the resolution-confirmed rate is resolved == yes over reached visits (every reached visit has
an answer), and the satisfaction average is over the reached visits whose resident gave a score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.catalog.models import Department, ServiceType
from fieldops.districts.models import District
from fieldops.servicerequests.models import ServiceRequest
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus

GroupBy = Literal["service_type", "department", "district"]
GROUPS: tuple[GroupBy, ...] = ("service_type", "department", "district")


@dataclass(frozen=True)
class VisitRates:
    """One row of the rates table."""

    group: GroupBy
    key: int | None  # the service type, department or district id (None: requests outside every district)
    label: str
    visits_done: int
    reached: int
    left_card: int
    resolved_yes: int
    resolved_partly: int
    resolved_no: int
    satisfaction_answers: int
    satisfaction_sum: int

    @property
    def reach_rate(self) -> float | None:
        """Share of done visits where the resident was reached."""
        return self.reached / self.visits_done if self.visits_done else None

    @property
    def resolution_confirmed_rate(self) -> float | None:
        """Share of reached residents who said the problem is fixed (yes)."""
        return self.resolved_yes / self.reached if self.reached else None

    @property
    def satisfaction_average(self) -> float | None:
        """Mean satisfaction (1-5) over the residents who gave a score."""
        return self.satisfaction_sum / self.satisfaction_answers if self.satisfaction_answers else None


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def visit_rates(session: Session, *, start: dt.datetime, end: dt.datetime, by: GroupBy) -> list[VisitRates]:
    """Done visits, reached, satisfaction and resolution-confirmed counts per group for visits completed in [start, end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    v, r = FollowUpVisit, ServiceRequest
    stmt = sa.select().select_from(v).join(r, r.id == v.request_id)
    if by == "service_type":
        stmt = stmt.join(ServiceType, ServiceType.id == r.service_type_id)
        key, label = ServiceType.id, ServiceType.name
    elif by == "department":
        # The department answerable for the request (transfers included), else its service type's.
        stmt = stmt.join(ServiceType, ServiceType.id == r.service_type_id).join(
            Department, Department.id == sa.func.coalesce(r.department_id, ServiceType.department_id)
        )
        key, label = Department.id, Department.name
    elif by == "district":
        stmt = stmt.outerjoin(District, District.id == r.district_id)
        key, label = District.id, District.name
    else:
        raise ValueError(f"unknown grouping {by!r}")
    stmt = (
        stmt.add_columns(
            key,
            label,
            sa.func.count(v.id),
            _count_if(v.outcome == VisitOutcome.REACHED),
            _count_if(v.outcome == VisitOutcome.LEFT_CARD),
            _count_if(v.resolved == Resolution.YES),
            _count_if(v.resolved == Resolution.PARTLY),
            _count_if(v.resolved == Resolution.NO),
            sa.func.count(v.satisfaction),
            sa.func.coalesce(sa.func.sum(v.satisfaction), 0),
        )
        .where(v.status == VisitStatus.DONE, v.completed_at >= start, v.completed_at < end)
        .group_by(key, label)
        .order_by(label)
    )
    return [
        VisitRates(
            group=by,
            key=row[0],
            label=row[1] if row[1] is not None else "No district",
            visits_done=int(row[2]),
            reached=int(row[3]),
            left_card=int(row[4]),
            resolved_yes=int(row[5]),
            resolved_partly=int(row[6]),
            resolved_no=int(row[7]),
            satisfaction_answers=int(row[8]),
            satisfaction_sum=int(row[9]),
        )
        for row in session.execute(stmt)
    ]


def all_visit_rates(session: Session, *, start: dt.datetime, end: dt.datetime) -> dict[GroupBy, list[VisitRates]]:
    """The three tables at once: by service type, by department, by district."""
    return {by: visit_rates(session, start=start, end=end, by=by) for by in GROUPS}


def total(rows: list[VisitRates]) -> VisitRates | None:
    """The rows added up (a table's last line); None for an empty table."""
    if not rows:
        return None
    return VisitRates(
        group=rows[0].group,
        key=None,
        label="All",
        visits_done=sum(x.visits_done for x in rows),
        reached=sum(x.reached for x in rows),
        left_card=sum(x.left_card for x in rows),
        resolved_yes=sum(x.resolved_yes for x in rows),
        resolved_partly=sum(x.resolved_partly for x in rows),
        resolved_no=sum(x.resolved_no for x in rows),
        satisfaction_answers=sum(x.satisfaction_answers for x in rows),
        satisfaction_sum=sum(x.satisfaction_sum for x in rows),
    )
