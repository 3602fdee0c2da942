"""Write the append-only history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.activity.models import Activity
from fieldops.activity.verbs import Verb
from fieldops.db import utcnow


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or delete history."""


def record(
    session: Session,
    *,
    request_id: int,
    actor: User | None,
    verb: Verb,
    summary: str,
    work_order_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_key: str | None = None,
    at: dt.datetime | None = None,
) -> Activity:
    """Append one entry to a request's history (the verb must be in the registry: fieldops/activity/verbs.py)."""
    verb = Verb(verb)  # a ValueError here is a verb nobody registered: readers would not know it
    entry = Activity(
        request_id=request_id,
        work_order_id=work_order_id,
        actor_id=actor.id if actor is not None else None,
        verb=verb.value,
        summary=summary,
        detail_json=json.dumps(detail or {}, sort_keys=True, default=str),
        source_key=source_key,
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


def history(session: Session, request_id: int) -> list[Activity]:
    """A request's history, oldest first."""
    return list(
        session.scalars(
            sa.select(Activity).where(Activity.request_id == request_id).order_by(Activity.created_at, Activity.id)
        )
    )


def _refuse_history_edits(session: Session, flush_context: object, instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Activity) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("activity history is append-only")


def install_append_only_guard() -> None:
    """Refuse UPDATE/DELETE of Activity rows through the ORM (idempotent)."""
    if not event.contains(Session, "before_flush", _refuse_history_edits):
        event.listen(Session, "before_flush", _refuse_history_edits)
