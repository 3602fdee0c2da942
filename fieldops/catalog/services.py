"""Read the service catalogue (its standards and calendars are edited in fieldops/sla/standards.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.catalog.models import Department, ServiceType


def active_service_types(session: Session) -> list[ServiceType]:
    """Active service types grouped by department, then by name."""
    stmt = (
        sa.select(ServiceType)
        .join(Department)
        .where(ServiceType.active.is_(True))
        .options(joinedload(ServiceType.department))
        .order_by(Department.name, ServiceType.name)
    )
    return list(session.scalars(stmt))
