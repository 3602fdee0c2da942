"""Open requests follow the published standard: new due times after a service standard or calendar changes.

Rules:
- Which requests: still open (status open, not closed, not merged into another request) of the service types the
  change affects. A type's own standard affects its requests; a calendar affects the types counting business
  hours or days in it (the city default calendar: the types that name none). Wall-clock-hour types never use a
  calendar. Imported requests keep the target their source system gave them (or none): it is part of the record.
- From when: the request's SLA clock start (`sla_started_at`, its arrival or the moment of a transfer whose
  type restarts the clock; `created_at` for rows older than the clock start), with the same `compute_due` a new
  request gets. A transfer that continued the clock kept the original start, so it is counted from that.
- Work orders: an open work order whose due time is the request's (the default, and what a transfer sets)
  moves with it; one given a due time of its own keeps it. Moving one bumps its version, as any change does,
  so a tablet refreshes it (sync applies a stale version from such a change against the current one).
- History: one private "sla:recomputed" entry per request whose due time changed, with the old and new due time.
  It is not an Open311 public note (see PUBLIC_VERBS): the new due time is published as expected_datetime, and
  the request's updated time moves so change feeds pick it up, but a rule change made for thousands of requests
  at once is not a step of the work and would push the real last step out of status_notes.
- Bulk: requests are read, locked and written in batches with Core statements (executemany), never one query
  per row; service types and calendars are loaded once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from fieldops.accounts.models import Role, User
from fieldops.activity.models import Activity
from fieldops.activity.services import summary_fields
from fieldops.activity.verbs import Verb
from fieldops.catalog.models import BusinessCalendar, ServiceType, SlaUnit
from fieldops.catalog.texts import type_name
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.sla.calendar import CalendarError
from fieldops.sla.services import city_zone, default_calendar, due_rule, local_text
from fieldops.workorders.models import CLOSED_STATUSES, WorkOrder, WorkOrderStatus

VERB = Verb.SLA_RECOMPUTED.value
BATCH_SIZE = 1000

_SR = ServiceRequest.__table__
_WO = WorkOrder.__table__
_ACT = Activity.__table__


@dataclass(frozen=True)
class RecomputeResult:
    """What a recompute did: open requests looked at, those given a new due time, work orders moved with them."""

    service_type_ids: tuple[int, ...]
    examined: int = 0
    changed: int = 0
    work_orders: int = 0


def affected_service_types(
    session: Session, *, service_type_ids: Collection[int] | None = None, calendar_ids: Collection[int] | None = None
) -> list[ServiceType]:
    """The types whose due times a change of these types and/or calendars can move (all types when both are None)."""
    stmt = sa.select(ServiceType).options(selectinload(ServiceType.sla_calendar).selectinload(BusinessCalendar.holidays)).order_by(ServiceType.id)
    if service_type_ids is not None or calendar_ids is not None:
        wanted: list[sa.ColumnElement[bool]] = []
        if service_type_ids:
            wanted.append(ServiceType.id.in_(list(service_type_ids)))
        if calendar_ids:
            uses = [ServiceType.sla_calendar_id.in_(list(calendar_ids))]
            if default_calendar(session).id in calendar_ids:
                uses.append(ServiceType.sla_calendar_id.is_(None))
            wanted.append(sa.and_(ServiceType.sla_unit != SlaUnit.HOURS, sa.or_(*uses)))
        if not wanted:
            return []
        stmt = stmt.where(sa.or_(*wanted))
    return list(session.scalars(stmt))


def recompute_open_due_times(
    session: Session,
    actor: User | None = None,
    *,
    service_type_ids: Collection[int] | None = None,
    calendar_ids: Collection[int] | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> RecomputeResult:
    """Give the open requests of the affected types (see `affected_service_types`) the due time their standard gives now.

    `actor` None is the system (the console command); `reason` says in the history what changed. Runs in the
    caller's transaction and does not commit.
    """
    if actor is not None and not actor.has_role(Role.SUPERVISOR):
        raise Forbidden(_("Only supervisors and administrators may change due times by changing standards."))
    now = now or utcnow()
    session.flush()  # the change being applied (a new holiday, a new target) must be what compute_due reads
    types = {st.id: st for st in affected_service_types(session, service_type_ids=service_type_ids, calendar_ids=calendar_ids)}
    if not types:
        return RecomputeResult(service_type_ids=())
    try:
        # compute_due's own rule, with each type's target and calendar read once instead of once per request.
        rules = {st.id: due_rule(session, st) for st in types.values()}
    except CalendarError as exc:
        raise DomainError(_("Due times cannot be computed: %(reason)s", reason=str(exc))) from exc
    zone = city_zone()
    actor_id = actor.id if actor is not None else None
    why = reason.strip() or "service standard or calendar changed"
    examined = changed = moved = 0
    changed_ids: list[int] = []
    for batch in _batches(session, list(types), batch_size):
        rows, open_jobs = _lock(session, batch, list(types))
        examined += len(rows)
        request_updates: list[dict[str, Any]] = []
        job_updates: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for row in rows:
            st = types[row.service_type_id]
            start = row.sla_started_at or row.created_at
            try:
                due = rules[st.id](start)
            except CalendarError as exc:
                raise DomainError(_("%(type)s: cannot compute due times (%(reason)s); check its calendar's working days and holidays.", type=type_name(st), reason=str(exc))) from exc
            if due == row.due_at:
                continue
            jobs = [j for j in open_jobs.get(row.id, ()) if j.due_at == row.due_at]
            request_updates.append({"b_id": row.id, "b_due": due})
            job_updates.extend({"b_id": j.id, "b_due": due} for j in jobs)
            history.append(
                {
                    "request_id": row.id,
                    "work_order_id": None,
                    "actor_id": actor_id,
                    **summary_fields(
                        Verb.SLA_RECOMPUTED,
                        {
                            "old_due": local_text(row.due_at, zone) if row.due_at else "none",
                            "new_due": local_text(due, zone),
                            **({"reason": reason.strip()} if reason.strip() else {}),
                        },
                        {
                            "old_due_at": row.due_at.isoformat() if row.due_at else None,
                            "new_due_at": due.isoformat(),
                            "sla_started_at": start.isoformat(),
                            "service_type_id": st.id,
                            "reason": why,
                            "work_order_ids": [j.id for j in jobs],
                        },
                    ),
                    "source_key": None,
                    "created_at": now,
                }
            )
        if request_updates:
            session.execute(
                sa.update(_SR).where(_SR.c.id == sa.bindparam("b_id")).values(due_at=sa.bindparam("b_due"), updated_at=now),
                request_updates,
            )
            session.execute(sa.insert(_ACT), history)
            changed += len(request_updates)
            changed_ids.extend(u["b_id"] for u in request_updates)
        if job_updates:
            session.execute(
                sa.update(_WO).where(_WO.c.id == sa.bindparam("b_id")).values(due_at=sa.bindparam("b_due"), updated_at=now, version=_WO.c.version + 1),
                job_updates,
            )
            moved += len(job_updates)
    _expire_loaded(session, set(changed_ids))
    return RecomputeResult(service_type_ids=tuple(types), examined=examined, changed=changed, work_orders=moved)


def _open_requests(type_ids: list[int]) -> sa.ColumnElement[bool]:
    return sa.and_(
        _SR.c.service_type_id.in_(type_ids),
        _SR.c.status == RequestStatus.OPEN.value,
        _SR.c.closed_at.is_(None),
        _SR.c.duplicate_of_id.is_(None),
        _SR.c.channel != Channel.IMPORT.value,
    )


def _batches(session: Session, type_ids: list[int], size: int) -> Iterator[list[int]]:
    # Keyset pages by id: the table is written between pages, so no offsets and no open cursor.
    last = 0
    while True:
        ids = list(session.scalars(sa.select(_SR.c.id).where(_open_requests(type_ids), _SR.c.id > last).order_by(_SR.c.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _lock(session: Session, ids: list[int], type_ids: list[int]) -> tuple[list[sa.Row[Any, Any, Any, Any, Any]], dict[int, list[sa.Row[Any, Any, Any]]]]:
    """Lock the batch's open work orders, then its requests (the order sync locks them in), and read them."""
    open_statuses = [s.value for s in WorkOrderStatus if s not in CLOSED_STATUSES]
    jobs: dict[int, list[sa.Row[Any, Any, Any]]] = {}
    for job in session.execute(
        sa.select(_WO.c.id, _WO.c.request_id, _WO.c.due_at)
        .where(_WO.c.request_id.in_(ids), _WO.c.status.in_(open_statuses))
        .order_by(_WO.c.id)
        .with_for_update()
    ):
        jobs.setdefault(job.request_id, []).append(job)
    # Read again under the lock: a request closed, merged or transferred since the page was listed is judged as it is now.
    rows = list(
        session.execute(
            sa.select(_SR.c.id, _SR.c.service_type_id, _SR.c.sla_started_at, _SR.c.created_at, _SR.c.due_at)
            .where(_SR.c.id.in_(ids), _open_requests(type_ids))
            .order_by(_SR.c.id)
            .with_for_update()
        )
    )
    return rows, jobs


def _expire_loaded(session: Session, changed: set[int]) -> None:
    # Core statements bypass the identity map: objects this session already holds must not show the old due time.
    if not changed:
        return
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ServiceRequest) and obj.id in changed:
            session.expire(obj, ["due_at", "updated_at"])
        elif isinstance(obj, WorkOrder) and obj.request_id in changed:
            session.expire(obj, ["due_at", "updated_at", "version"])
