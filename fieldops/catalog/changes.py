"""Record when the published service catalogue changes, for Open311's discovery `changeset`.

Published means what services.json and services/{code}.json show: a service type's code, name, description,
keywords, group, their translations, whether it is offered (active, private) and its department; every field of its attributes;
a department's code and name. Adding, changing or removing any of them moves `catalog_change.changed_at` to
now, in the same transaction (a rolled-back edit moves nothing). Service standards (SLA), follow-up and
duplicate settings are internal: changing them leaves the changeset alone.
"""

from __future__ import annotations

import datetime as dt
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldops.catalog.models import CatalogChange, Department, ServiceAttribute, ServiceType
from fieldops.db import utcnow

ROW_ID = 1
PUBLISHED: dict[type, tuple[str, ...]] = {
    ServiceType: ("code", "name", "description", "keywords", "group", "active", "private", "department_id", "department", "attributes", "translations"),
    ServiceAttribute: ("service_type_id", "service_type", "code", "datatype", "variable", "required", "order", "description", "datatype_description", "values", "translations"),
    Department: ("code", "name"),
}


def _published_change(obj: object) -> bool:
    fields = PUBLISHED.get(type(obj))
    if fields is None:
        return False
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _note_catalog_changes(session: Session, flush_context: object, instances: object) -> None:
    touched = any(type(obj) in PUBLISHED for obj in chain(session.new, session.deleted)) or any(
        _published_change(obj) for obj in session.dirty
    )
    if not touched:
        return
    now = utcnow().replace(microsecond=0)
    row = session.get(CatalogChange, ROW_ID)
    if row is None:
        session.add(CatalogChange(id=ROW_ID, changed_at=now))
    else:
        row.changed_at = now  # the latest change wins, even after the server's clock was set back


def install_change_tracking() -> None:
    """Move the catalogue's change time on every flush that changes what it publishes (idempotent)."""
    if not event.contains(Session, "before_flush", _note_catalog_changes):
        event.listen(Session, "before_flush", _note_catalog_changes)


def last_change(session: Session) -> dt.datetime | None:
    """When the published catalogue last changed, or None if no change was ever recorded."""
    return session.scalar(sa.select(CatalogChange.changed_at).where(CatalogChange.id == ROW_ID))
