"""Indexes the performance view reads instead of the table (index-only scans; SQLite has no hash aggregate).

Each holds every column its figures need, so a period's counts, times to close, backlog and weekly trend
are read from compact index entries in time order, never from the wide request rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from fieldops.servicerequests.models import ServiceRequest

_t = ServiceRequest.__table__

PERFORMANCE_INDEXES = (
    # Opened in a period, by department / type / district (and filtered by any of them).
    sa.Index("ix_service_request_perf_opened", _t.c.created_at, _t.c.department_id, _t.c.service_type_id, _t.c.district_id),
    # Closed in a period: time to close, within target, weekly closures.
    sa.Index(
        "ix_service_request_perf_closed", _t.c.closed_at, _t.c.created_at, _t.c.due_at, _t.c.department_id, _t.c.service_type_id, _t.c.district_id
    ),
    # The backlog: open requests, their age and due time (and whether the map can place them).
    sa.Index(
        "ix_service_request_perf_open",
        _t.c.status,
        _t.c.created_at,
        _t.c.due_at,
        _t.c.department_id,
        _t.c.service_type_id,
        _t.c.district_id,
        _t.c.latitude,
    ),
)
