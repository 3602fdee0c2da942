"""Sync conflicts after they were filed (fieldops/sync/protocol.py files them): who sees which, and resolving them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.accounts.models import Role, User
from fieldops.activity import services as activity
from fieldops.activity.verbs import Verb
from fieldops.db import utcnow
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.sync import reasons
from fieldops.sync.models import SyncConflict

MAX_NOTE = 5000


def open_conflicts(session: Session, user: User) -> list[SyncConflict]:
    """Unresolved conflicts the user may see: supervisors all, others their own; newest first."""
    stmt = (
        sa.select(SyncConflict)
        .where(SyncConflict.resolved_at.is_(None))
        .options(joinedload(SyncConflict.user), joinedload(SyncConflict.work_order))
        .order_by(SyncConflict.created_at.desc(), SyncConflict.id.desc())
    )
    if not user.has_role(Role.SUPERVISOR):
        stmt = stmt.where(SyncConflict.user_id == user.id)
    return list(session.scalars(stmt))


def open_conflict_count(session: Session, user: User) -> int:
    """How many unresolved conflicts the user may see."""
    stmt = sa.select(sa.func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    if not user.has_role(Role.SUPERVISOR):
        stmt = stmt.where(SyncConflict.user_id == user.id)
    return session.scalar(stmt) or 0


def resolve_conflict(session: Session, user: User, conflict_id: int, note: str) -> SyncConflict:
    """A supervisor closes a conflict with a note; the note goes into the job's history."""
    if not policies.can_resolve_conflicts(user):
        raise Forbidden(_("Only supervisors can resolve sync conflicts."))
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound(_("There is no sync conflict %(id)s.", id=conflict_id))
    if conflict.resolved_at is not None:
        raise DomainError(_("This conflict was already resolved."))
    note = note.strip()
    if not note:
        raise DomainError(_("Say what was decided before marking the conflict resolved."))
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = user.id
    conflict.resolution_note = note[:MAX_NOTE]
    activity.record(
        session,
        request_id=conflict.work_order.request_id,
        work_order_id=conflict.work_order_id,
        actor=user,
        verb=Verb.SYNC_RESOLVED,
        params={"note": conflict.resolution_note},
        detail={"conflict_id": conflict.id},
    )
    session.flush()
    return conflict


def conflict_json(conflict: SyncConflict) -> dict[str, Any]:
    """A conflict as the API lists it (its reason in the reader's language)."""
    return {
        "id": conflict.id,
        "key": conflict.key,
        "kind": conflict.kind,
        "work_order_id": conflict.work_order_id,
        "reason": reasons.reason_text(conflict.reason),
        "user": {"id": conflict.user.id, "full_name": conflict.user.full_name},
        "payload": conflict.payload,
        "created_at": conflict.created_at.isoformat(),
    }
