"""Performance figures over the imported Boston sample match a computation made independently from the file."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from fieldops import create_app
from fieldops.db import Base
from fieldops.settings import Settings
from fieldops.performance import services as ps
from data_files import data_file, shared_file

BOSTON = ZoneInfo("America/New_York")
# The whole sample: the figures are checked against an independent count of it (../shared/data).
SAMPLE = "boston311_2015_sample36k.csv.gz"
FMT = "%m/%d/%Y %I:%M:%S %p"


@pytest.fixture(scope="module")
def boston(database_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One import of the whole sample for every test here (it takes a few seconds); emptied afterwards."""
    from fieldops.districts.services import import_districts, load_geojson
    from fieldops.extensions import db
    from fieldops.imports.services import import_requests

    sample = shared_file(SAMPLE)  # skip before building anything
    instance = tmp_path_factory.mktemp("perf")
    settings = Settings(instance_path=instance, database_url=database_url, secret_key="test-secret-key-not-for-production", storage_path=instance / "storage", testing=True)
    app = create_app(settings)
    with app.app_context():
        import_districts(db.session, load_geojson(data_file("boston_wards_2012-2022.geojson")), kind="ward", code_property="WARD", name_prefix="Ward ")
        summary = import_requests(db.session, None, sample)
        db.session.commit()
        assert summary.imported == 36_000
        yield app
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:  # as tests/conftest.py empties tables after each test
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())
        db.engine.dispose()


def local(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, FMT).replace(tzinfo=BOSTON).astimezone(dt.UTC)


