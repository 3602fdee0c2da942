"""A request's `updated_at` follows its history: it counts as updated whenever an entry is added about it."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldops.activity import verbs
from fieldops.activity.models import Activity
from fieldops.demo import DemoLogin
from fieldops.servicerequests.models import ServiceRequest


def _touch_requests(session: Session, flush_context: object, instances: object) -> None:
    # Clients (Open311's updated_after, the offline lists) see a request as updated whenever its history grows (a
    # crew went on site, a photo was added), not only when its own row changes.
    latest: dict[int, dt.datetime] = {}
    for obj in session.new:
        if isinstance(obj, Activity) and obj.request_id is not None and obj.created_at is not None:
            if obj.created_at > latest.get(obj.request_id, obj.created_at - dt.timedelta(seconds=1)):
                latest[obj.request_id] = obj.created_at
    for request_id, at in latest.items():
        req = session.get(ServiceRequest, request_id)
        if req is not None and (req.updated_at is None or req.updated_at < at):
            req.updated_at = at


def install_updated_at_follows_history() -> None:
    """Keep ServiceRequest.updated_at at its latest Activity (idempotent: one listener for every app)."""
    if not event.contains(Session, "before_flush", _touch_requests):
        event.listen(Session, "before_flush", _touch_requests)


def demo_updated_at(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """The last demo loader: each request's `updated_at` set from the history the other loaders wrote."""
    # A request's last change is its latest public note (what Open311 shows: its public history entries, and the
    # opening and closing of follow-on requests), never the moment the demo happened to write the row: clients page
    # with updated_after and would otherwise skip changes or see them out of order. A request with no public entry
    # keeps its latest private one.
    public = set(verbs.open311_verbs())
    latest: dict[int, dt.datetime] = {}
    fallback: dict[int, dt.datetime] = {}
    for request_id, verb, at in session.execute(sa.select(Activity.request_id, Activity.verb, Activity.created_at)):
        target = latest if verb in public else fallback
        target[request_id] = max(at, target.get(request_id, at))
    for parent_id, created, closed in session.execute(
        sa.select(ServiceRequest.parent_id, ServiceRequest.created_at, ServiceRequest.closed_at).where(ServiceRequest.parent_id.is_not(None))
    ):
        if parent_id is None:  # excluded by the query; the column is nullable
            continue
        latest[parent_id] = max(created, closed or created, latest.get(parent_id, created))
    rows = [{"rid": rid, "at": latest.get(rid) or fallback[rid]} for rid in set(latest) | set(fallback)]
    if rows:
        table = ServiceRequest.__table__
        session.execute(table.update().where(table.c.id == sa.bindparam("rid")).values(updated_at=sa.bindparam("at")), rows)
    session.expire_all()
    return []
