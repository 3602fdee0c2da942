"""Requests and work orders as rows for CSV and GeoJSON downloads, streamed in batches.

Exports publish what Open311 publishes and no more, whoever asks: they leave the system (e-mail, shared drives,
open-data portals) and nothing downstream needs more. So: the moderated public description, never the resident's
own words or staff notes; no personal data (name, phone, e-mail, device id); no crew's unable-to-complete reason;
no requests of private service types at all. Times are ISO 8601 in
the city's local time with their UTC offset, so they are unambiguous and read as people expect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Unpack
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from fieldops.accounts.models import Crew, User
from fieldops.catalog.models import Department, ServiceType
from fieldops.districts.models import District
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.web import validation
from fieldops.workorders.models import WorkOrder, WorkOrderStatus

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before anything it would run as a formula.

    The one rule for every CSV the app writes (exports, performance tables): residents' words and
    imported names must never become formulas on a supervisor's computer.
    """
    return "'" + value if value[:1] in FORMULA_START else value

BATCH = 1000
SR = ServiceRequest

REQUEST_COLUMNS = (
    "id",
    "tracking_number",
    "external_id",
    "service_type_code",
    "service_type",
    "department",
    "district",
    "status",
    "channel",
    "address",
    "latitude",
    "longitude",
    "description",
    "created_at",
    "due_at",
    "closed_at",
    "hours_to_close",
    "closed_within_target",
    "closure_reason",
)
WORK_ORDER_COLUMNS = (
    "id",
    "request_id",
    "tracking_number",
    "service_type",
    "department",
    "district",
    "crew",
    "assignee",
    "status",
    "priority",
    "address",
    "latitude",
    "longitude",
    "created_at",
    "due_at",
    "completed_at",
    "resolution",
)


@dataclass(frozen=True)
class ExportFilter:
    """Which rows: created in [start, end] (local days), of a type/department/district, in a status."""

    start: dt.date | None = None
    end: dt.date | None = None
    service_type_id: int | None = None
    department_id: int | None = None
    district_id: int | None = None
    status: str | None = None


def parse_filter(args: Mapping[str, str]) -> ExportFilter:
    """Read the filter from query arguments, refusing values that are not dates or ids."""

    def date(name: str) -> dt.date | None:
        value = args.get(name) or ""
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise DomainError(_("%(name)s must be a date (YYYY-MM-DD).", name=name)) from exc
        # Year 1 or 9999 would overflow the day arithmetic of the filter.
        return validation.query_date(day, name, utcnow())

    def ident(name: str) -> int | None:
        value = args.get(name) or ""
        if not value:
            return None
        try:
            return int(value)
        except ValueError as exc:
            raise DomainError(_("%(name)s must be an id.", name=name)) from exc

    f = ExportFilter(
        start=date("start"),
        end=date("end"),
        service_type_id=ident("type"),
        department_id=ident("department"),
        district_id=ident("district"),
        status=(args.get("status") or None),
    )
    if f.start and f.end and f.start > f.end:
        raise DomainError(_("The start date is after the end date."))
    return f


def _period(f: ExportFilter, column: Any, zone: ZoneInfo) -> list[sa.ColumnElement[bool]]:
    parts = []
    if f.start:
        parts.append(column >= dt.datetime.combine(f.start, dt.time(), tzinfo=zone).astimezone(dt.UTC))
    if f.end:
        parts.append(column < dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC))
    return parts


def _common(f: ExportFilter) -> list[sa.ColumnElement[bool]]:
    # Requests of private service types (e.g. inside a home) are never exported, like in Open311.
    parts: list[sa.ColumnElement[bool]] = [SR.service_type_id.not_in(sa.select(ServiceType.id).where(ServiceType.private.is_(True)))]
    if f.service_type_id is not None:
        parts.append(SR.service_type_id == f.service_type_id)
    if f.department_id is not None:
        parts.append(SR.department_id == f.department_id)
    if f.district_id is not None:
        parts.append(SR.district_id == f.district_id)
    return parts


