"""CitiStat figures: how fast and how well requests are handled, per department, service type or district.

Definitions (the page and the README say the same):
- The period is whole local days [start, end] in the city's zone; stored times are UTC.
- opened: created in the period. closed: closed in the period (closed_at).
- time to close (median, 90th percentile, hours): of requests closed in the period, closed_at - created_at.
  Percentiles interpolate linearly between ranks (statistics.quantiles(method="inclusive"), numpy's default).
- open: open at the end of the period ("open now" when the period ends today): created before then and not
  closed by then. open overdue: of those, due before then.
- within target: of requests with a target judged in the period, the share closed by their due time. Judged are
  those closed in the period with a due time, and those still open at the end of the period whose due time fell
  in the period (open overdue counts as late; a request never closed is judged in the period its target passed).
- follow-up visits finished in the period where the resident was reached: average satisfaction (1-5) and the
  share who said the problem was resolved (yes, of yes/partly/no answers).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.catalog.models import Department, ServiceType
from fieldops.db import utcnow
from fieldops.districts.models import District
from fieldops.errors import DomainError
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus
from fieldops.web import validation

SR = ServiceRequest
MAX_DAYS = 3 * 366  # a longer period is more than one chart can show by week
MAP_LIMIT = 2000  # open requests drawn on the map (the most overdue first); the count says how many there are


class GroupBy(enum.StrEnum):
    DEPARTMENT = "department"
    TYPE = "type"
    DISTRICT = "district"


GROUP_COLUMNS = {GroupBy.DEPARTMENT: SR.department_id, GroupBy.TYPE: SR.service_type_id, GroupBy.DISTRICT: SR.district_id}


@dataclass(frozen=True)
class PerformanceQuery:
    """What to measure: a period of whole local days, a grouping, and optional filters."""

    start: dt.date
    end: dt.date
    group_by: GroupBy = GroupBy.DEPARTMENT
    department_id: int | None = None
    service_type_id: int | None = None
    district_id: int | None = None

    def bounds(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, end) in UTC: local midnight of start to local midnight after end."""
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=zone).astimezone(dt.UTC)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)
        return start, end


def make_query(
    *,
    start: str | None,
    end: str | None,
    group_by: str | None,
    department_id: str | None = None,
    service_type_id: str | None = None,
    district_id: str | None = None,
    today: dt.date,
    default_days: int = 30,
) -> PerformanceQuery:
    """Read a query from form values (ISO dates, ids); missing dates give the last `default_days` days."""
    end_date = _date(end, "end") or today
    start_date = _date(start, "start") or end_date - dt.timedelta(days=default_days - 1)
    if start_date > end_date:
        raise DomainError(_("The period's start is after its end."))
    if (end_date - start_date).days > MAX_DAYS:
        raise DomainError(_("Choose a period of at most three years."))
    try:
        grouping = GroupBy(group_by or GroupBy.DEPARTMENT)
    except ValueError as exc:
        raise DomainError(_("Group by department, service type or district.")) from exc
    return PerformanceQuery(
        start=start_date,
        end=end_date,
        group_by=grouping,
        department_id=_id(department_id, _l("Unknown department.")),
        service_type_id=_id(service_type_id, _l("Unknown service type.")),
        district_id=_id(district_id, _l("Unknown district.")),
    )


