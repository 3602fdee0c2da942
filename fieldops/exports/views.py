"""/exports/requests.csv|geojson and /exports/work-orders.csv|geojson, streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, request, stream_with_context

from fieldops import get_settings
from fieldops.catalog import texts
from fieldops.accounts.models import Role
from fieldops.catalog.models import Department, ServiceType
from fieldops.districts.models import District
from fieldops.exports import services
from fieldops.extensions import db
from fieldops.web.access import roles_required
from fieldops.web.htmx import render

bp = Blueprint("exports", __name__)

def _cell(value: object) -> object:
    if isinstance(value, str):
        return services.spreadsheet_text(value)
    if value is None:
        return ""
    if value is True or value is False:
        return "yes" if value else "no"
    return value


def _stream_csv(columns: Sequence[str], rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")  # BOM: spreadsheets then read the file as UTF-8
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(row[c]) for c in columns])
        if n % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _stream_geojson(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    chunk: list[str] = []
    first = True
    for row in rows:
        lat, lon = row.pop("latitude"), row.pop("longitude")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        feature = json.dumps({"type": "Feature", "id": row["id"], "geometry": geometry, "properties": row}, separators=(",", ":"), default=str)
        chunk.append(feature if first else "," + feature)
        first = False
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]}"


def _download(name: str, fmt: str, columns: Sequence[str], rows_for: Callable[[services.ExportFilter, ZoneInfo], Iterator[dict[str, Any]]]) -> Response:
    zone = ZoneInfo(get_settings().timezone)
    f = services.parse_filter(request.args)
    rows = rows_for(f, zone)  # raises on a bad filter before the response starts
    parts = [name]
    if f.start or f.end:
        parts.append(f"{f.start or 'start'}-{f.end or 'now'}")
    filename = "-".join(str(p) for p in parts) + f".{fmt}"
    if fmt == "csv":
        body = _stream_csv(columns, rows)
        mimetype = "text/csv"
    else:
        body = _stream_geojson(rows)
        mimetype = "application/geo+json"
    resp = Response(stream_with_context(body), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _requests(f: services.ExportFilter, zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    return services.request_rows(db.session(), f, zone=zone)


def _work_orders(f: services.ExportFilter, zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    return services.work_order_rows(db.session(), f, zone=zone)


@bp.route("/exports/requests.csv")
@roles_required(Role.SUPERVISOR)
def requests_csv() -> Response:
    return _download("requests", "csv", services.REQUEST_COLUMNS, _requests)


@bp.route("/exports/requests.geojson")
@roles_required(Role.SUPERVISOR)
def requests_geojson() -> Response:
    return _download("requests", "geojson", services.REQUEST_COLUMNS, _requests)


@bp.route("/exports/work-orders.csv")
@roles_required(Role.SUPERVISOR)
def work_orders_csv() -> Response:
    return _download("work-orders", "csv", services.WORK_ORDER_COLUMNS, _work_orders)


@bp.route("/exports/work-orders.geojson")
@roles_required(Role.SUPERVISOR)
def work_orders_geojson() -> Response:
    return _download("work-orders", "geojson", services.WORK_ORDER_COLUMNS, _work_orders)


@bp.route("/exports")
@roles_required(Role.SUPERVISOR)
def index() -> Response:
    return render(
        "exports/index.html",
        None,
        title="Exports",
        departments=db.session.execute(sa.select(Department.id, Department.name).order_by(Department.name)).all(),
        types=texts.type_choices(db.session()),
        districts=db.session.execute(sa.select(District.id, District.name).order_by(District.kind, District.code)).all(),
        work_order_statuses=list(services.WORK_ORDER_STATUS_FILTERS),
        args=request.args,
    )