def expected_by_type(start: dt.date, end: dt.date, now: dt.datetime) -> dict[str, dict[str, object]]:
    """The figures by TYPE, from the CSV, with the definitions in the page's notes (no fieldops code)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=BOSTON).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=BOSTON).astimezone(dt.UTC)
    as_of = min(hi, now)
    acc: dict[str, dict[str, object]] = defaultdict(lambda: {"opened": 0, "closed": 0, "open": 0, "overdue": 0, "hours": [], "judged": 0, "on_time": 0})
    with gzip.open(shared_file(SAMPLE), "rt", encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            a = acc[" ".join(rec["TYPE"].split())]  # the importer tidies runs of spaces in names
            opened = local(rec["OPEN_DT"])
            closed = local(rec["CLOSED_DT"]) if rec["CLOSED_DT"] else None
            if closed is not None and closed < opened:
                closed = None  # closed-before-opened: the close time is not believed
            due = local(rec["TARGET_DT"]) if rec["TARGET_DT"] else None
            if lo <= opened < hi:
                a["opened"] += 1
            if closed is not None and lo <= closed < hi:
                a["closed"] += 1
                a["hours"].append((closed - opened).total_seconds() / 3600)
                if due is not None:
                    a["judged"] += 1
                    a["on_time"] += closed <= due
            is_open = opened < as_of and (rec["CASE_STATUS"] == "Open" or (closed is not None and closed >= as_of))
            if is_open:
                a["open"] += 1
                if due is not None and due < as_of:
                    a["overdue"] += 1
                    if due >= lo:
                        a["judged"] += 1  # open past its target, due in the period: late
    return acc


def _p90(xs: list[float]) -> float:
    return xs[0] if len(xs) == 1 else statistics.quantiles(xs, n=10, method="inclusive")[8]


@pytest.mark.parametrize(("start", "end"), [(dt.date(2015, 1, 1), dt.date(2015, 12, 31)), (dt.date(2015, 3, 1), dt.date(2015, 3, 31))])
def test_per_type_figures_match_an_independent_computation(boston, start, end) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    now = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    report = ps.performance_report(db.session, ps.PerformanceQuery(start, end, ps.GroupBy.TYPE), zone=BOSTON, now=now)
    expected = expected_by_type(start, end, now)
    got = {g.label: g for g in report.groups}
    checked = 0
    for name, e in expected.items():
        if not (e["opened"] or e["closed"] or e["open"]):
            assert name not in got
            continue
        g = got[name]
        assert (g.opened, g.closed, g.open, g.open_overdue) == (e["opened"], e["closed"], e["open"], e["overdue"]), name
        hours = e["hours"]
        if hours:
            assert g.median_hours == pytest.approx(statistics.median(hours), abs=1e-3), name
            assert g.p90_hours == pytest.approx(_p90(hours), abs=1e-3), name
            checked += 1
        else:
            assert g.median_hours is None and g.p90_hours is None
        if e["judged"]:
            assert g.on_time_share == pytest.approx(e["on_time"] / e["judged"]), name
        else:
            assert g.on_time_share is None
    assert checked > 50
    all_hours = [h for e in expected.values() for h in e["hours"]]
    assert report.total.median_hours == pytest.approx(statistics.median(all_hours), abs=1e-3)
    assert report.total.p90_hours == pytest.approx(_p90(all_hours), abs=1e-3)
    assert report.total.opened == sum(e["opened"] for e in expected.values())
    # The weeks add up to the period's totals.
    assert sum(w.opened for w in report.weeks) == report.total.opened
    assert sum(w.closed for w in report.weeks) == report.total.closed


def test_groupings_agree_on_the_totals(boston) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    q = dict(start=dt.date(2015, 6, 1), end=dt.date(2015, 8, 31))
    totals = []
    for group in ps.GroupBy:
        r = ps.performance_report(db.session, ps.PerformanceQuery(group_by=group, **q), zone=BOSTON)
        t = r.total
        totals.append((t.opened, t.closed, t.open, t.open_overdue, t.judged, t.closed_on_time, round(t.median_hours, 6)))
        assert sum(g.opened for g in r.groups) == t.opened
    assert len(set(totals)) == 1


def test_filters_narrow_every_figure(boston) -> None:  # type: ignore[no-untyped-def]
    from fieldops.catalog.models import ServiceType
    from fieldops.extensions import db

    rodent = db.session.scalar(sa.select(ServiceType).where(ServiceType.name == "Rodent Activity"))
    q = ps.PerformanceQuery(dt.date(2015, 1, 1), dt.date(2015, 12, 31), ps.GroupBy.DISTRICT, service_type_id=rodent.id)
    r = ps.performance_report(db.session, q, zone=BOSTON, now=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    e = expected_by_type(q.start, q.end, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))["Rodent Activity"]
    assert (r.total.opened, r.total.closed, r.total.open) == (e["opened"], e["closed"], e["open"])
    assert r.total.median_hours == pytest.approx(statistics.median(e["hours"]), abs=1e-3)


def test_rodent_hotspots_cluster_by_place_and_time(boston) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    q = ps.PerformanceQuery(dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    st = ps.default_hotspot_type(db.session, q, zone=BOSTON)
    assert st is not None and st.name == "Rodent Activity"
    report = ps.hotspots(db.session, q, st, zone=BOSTON, radius_m=150, window_days=14)
    assert report.points == 612  # 645 rodent reports, 33 at the default City Hall point
    assert report.hotspots, "Boston's 2015 rodent reports have hotspots"
    peaks = [(h.peak, h.reports) for h in report.hotspots]
    assert peaks == sorted(peaks, key=lambda p: (-p[0], -p[1]))
    top = report.hotspots[0]
    assert top.peak >= 3 and (top.peak_end - top.peak_start).days < 14 and top.reports >= top.peak
    # Check the top place by hand: its reports really lie within a chain of 150 m and its peak window holds them.
    from fieldops.servicerequests.models import ServiceRequest

    rows = db.session.execute(sa.select(ServiceRequest.created_at).where(ServiceRequest.id.in_(top.request_ids)).order_by(ServiceRequest.created_at)).scalars().all()
    days = [r.astimezone(BOSTON).date() for r in rows]
    in_peak = [d for d in days if top.peak_start <= d <= top.peak_end]
    assert len(in_peak) >= top.peak
    geo = report.geojson()
    assert geo["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0][:2] if geo["features"][0]["geometry"]["type"] == "Polygon" else geo["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 42.2 < lat < 42.45 and -71.2 < lon < -70.95
    # A wider window can only raise a place's peak.
    wider = ps.hotspots(db.session, q, st, zone=BOSTON, radius_m=150, window_days=60)
    assert wider.hotspots[0].peak >= top.peak


def test_open_points_put_the_most_overdue_first(boston) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    q = ps.PerformanceQuery(dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    points, total = ps.open_points(db.session, q, zone=BOSTON, limit=100)
    assert len(points) == 100 and total > 100
    assert all(p.overdue for p in points)
