"""Duplicate check while logging: open requests of the same type nearby, and joining a report to one.

Distances are in metres. Points are projected onto a local equirectangular plane centred on the query point
(x = R·Δλ·cos φ₀, y = R·Δφ, R = 6,371,008.8 m, the mean Earth radius); within a few kilometres of φ₀ this is
within 0.1 % of the great-circle distance, far below GPS error, and needs no projection library. shapely does
the distance arithmetic on the projected points. The tablet's offline check (pwa/js/intake.js) uses the same
formula on the cached open requests (open_requests_json), so online and offline agree.

What a candidate shows depends on who asks (fieldops/access/policies.py): everyone who logs requests sees the
tracking number, type, distance and age, enough to say "Add to this request"; the address and the resident's
words only go to those who could open the request itself (supervisors, the crew holding a job on it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session, joinedload

from fieldops.access import policies
from fieldops.accounts.models import User
from fieldops.catalog import texts
from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.errors import NotFound
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.servicerequests.services import TRACKING_RE, close_as_duplicate, normalise_tracking_number, root_request

EARTH_RADIUS_M = 6_371_008.8
MAX_CANDIDATES = 5
# The offline copy: enough for any city's open, recent requests, small enough for a tablet (~70 bytes a row).
MAX_OFFLINE_ROWS = 20_000
DUPLICATE_REASON = "Duplicate of {tracking}: this report was added to that request."


@dataclass(frozen=True)
class Candidate:
    """An open request that may be the same problem, and how far it is from the new report."""

    request: ServiceRequest
    distance_m: float
    # Whether the viewer may see the request's address and description (set by for_viewer).
    show_details: bool = False


def for_viewer(user: User, found: list[Candidate]) -> list[Candidate]:
    """The candidates as this user may see them (address and description only where policies allow)."""
    return [dataclasses.replace(c, show_details=policies.can_view_request(user, c.request)) for c in found]


def local_xy(lon0: float, lat0: float, lons: list[float], lats: list[float]) -> NDArray[np.object_]:
    """Points in metres on a plane tangent at (lon0, lat0) (see the module docstring)."""
    k = math.pi / 180 * EARTH_RADIUS_M
    cos0 = math.cos(math.radians(lat0))
    xs = [(lon - lon0) * k * cos0 for lon in lons]
    ys = [(lat - lat0) * k for lat in lats]
    return shapely.points(xs, ys)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two nearby points (local projection around the first)."""
    return float(shapely.distance(local_xy(lon1, lat1, [lon2], [lat2])[0], shapely.Point(0, 0)))


def find_duplicates(
    session: Session, service_type: ServiceType, latitude: float, longitude: float, *, now: dt.datetime | None = None, limit: int = MAX_CANDIDATES
) -> list[Candidate]:
    """Open requests of this type within its duplicate radius and window, nearest first."""
    radius, hours = service_type.duplicate_radius_m, service_type.duplicate_window_hours
    if radius <= 0 or hours <= 0:
        return []
    now = now or utcnow()
    # A bounding box in degrees (a little generous) lets the database use its indexes before shapely measures.
    dlat = math.degrees(radius / EARTH_RADIUS_M) * 1.01
    dlon = dlat / max(math.cos(math.radians(latitude)), 0.01)
    rows = list(
        session.scalars(
            sa.select(ServiceRequest)
            .where(
                ServiceRequest.service_type_id == service_type.id,
                ServiceRequest.status == RequestStatus.OPEN,
                ServiceRequest.duplicate_of_id.is_(None),
                ServiceRequest.created_at >= now - dt.timedelta(hours=hours),
                ServiceRequest.latitude.between(latitude - dlat, latitude + dlat),
                ServiceRequest.longitude.between(longitude - dlon, longitude + dlon),
            )
            .options(joinedload(ServiceRequest.service_type))
        )
    )
    if not rows:
        return []
    points = local_xy(longitude, latitude, [r.longitude for r in rows], [r.latitude for r in rows])  # type: ignore[misc]
    distances = shapely.distance(points, shapely.Point(0, 0))
    found = [Candidate(r, float(d)) for r, d in zip(rows, distances.tolist(), strict=True) if d <= radius]
    found.sort(key=lambda c: (c.distance_m, -c.request.created_at.timestamp()))
    return found[:limit]


