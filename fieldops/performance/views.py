"""The performance page (CitiStat) for supervisors, its htmx fragment, and a CSV of every table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _

from fieldops import get_settings
from fieldops.catalog import texts
from fieldops.accounts.models import Role
from fieldops.catalog.models import Department, ServiceType
from fieldops.db import utcnow
from fieldops.districts.models import District
from fieldops.districts.services import city_bounds, districts_geojson
from fieldops.errors import DomainError, NotFound
from fieldops.exports.services import spreadsheet_text
from fieldops.extensions import db
from fieldops.i18n import format_locale
from fieldops.maps.builder import Point, add_tooltip_layer, build_map, render_map
from fieldops.performance import charts
from fieldops.performance import services as ps
from fieldops.servicerequests.models import ServiceRequest
from fieldops.web import validation
from fieldops.web.access import roles_required
from fieldops.web.htmx import render

bp = Blueprint("performance", __name__)

TABLES = ("summary", "trend", "hotspots")
RADIUS_RANGE = (25, 1000)
WINDOW_RANGE = (1, 90)


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _today(zone: ZoneInfo) -> dt.date:
    return utcnow().astimezone(zone).date()


def _query(zone: ZoneInfo) -> ps.PerformanceQuery:
    args = request.args
    return ps.make_query(
        start=args.get("start"),
        end=args.get("end"),
        group_by=args.get("group"),
        department_id=args.get("department"),
        service_type_id=args.get("type"),
        district_id=args.get("district"),
        today=_today(zone),
    )


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    value = validation.whole_number(request.args.get(name), name)
    return default if value is None else max(low, min(high, value))


def _hotspots(q: ps.PerformanceQuery, zone: ZoneInfo) -> ps.HotspotReport:
    raw = request.args.get("hotspot_type", "")
    if raw:
        try:
            st = db.session.get(ServiceType, int(raw))
        except ValueError:
            st = None
        if st is None:
            raise DomainError(_("Unknown service type for hotspots."))
    else:
        st = ps.default_hotspot_type(db.session(), q, zone=zone)
    return ps.hotspots(
        db.session(),
        q,
        st,
        zone=zone,
        radius_m=_bounded_int("radius", 150, *RADIUS_RANGE),
        window_days=_bounded_int("window", 14, *WINDOW_RANGE),
    )


def _request_url_pattern() -> str | None:
    """'/requests/{id}' when the staff request page exists (dispatch), so map pins can link to it."""
    for rule in current_app.url_map.iter_rules():
        if re.fullmatch(r"/requests/<int:\w+>", rule.rule) and "GET" in (rule.methods or ()):
            return "/requests/{id}"
    return None


def _map(q: ps.PerformanceQuery, zone: ZoneInfo, hs: ps.HotspotReport) -> tuple[Any, int, int]:
    settings = get_settings()
    points, total = ps.open_points(db.session(), q, zone=zone)
    pattern = _request_url_pattern()
    pins = [
        Point(lat=p.lat, lon=p.lon, url=pattern.format(id=p.id) if pattern else "#", label=p.label, css_class="overdue" if p.overdue else "")
        for p in points
    ]
    m = build_map(settings, points=pins, districts=_districts(), bounds=city_bounds(db.session()))
    if hs.hotspots:
        add_tooltip_layer(m, hs.geojson(), name="Hotspots", field="label", style={"color": "#b3261e", "weight": 2, "fillColor": "#b3261e", "fillOpacity": 0.35})
    return render_map(m), len(points), total


_DISTRICTS_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}


def _districts() -> dict[str, Any]:
    """The district outlines for the map, simplified once per version of the districts (they rarely change)."""
    fingerprint = tuple(
        db.session.execute(sa.select(sa.func.count(District.id), sa.func.max(District.id), sa.func.sum(sa.func.length(District.geometry)))).one()
    )
    found = _DISTRICTS_CACHE.get(fingerprint)
    if found is None:
        _DISTRICTS_CACHE.clear()
        # A whole-city map: outlines to 15 m are as sharp as its pixels, and a third lighter than to 5 m.
        found = _DISTRICTS_CACHE[fingerprint] = districts_geojson(db.session(), simplify_m=15)
    return found


def _charts(report: ps.PerformanceReport) -> dict[str, Any]:
    labels = [format_skeleton("MMMd", w.start, locale=format_locale()) for w in report.weeks]
    top = [g for g in report.groups if g.key is not None or g.opened][:15]
    return {
        "volume": charts.line_chart(
            _("Requests opened and closed per week"),
            labels,
            [
                charts.Series(_("Opened"), [w.opened for w in report.weeks], "opened"),
                charts.Series(_("Closed"), [w.closed for w in report.weeks], "closed"),
            ],
        ),
        "on_time": charts.line_chart(
            _("Share of closures within target, per week"),
            labels,
            [charts.Series(_("Closed within target"), [w.on_time_share for w in report.weeks], "on-time")],
            percent=True,
        ),
        "share_by_group": charts.bar_chart(_("Within target, by group"), [(g.label, g.on_time_share) for g in top], percent=True),
        "median_by_group": charts.bar_chart(
            _("Median days to close, by group"), [(g.label, None if g.median_hours is None else g.median_hours / 24) for g in top], unit=" d"
        ),
    }


def _choices() -> dict[str, Any]:
    return {
        "departments": db.session.execute(sa.select(Department.id, Department.name).order_by(Department.name)).all(),
        "types": texts.type_choices(db.session()),
        "districts": db.session.execute(sa.select(District.id, District.name).order_by(District.kind, District.code)).all(),
    }


def _on_file(zone: ZoneInfo) -> tuple[dt.date, dt.date] | None:
    # Two statements: SQLite answers a lone min() or max() from the index, but both together by a full scan.
    first = db.session.scalar(sa.select(sa.func.min(ServiceRequest.created_at)))
    last = db.session.scalar(sa.select(sa.func.max(ServiceRequest.created_at)))
    if first is None or last is None:
        return None
    return first.astimezone(zone).date(), last.astimezone(zone).date()


def _presets(today: dt.date, on_file: tuple[dt.date, dt.date] | None) -> list[tuple[str, dt.date, dt.date]]:
    presets = [
        (_("Last 7 days"), today - dt.timedelta(days=6), today),
        (_("Last 30 days"), today - dt.timedelta(days=29), today),
        (_("Last 90 days"), today - dt.timedelta(days=89), today),
        (_("This year"), dt.date(today.year, 1, 1), today),
    ]
    if on_file:
        first, last = on_file
        first = max(first, last - dt.timedelta(days=ps.MAX_DAYS))
        presets.append((_("All on file"), first, last))
    return presets


@bp.route("/performance")
@roles_required(Role.SUPERVISOR)
def index() -> Response:
    zone = _zone()
    q = _query(zone)
    report = ps.performance_report(db.session(), q, zone=zone)
    hs = _hotspots(q, zone)
    map_parts, shown, total_open = _map(q, zone, hs)
    today = _today(zone)
    on_file = _on_file(zone)
    params: dict[str, Any] = {k: v for k, v in request.args.items() if v != ""}  # url_for values
    return render(
        "performance/index.html",
        "results",
        title=_("Performance"),
        q=q,
        report=report,
        hs=hs,
        map=map_parts,
        map_shown=shown,
        map_total=total_open,
        charts=_charts(report),
        choices=_choices(),
        presets=_presets(today, on_file),
        on_file=on_file,
        params=params,
        csv_url=lambda table: url_for("performance.table_csv", table=table, **params),
        radius=_bounded_int("radius", 150, *RADIUS_RANGE),
        window=_bounded_int("window", 14, *WINDOW_RANGE),
        G=ps.GroupBy,
        export_url=url_for("exports.requests_csv", **_export_params(q)) if "exports.requests_csv" in current_app.view_functions else None,
    )


def _export_params(q: ps.PerformanceQuery) -> dict[str, Any]:
    out = {"start": q.start.isoformat(), "end": q.end.isoformat()}
    for key, value in (("department", q.department_id), ("type", q.service_type_id), ("district", q.district_id)):
        if value is not None:
            out[key] = str(value)
    return out


# ---------------------------------------------------------------------------------------------- CSV


def _cell(value: object) -> object:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A downloadable CSV (UTF-8 with BOM so spreadsheets read accents right)."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    resp = Response(buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


SUMMARY_HEADER = (
    "group_by",
    "group",
    "opened",
    "closed",
    "open_at_end",
    "open_overdue",
    "median_hours_to_close",
    "p90_hours_to_close",
    "closed_with_target",
    "closed_within_target",
    "open_past_target_due_in_period",
    "share_within_target",
    "visits_reached",
    "satisfaction_avg",
    "resolution_answers",
    "resolved_yes",
    "resolved_share",
)


def summary_rows(report: ps.PerformanceReport) -> list[list[object]]:
    """The summary table as CSV rows, the total last."""
    rows: list[list[object]] = []
    for g in [*report.groups, report.total]:
        rows.append(
            [
                report.query.group_by.value if g is not report.total else "all",
                g.label,
                g.opened,
                g.closed,
                g.open,
                g.open_overdue,
                g.median_hours,
                g.p90_hours,
                g.closed_with_target,
                g.closed_on_time,
                g.open_late,
                g.on_time_share,
                g.visits_reached,
                g.satisfaction,
                g.resolution_answers,
                g.resolution_yes,
                g.resolved_share,
            ]
        )
    return rows


@bp.route("/performance/<table>.csv")
@roles_required(Role.SUPERVISOR)
def table_csv(table: str) -> Response:
    if table not in TABLES:
        raise NotFound(_("There is no table %(name)s; choose one of %(names)s.", name=table, names=", ".join(TABLES)))
    zone = _zone()
    q = _query(zone)
    stem = f"performance-{table}-{q.start.isoformat()}-{q.end.isoformat()}"
    if table == "hotspots":
        hs = _hotspots(q, zone)
        return csv_response(
            f"{stem}.csv",
            ("rank", "service_type", "place", "district", "reports", "peak_reports", "peak_from", "peak_to", "first", "last", "latitude", "longitude", "radius_m", "window_days"),
            (
                [h.rank, hs.service_type.name if hs.service_type else "", h.place, h.district, h.reports, h.peak, h.peak_start, h.peak_end, h.first, h.last, h.centroid[0], h.centroid[1], hs.radius_m, hs.window_days]
                for h in hs.hotspots
            ),
        )
    report = ps.performance_report(db.session(), q, zone=zone)
    if table == "trend":
        return csv_response(
            f"{stem}.csv",
            ("week_starting", "opened", "closed", "closed_with_target", "closed_within_target", "share_within_target"),
            ([w.start, w.opened, w.closed, w.closed_with_target, w.closed_on_time, w.on_time_share] for w in report.weeks),
        )
    return csv_response(f"{stem}-by-{q.group_by.value}.csv", SUMMARY_HEADER, summary_rows(report))