def _date(value: str | None, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        message = (
            _("The start date %(value)s is not a date (YYYY-MM-DD).", value=repr(value))
            if what == "start"
            else _("The end date %(value)s is not a date (YYYY-MM-DD).", value=repr(value))
        )
        raise DomainError(message) from exc
    # Year 1 or 9999 would overflow the period arithmetic.
    return validation.query_date(day, what, utcnow())


def _id(value: str | None, refusal: LazyString) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise DomainError(str(refusal)) from exc


# ---------------------------------------------------------------------------------------------- figures


@dataclass
class GroupFigures:
    """One line of the performance table."""

    key: int | None
    label: str
    opened: int = 0
    closed: int = 0
    open: int = 0
    open_overdue: int = 0
    closed_with_target: int = 0
    closed_on_time: int = 0
    open_late: int = 0  # open at the end, due in the period: judged late
    median_hours: float | None = None
    p90_hours: float | None = None
    visits_reached: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    resolution_answers: int = 0
    resolution_yes: int = 0

    @property
    def judged(self) -> int:
        return self.closed_with_target + self.open_late

    @property
    def on_time_share(self) -> float | None:
        return self.closed_on_time / self.judged if self.judged else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.satisfaction_count if self.satisfaction_count else None

    @property
    def resolved_share(self) -> float | None:
        return self.resolution_yes / self.resolution_answers if self.resolution_answers else None


@dataclass
class WeekFigures:
    """One week (Monday to Sunday, local) of the trend."""

    start: dt.date
    opened: int = 0
    closed: int = 0
    closed_with_target: int = 0
    closed_on_time: int = 0

    @property
    def on_time_share(self) -> float | None:
        # Weekly share of closures within target (open overdue are judged in the period table).
        return self.closed_on_time / self.closed_with_target if self.closed_with_target else None


@dataclass
class PerformanceReport:
    query: PerformanceQuery
    start_utc: dt.datetime
    end_utc: dt.datetime
    as_of: dt.datetime
    groups: list[GroupFigures]
    total: GroupFigures
    weeks: list[WeekFigures]

    @property
    def open_is_now(self) -> bool:
        return self.as_of < self.end_utc


class _Filter:
    """The WHERE parts every figure shares: the optional department/type/district filters."""

    def __init__(self, q: PerformanceQuery) -> None:
        self.parts: list[sa.ColumnElement[bool]] = []
        if q.department_id is not None:
            self.parts.append(SR.department_id == q.department_id)
        if q.service_type_id is not None:
            self.parts.append(SR.service_type_id == q.service_type_id)
        if q.district_id is not None:
            self.parts.append(SR.district_id == q.district_id)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def performance_report(session: Session, q: PerformanceQuery, *, zone: ZoneInfo, now: dt.datetime | None = None) -> PerformanceReport:
    """Every figure of the performance view for the query, per group and in total, with the weekly trend."""
    now = now or utcnow()
    start, end = q.bounds(zone)
    as_of = min(end, now)
    flt = _Filter(q)
    # "+ 0": grouping by a bare indexed column tempts SQLite to walk that column's index over the whole table
    # (to skip a sort) instead of range-scanning the period in the covering indexes of performance/models.py.
    g = GROUP_COLUMNS[q.group_by] + 0
    figures: dict[int | None, GroupFigures] = {}

    def fig(key: int | None) -> GroupFigures:
        found = figures.get(key)
        if found is None:
            found = figures[key] = GroupFigures(key=key, label="")
        return found

    sqlite = session.get_bind().dialect.name == "sqlite"
    opened_where = [SR.created_at >= start, SR.created_at < end, *flt.parts]
    if sqlite:
        for key, n in _sqlite_counts(session, g, opened_where).items():
            fig(key).opened = n
    else:
        for key, n in session.execute(sa.select(g, sa.func.count()).where(*opened_where).group_by(g)):
            fig(key).opened = n

    in_period = sa.and_(SR.closed_at >= start, SR.closed_at < end)
    total = GroupFigures(key=None, label="All")
    if sqlite:
        closed_figures, (total.median_hours, total.p90_hours) = _sqlite_closed(session, g, [in_period, *flt.parts])
        for key, (n, with_target, on_time, median, p90) in closed_figures.items():
            f = fig(key)
            f.closed, f.closed_with_target, f.closed_on_time, f.median_hours, f.p90_hours = n, with_target, on_time, median, p90
    else:
        closed = (
            sa.select(g, sa.func.count(), sa.func.count(SR.due_at), _count_if(SR.closed_at <= SR.due_at))
            .where(in_period, *flt.parts)
            .group_by(g)
        )
        for key, n, with_target, on_time in session.execute(closed):
            f = fig(key)
            f.closed, f.closed_with_target, f.closed_on_time = n, with_target, on_time
        per_group, (total.median_hours, total.p90_hours) = _pg_percentiles(session, g, [in_period, *flt.parts])
        for key, (median, p90) in per_group.items():
            fig(key).median_hours, fig(key).p90_hours = median, p90

    # Open at the end of the period: still open now, or closed only after it. Two indexed queries beat one OR.
    backlog_cols = (g, sa.func.count(), _count_if(SR.due_at < as_of), _count_if(sa.and_(SR.due_at >= start, SR.due_at < as_of)))
    still_open = sa.select(*backlog_cols).where(SR.status == RequestStatus.OPEN, SR.created_at < as_of, *flt.parts).group_by(g)
    closed_later = sa.select(*backlog_cols).where(SR.closed_at >= as_of, SR.created_at < as_of, *flt.parts).group_by(g)
    for stmt in (still_open, closed_later):
        for key, n, overdue, late in session.execute(stmt):
            f = fig(key)
            f.open += n
            f.open_overdue += overdue
            f.open_late += late


    _add_visits(session, g, start, end, flt, fig)

    labels = group_labels(session, q.group_by, [k for k in figures if k is not None])
    for key, f in figures.items():
        f.label = labels.get(key, "") if key is not None else ("No district" if q.group_by == GroupBy.DISTRICT else "None")
        for name in (
            "opened",
            "closed",
            "open",
            "open_overdue",
            "closed_with_target",
            "closed_on_time",
            "open_late",
            "visits_reached",
            "satisfaction_sum",
            "satisfaction_count",
            "resolution_answers",
            "resolution_yes",
        ):
            setattr(total, name, getattr(total, name) + getattr(f, name))
    groups = sorted(figures.values(), key=lambda f: (-f.opened, -f.open, f.label))
    return PerformanceReport(
        query=q,
        start_utc=start,
        end_utc=end,
        as_of=as_of,
        groups=groups,
        total=total,
        weeks=_weeks(session, q, flt, start, end, zone),
    )


def _pg_percentiles(
    session: Session, g: Any, where: list[sa.ColumnElement[bool]]
) -> tuple[dict[int | None, tuple[float, float]], tuple[float | None, float | None]]:
    """Median and 90th percentile of hours-to-close per group and over all (PostgreSQL's percentile_cont)."""
    hours = sa.extract("epoch", SR.closed_at - SR.created_at) / 3600.0

    def pct(p: float) -> Any:
        return sa.func.percentile_cont(p).within_group(hours)

    per = {key: (float(m), float(p9)) for key, m, p9 in session.execute(sa.select(g, pct(0.5), pct(0.9)).where(*where).group_by(g))}
    m, p9 = session.execute(sa.select(pct(0.5), pct(0.9)).where(*where)).one()
    return per, (None if m is None else float(m), None if p9 is None else float(p9))


# SQLite has no hash aggregation (every GROUP BY sorts its rows) and no percentile function, and fetching
# 300,000 rows one by one costs more than the figures. So on SQLite the rows of a period come back as a few
# group_concat strings, aggregated over the same rows in the same order, and numpy counts and sorts them.


def _split(text: str | None, dtype: Any) -> Any:
    return np.array(text.split(","), dtype=dtype) if text else np.array([], dtype=dtype)


def _sqlite_counts(session: Session, g: Any, where: list[sa.ColumnElement[bool]]) -> dict[int | None, int]:
    """Rows per group key."""
    keys = _split(session.scalar(sa.select(sa.func.group_concat(sa.func.coalesce(g, -1))).where(*where)), np.int64)
    values, counts = np.unique(keys, return_counts=True)
    return {(None if int(k) == -1 else int(k)): int(n) for k, n in zip(values, counts, strict=True)}


def _sqlite_closed(
    session: Session, g: Any, where: list[sa.ColumnElement[bool]]
) -> tuple[dict[int | None, tuple[int, int, int, float, float]], tuple[float | None, float | None]]:
    """Per group: closed, closed with a target, closed within it, median and p90 hours; and the overall median and p90."""
    hours = (sa.func.julianday(SR.closed_at) - sa.func.julianday(SR.created_at)) * 24.0
    # 1 within target, 0 late, 2 no target (a NULL would be skipped by group_concat and shift the columns).
    judged = sa.func.coalesce(sa.case((SR.due_at.is_(None), 2), (SR.closed_at <= SR.due_at, 1), else_=0), 2)
    keys_text, hours_text, judged_text = session.execute(
        sa.select(sa.func.group_concat(sa.func.coalesce(g, -1)), sa.func.group_concat(hours), sa.func.group_concat(judged)).where(*where)
    ).one()
    keys, values, marks = _split(keys_text, np.int64), _split(hours_text, np.float64), _split(judged_text, np.int8)
    if not len(keys):
        return {}, (None, None)
    order = np.lexsort((values, keys))
    keys, values, marks = keys[order], values[order], marks[order]
    out: dict[int | None, tuple[int, int, int, float, float]] = {}
    cuts = np.flatnonzero(np.diff(keys)) + 1
    for part_keys, part, part_marks in zip(np.split(keys, cuts), np.split(values, cuts), np.split(marks, cuts), strict=True):
        key = int(part_keys[0])
        out[None if key == -1 else key] = (
            len(part),
            int(np.count_nonzero(part_marks != 2)),
            int(np.count_nonzero(part_marks == 1)),
            _quantile(part, 1, 2),
            _quantile(part, 9, 10),
        )
    values.sort()
    return out, (_quantile(values, 1, 2), _quantile(values, 9, 10))


def _quantile(xs: Any, num: int, den: int) -> float:
    """The value at zero-based rank (n-1)*num/den of sorted xs, interpolated linearly (PostgreSQL's percentile_cont)."""
    n = len(xs)
    lo, hi = (num * (n - 1)) // den, (num * (n - 1) + den - 1) // den
    return float(xs[lo] + (xs[hi] - xs[lo]) * (num * (n - 1) / den - lo))


def _add_visits(session: Session, g: Any, start: dt.datetime, end: dt.datetime, flt: _Filter, fig: Any) -> None:
    FV = FollowUpVisit
    answered = FV.resolved.in_([Resolution.YES, Resolution.PARTLY, Resolution.NO])
    stmt = (
        sa.select(
            g,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(FV.satisfaction), 0),
            sa.func.count(FV.satisfaction),
            _count_if(answered),
            _count_if(FV.resolved == Resolution.YES),
        )
        .select_from(FV)
        .join(SR, SR.id == FV.request_id)
        .where(FV.status == VisitStatus.DONE, FV.outcome == VisitOutcome.REACHED, FV.completed_at >= start, FV.completed_at < end, *flt.parts)
        .group_by(g)
    )
    for key, reached, sat_sum, sat_n, answers, yes in session.execute(stmt):
        f = fig(key)
        f.visits_reached, f.satisfaction_sum, f.satisfaction_count, f.resolution_answers, f.resolution_yes = reached, sat_sum, sat_n, answers, yes