def _iso(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else ""


def request_rows(session: Session, f: ExportFilter, *, zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    """Requests matching the filter, oldest first, as plain dicts (public fields only), fetched in batches.

    The filter is checked now (DomainError); rows are read as the iterator is consumed.
    """
    where = [*_common(f), *_period(f, SR.created_at, zone)]
    if f.status:
        try:
            where.append(SR.status == RequestStatus(f.status))
        except ValueError as exc:
            raise DomainError(_("status must be open or closed.")) from exc
    stmt = (
        sa.select(
            SR.id,
            SR.tracking_number,
            SR.external_id,
            ServiceType.code,
            ServiceType.name,
            Department.name,
            District.name,
            SR.status,
            SR.channel,
            SR.address,
            SR.latitude,
            SR.longitude,
            SR.public_description,
            SR.created_at,
            SR.due_at,
            SR.closed_at,
            SR.closure_reason,
        )
        .join(ServiceType, ServiceType.id == SR.service_type_id)
        .outerjoin(Department, Department.id == SR.department_id)
        .outerjoin(District, District.id == SR.district_id)
        .where(*where)
        .order_by(SR.created_at, SR.id)
        .execution_options(yield_per=BATCH)
    )
    return _request_dicts(session, stmt, zone)


def _request_dicts(session: Session, stmt: sa.Select[Unpack[tuple[Any, ...]]], zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    for row in session.execute(stmt):
        (rid, tracking, external, code, type_name, dept, district, status, channel, address, lat, lon, description, created, due, closed, reason) = row
        hours = (closed - created).total_seconds() / 3600 if closed is not None else None
        yield {
            "id": rid,
            "tracking_number": tracking,
            "external_id": external or "",
            "service_type_code": code,
            "service_type": type_name,
            "department": dept or "",
            "district": district or "",
            "status": status.value,
            "channel": channel.value,
            "address": address,
            "latitude": lat,
            "longitude": lon,
            "description": description,
            "created_at": _iso(created, zone),
            "due_at": _iso(due, zone),
            "closed_at": _iso(closed, zone),
            "hours_to_close": round(hours, 3) if hours is not None else None,
            "closed_within_target": (closed <= due) if (closed is not None and due is not None) else None,
            "closure_reason": reason,
        }


WORK_ORDER_STATUS_FILTERS: dict[str, list[WorkOrderStatus]] = {
    "open": [s for s in WorkOrderStatus if s.is_open],
    "closed": [s for s in WorkOrderStatus if not s.is_open],
    **{s.value: [s] for s in WorkOrderStatus},
}


def work_order_rows(session: Session, f: ExportFilter, *, zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    """Work orders matching the filter (type/department/district of their request), oldest first."""
    WO = WorkOrder
    assignee = aliased(User)
    where = [*_common(f), *_period(f, WO.created_at, zone)]
    if f.status:
        if f.status not in WORK_ORDER_STATUS_FILTERS:
            raise DomainError(_("status must be one of %(choices)s.", choices=", ".join(WORK_ORDER_STATUS_FILTERS)))
        where.append(WO.status.in_(WORK_ORDER_STATUS_FILTERS[f.status]))
    stmt = (
        sa.select(
            WO.id,
            WO.request_id,
            SR.tracking_number,
            ServiceType.name,
            Department.name,
            District.name,
            Crew.name,
            assignee.username,
            WO.status,
            WO.priority,
            SR.address,
            SR.latitude,
            SR.longitude,
            WO.created_at,
            WO.due_at,
            WO.completed_at,
            WO.resolution,
        )
        .join(SR, SR.id == WO.request_id)
        .join(ServiceType, ServiceType.id == SR.service_type_id)
        .outerjoin(Department, Department.id == SR.department_id)
        .outerjoin(District, District.id == SR.district_id)
        .outerjoin(Crew, Crew.id == WO.crew_id)
        .outerjoin(assignee, assignee.id == WO.assignee_id)
        .where(*where)
        .order_by(WO.created_at, WO.id)
        .execution_options(yield_per=BATCH)
    )
    return _work_order_dicts(session, stmt, zone)


def _work_order_dicts(session: Session, stmt: sa.Select[Unpack[tuple[Any, ...]]], zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    for row in session.execute(stmt):
        (wid, rid, tracking, type_name, dept, district, crew, username, status, priority, address, lat, lon, created, due, completed, resolution) = row
        yield {
            "id": wid,
            "request_id": rid,
            "tracking_number": tracking,
            "service_type": type_name,
            "department": dept or "",
            "district": district or "",
            "crew": crew or "",
            "assignee": username or "",
            "status": status.value,
            "priority": priority,
            "address": address,
            "latitude": lat,
            "longitude": lon,
            "created_at": _iso(created, zone),
            "due_at": _iso(due, zone),
            "completed_at": _iso(completed, zone),
            "resolution": resolution,
        }