def candidate_json(c: Candidate) -> dict[str, Any]:
    """A candidate as the intake form shows it: never contact details; address and description only if show_details."""
    r = c.request
    shown: dict[str, Any] = {
        "tracking_number": r.tracking_number,
        "service_type": r.service_type.code,
        "service_name": texts.type_name(r.service_type),
        "created_at": r.created_at.isoformat(),
        "distance_m": round(c.distance_m, 1),
        "latitude": r.latitude,
        "longitude": r.longitude,
    }
    if c.show_details:
        shown["address"] = r.address
        shown["description"] = r.description[:200]
    return shown


def open_requests_json(
    session: Session, user: User, *, now: dt.datetime | None = None, max_rows: int = MAX_OFFLINE_ROWS
) -> dict[str, Any]:
    """Open requests that a new report could duplicate, as compact columns for the tablet's offline check.

    The address column is null for requests the user could not open (the same rule as candidate_json).
    """
    now = now or utcnow()
    types = list(session.scalars(sa.select(ServiceType).where(ServiceType.duplicate_radius_m > 0, ServiceType.duplicate_window_hours > 0)))
    windows = [
        sa.and_(ServiceRequest.service_type_id == t.id, ServiceRequest.created_at >= now - dt.timedelta(hours=t.duplicate_window_hours))
        for t in types
    ]
    columns: dict[str, list[Any]] = {k: [] for k in ("tracking_number", "service_type", "latitude", "longitude", "created_at", "address")}
    if windows:
        code_of = {t.id: t.code for t in types}
        rows = session.execute(
            sa.select(
                ServiceRequest.tracking_number,
                ServiceRequest.service_type_id,
                ServiceRequest.latitude,
                ServiceRequest.longitude,
                ServiceRequest.created_at,
                ServiceRequest.address,
                policies.request_visible_clause(user).label("visible"),
            )
            .where(
                ServiceRequest.status == RequestStatus.OPEN,
                ServiceRequest.duplicate_of_id.is_(None),
                ServiceRequest.latitude.is_not(None),
                sa.or_(*windows),
            )
            .order_by(ServiceRequest.created_at.desc())
            .limit(max_rows)
        )
        for tracking, type_id, lat, lon, created, address, visible in rows:
            columns["tracking_number"].append(tracking)
            columns["service_type"].append(code_of[type_id])
            if lat is None or lon is None:
                continue  # the query keeps located requests only
            columns["latitude"].append(round(lat, 6))
            columns["longitude"].append(round(lon, 6))
            columns["created_at"].append(created.isoformat())
            columns["address"].append(address[:80] if visible else None)
    return {
        "generated_at": now.isoformat(),
        "rules": {t.code: {"radius_m": t.duplicate_radius_m, "window_hours": t.duplicate_window_hours} for t in types},
        "requests": columns,
    }


def request_by_tracking(session: Session, tracking_number: str) -> ServiceRequest:
    """A request by its tracking number (as a resident may type it), or NotFound."""
    number = normalise_tracking_number(tracking_number)
    req = None
    if TRACKING_RE.match(number):
        req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == number))
    if req is None:
        raise NotFound(_("There is no request with tracking number %(tracking)s.", tracking=tracking_number.strip()[:20]))
    return req


def join_as_duplicate(
    session: Session, actor: User | None, report: ServiceRequest, existing: ServiceRequest, *, at: dt.datetime | None = None, source_key: str | None = None
) -> ServiceRequest:
    """Add a new report to an existing request: the report is closed as its duplicate; returns the request that carries the work."""
    target = root_request(existing)
    return close_as_duplicate(
        session,
        actor,
        report,
        target,
        at=at or utcnow(),
        reason=DUPLICATE_REASON.format(tracking=target.tracking_number),
        reason_params={"request": target.tracking_number},
        survivor_params={"report": report.tracking_number, **({"event": report.event.name} if report.event is not None else {})},
        detail={"event_id": report.event_id},
        source_key=source_key,
    )
