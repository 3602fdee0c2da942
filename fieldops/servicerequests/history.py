"""A request's `updated_at` follows its history: it counts as updated whenever an entry is added about it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldops.activity.models import Activity
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