def _weeks(session: Session, q: PerformanceQuery, flt: _Filter, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[WeekFigures]:
    """Opened and closed per local week (Monday first), one indexed range count per week in one statement."""
    first_monday = q.start - dt.timedelta(days=q.start.weekday())
    weeks = [WeekFigures(start=first_monday + dt.timedelta(weeks=i)) for i in range((q.end - first_monday).days // 7 + 1)]
    # Week edges as UTC instants, clipped to the period; a GROUP BY on a computed week would sort every row.
    edges = [max(start, dt.datetime.combine(w.start, dt.time(), tzinfo=zone).astimezone(dt.UTC)) for w in weeks] + [end]
    opened = sa.union_all(
        *(
            sa.select(sa.literal(i).label("week"), sa.func.count().label("n")).where(SR.created_at >= edges[i], SR.created_at < edges[i + 1], *flt.parts)
            for i in range(len(weeks))
        )
    )
    for i, n in session.execute(opened):
        weeks[i].opened = n
    closed = sa.union_all(
        *(
            sa.select(sa.literal(i).label("week"), sa.func.count(), sa.func.count(SR.due_at), _count_if(SR.closed_at <= SR.due_at)).where(
                SR.closed_at >= edges[i], SR.closed_at < edges[i + 1], *flt.parts
            )
            for i in range(len(weeks))
        )
    )
    for i, n, with_target, on_time in session.execute(closed):
        w = weeks[i]
        w.closed, w.closed_with_target, w.closed_on_time = n, with_target, on_time
    return weeks


def group_labels(session: Session, group_by: GroupBy, keys: list[int]) -> dict[int, str]:
    """Display names for group keys."""
    if not keys:
        return {}
    if group_by == GroupBy.DEPARTMENT:
        rows = session.execute(sa.select(Department.id, Department.name).where(Department.id.in_(keys)))
    elif group_by == GroupBy.TYPE:
        rows = session.execute(sa.select(ServiceType.id, ServiceType.name).where(ServiceType.id.in_(keys)))
    else:
        rows = session.execute(sa.select(District.id, District.name).where(District.id.in_(keys)))
    return {k: v for k, v in rows}


# ---------------------------------------------------------------------------------------------- map


@dataclass(frozen=True)
class OpenPoint:
    id: int
    lat: float
    lon: float
    label: str
    overdue: bool


def open_points(session: Session, q: PerformanceQuery, *, zone: ZoneInfo, now: dt.datetime | None = None, limit: int = MAP_LIMIT) -> tuple[list[OpenPoint], int]:
    """Requests open now (with the filters) that have a point: the most overdue first, up to `limit`; and how many there are."""
    now = now or utcnow()
    flt = _Filter(q)
    where = [SR.status == RequestStatus.OPEN, SR.latitude.is_not(None), SR.longitude.is_not(None), *flt.parts]
    total = session.scalar(sa.select(sa.func.count()).select_from(SR).where(*where)) or 0
    stmt = (
        sa.select(SR.id, SR.latitude, SR.longitude, SR.address, SR.due_at, ServiceType.name)
        .join(ServiceType, ServiceType.id == SR.service_type_id)
        .where(*where)
        .order_by(SR.due_at.is_(None), SR.due_at, SR.id)
        .limit(limit)
    )
    points = [
        OpenPoint(id=rid, lat=lat, lon=lon, label=f"{name} — {address}" if address else name, overdue=due is not None and due < now)
        for rid, lat, lon, address, due, name in session.execute(stmt)
        if lat is not None and lon is not None  # as the query asks: the typed columns cannot say so
    ]
    return points, total


# ---------------------------------------------------------------------------------------------- hotspots


@dataclass
class Hotspot:
    rank: int
    reports: int
    peak: int
    peak_start: dt.date
    peak_end: dt.date
    first: dt.date
    last: dt.date
    place: str
    district: str
    centroid: tuple[float, float]  # lat, lon
    polygon: dict[str, Any]  # GeoJSON geometry, lon/lat
    request_ids: list[int] = field(default_factory=list)


@dataclass
class HotspotReport:
    service_type: ServiceType | None
    radius_m: int
    window_days: int
    min_reports: int
    points: int
    hotspots: list[Hotspot]

    def geojson(self) -> dict[str, Any]:
        """The hotspots as a FeatureCollection for the map."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"rank": h.rank, "reports": h.reports, "peak": h.peak, "place": h.place, "label": f"#{h.rank}: {h.place} ({h.reports})"},
                    "geometry": h.polygon,
                }
                for h in self.hotspots
            ],
        }


def default_hotspot_type(session: Session, q: PerformanceQuery, *, zone: ZoneInfo) -> ServiceType | None:
    """Rodent reports if the catalogue has them (the classic hotspot), else the type reported most in the period."""
    rodent = session.scalars(
        sa.select(ServiceType).where(sa.or_(ServiceType.code.like("%rodent%"), sa.func.lower(ServiceType.name).like("%rodent%"))).order_by(ServiceType.id)
    ).first()
    if rodent is not None:
        return rodent
    start, end = q.bounds(zone)
    busiest = session.execute(
        sa.select(SR.service_type_id, sa.func.count().label("n"))
        .where(SR.created_at >= start, SR.created_at < end, SR.latitude.is_not(None))
        .group_by(SR.service_type_id)
        .order_by(sa.desc("n"))
        .limit(1)
    ).first()
    return session.get(ServiceType, busiest[0]) if busiest else None


def hotspots(
    session: Session,
    q: PerformanceQuery,
    service_type: ServiceType | None,
    *,
    zone: ZoneInfo,
    radius_m: int = 150,
    window_days: int = 14,
    min_reports: int = 3,
    limit: int = 15,
) -> HotspotReport:
    """Where reports of one type bunch together in place and time.

    Reports within `radius_m` of each other (chained) make one place: every point is buffered by half the
    radius in a local metric projection and the buffers are unioned with shapely. A place ranks by its peak,
    the most reports in any `window_days`-day window of the period, then by its total.
    """
    report = HotspotReport(service_type, radius_m, window_days, min_reports, 0, [])
    if service_type is None:
        return report
    start, end = q.bounds(zone)
    flt = _Filter(q)
    rows = [
        (rid, lat, lon, created, address, district_id)
        for rid, lat, lon, created, address, district_id in session.execute(
            sa.select(SR.id, SR.latitude, SR.longitude, SR.created_at, SR.address, SR.district_id)
            .where(SR.service_type_id == service_type.id, SR.created_at >= start, SR.created_at < end, SR.latitude.is_not(None), SR.longitude.is_not(None), *flt.parts)
            .order_by(SR.created_at)
        )
        if lat is not None and lon is not None  # as the query asks: the typed columns cannot say so
    ]
    report.points = len(rows)
    if not rows:
        return report
    lat0 = sum(r[1] for r in rows) / len(rows)
    lon0 = sum(r[2] for r in rows) / len(rows)
    kx = 111_320.0 * math.cos(math.radians(lat0))  # metres per degree of longitude here
    ky = 110_574.0  # metres per degree of latitude
    xs = [(r[2] - lon0) * kx for r in rows]
    ys = [(r[1] - lat0) * ky for r in rows]
    # Repeat reports at one address are common: buffer and merge each distinct spot (to the decimetre) once.
    spots, spot_of = np.unique(np.column_stack((xs, ys)).round(1), axis=0, return_inverse=True)
    spot_pts = shapely.points(spots)
    merged = shapely.union_all(shapely.buffer(spot_pts, radius_m / 2, quad_segs=4))
    parts = list(shapely.get_parts(merged))
    tree = shapely.STRtree(parts)
    spot_idx, part_idx = tree.query(spot_pts, predicate="intersects")
    part_of_spot: dict[int, int] = {}
    for sp, c in zip(spot_idx.tolist(), part_idx.tolist(), strict=True):
        part_of_spot.setdefault(sp, c)  # a spot on the edge of two parts belongs to the first
    members: dict[int, list[int]] = defaultdict(list)
    for i, sp in enumerate(np.asarray(spot_of).reshape(-1).tolist()):
        members[part_of_spot[sp]].append(i)  # in time order, as the rows are
    window = dt.timedelta(days=window_days)
    found: list[tuple[int, int, int, int, list[int], int]] = []
    for part, idx in members.items():
        if len(idx) < min_reports:
            continue
        times = [rows[i][3] for i in idx]  # already in time order
        best, best_lo, best_hi, lo = 0, 0, 0, 0
        for hi in range(len(times)):
            while times[hi] - times[lo] >= window:
                lo += 1
            if hi - lo + 1 > best:
                best, best_lo, best_hi = hi - lo + 1, lo, hi
        if best >= min_reports:
            found.append((best, len(idx), best_lo, best_hi, idx, part))
    found.sort(key=lambda f: (-f[0], -f[1]))
    district_names: dict[int, str] = {k: v for k, v in session.execute(sa.select(District.id, District.name))}

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        return np.column_stack((lon0 + xy[:, 0] / kx, lat0 + xy[:, 1] / ky)).round(6)

    for rank, (peak, total, lo, hi, idx, part) in enumerate(found[:limit], start=1):
        shape = parts[part]  # the union of this place's buffers
        lonlat = shapely.transform(shape, to_lonlat)
        centre = shape.centroid
        lon_c, lat_c = to_lonlat(np.array([[centre.x, centre.y]]))[0].tolist()
        addresses = Counter(rows[i][4] for i in idx if rows[i][4])
        districts = Counter(district_names.get(d, "") for d in (rows[i][5] for i in idx) if d)
        local = [rows[i][3].astimezone(zone).date() for i in idx]
        report.hotspots.append(
            Hotspot(
                rank=rank,
                reports=total,
                peak=peak,
                peak_start=local[lo],
                peak_end=local[hi],
                first=local[0],
                last=local[-1],
                place=addresses.most_common(1)[0][0] if addresses else f"{lat_c:.5f}, {lon_c:.5f}",
                district=districts.most_common(1)[0][0] if districts else "",
                centroid=(lat_c, lon_c),
                polygon=shapely.geometry.mapping(lonlat),
                request_ids=[rows[i][0] for i in idx],
            )
        )
    return report
