"""Time the performance view (CitiStat) over 36,000 and 360,000 requests on a fresh SQLite database.

Builds a temporary database, imports the real 36,000-row Boston 311 sample (2015) with the importer (timed),
then grows it to 360,000 requests by copying the sample nine times with its dates shifted by k x 52 weeks
(k = 1..9, weekdays kept; one INSERT ... SELECT per copy): ten years of Boston-sized history, 2015-2024.
With --dense the copies are shifted by k days instead, so a single one-year period holds all 360,000
requests: the worst case for one page (a city ten times Boston's volume looking at a whole year).

For each database it times, cold (first call) and warm (median of the next runs):
  - the service (figures grouped by department, service type and district, with weekly trend),
  - hotspots (rodent reports, shapely) and the open-request map points,
  - the supervisors' triage nav badge (shown on every page): the whole count against the capped one,
  - the full HTTP GET of /performance through the Flask test client signed in as a supervisor
    (figures + charts + folium map + hotspots + template), and the htmx fragment a filter change fetches.

    .venv/bin/python bench/dashboard_bench.py                # 36,000, then 360,000 over ten years
    .venv/bin/python bench/dashboard_bench.py --dense        # also 360,000 in one year
    .venv/bin/python bench/dashboard_bench.py --sizes 36000
    FIELDOPS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_db .venv/bin/python bench/dashboard_bench.py
      (PostgreSQL: the bench empties that database first)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldops import create_app  # noqa: E402
from fieldops.settings import Settings  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "boston311_2015_sample36k.csv.gz"
WARDS = ROOT.parent / "shared" / "data" / "boston_wards_2012-2022.geojson"
PASSWORD = "bench-password-123"


def build(app, copies: int, shift_days: int) -> None:  # type: ignore[no-untyped-def]
    """Import the sample, then add `copies` shifted copies of every request (Core INSERT ... SELECT)."""
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user
    from fieldops.cli import upgrade_database
    from fieldops.districts.services import import_districts, load_geojson
    from fieldops.extensions import db
    from fieldops.imports.services import import_requests
    from fieldops.servicerequests.models import ServiceRequest

    with app.app_context():
        upgrade_database()
        s = db.session
        import_districts(s, load_geojson(WARDS), kind="ward", code_property="WARD", name_prefix="Ward ")
        create_user(s, username="bench-sup", full_name="Bench Supervisor", password=PASSWORD, role=Role.SUPERVISOR)
        s.commit()
        started = time.perf_counter()
        summary = import_requests(s, None, SAMPLE, timezone="America/New_York")
        s.commit()
        print(f"import of {summary.rows:,} rows: {time.perf_counter() - started:.1f} s "
              f"({summary.imported:,} imported, {summary.imported_with_warnings:,} with warnings, {summary.rejected_total:,} rejected)")
        if copies:
            started = time.perf_counter()
            _copy(s, copies, shift_days)
            s.commit()
            n = s.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))
            print(f"copied to {n:,} requests: {time.perf_counter() - started:.1f} s")
        s.execute(sa.text("ANALYZE"))  # fresh statistics, as a production database has
        s.commit()


def _copy(session, copies: int, shift_days: int) -> None:  # type: ignore[no-untyped-def]
    from fieldops.servicerequests.models import ServiceRequest

    t = ServiceRequest.__table__
    dialect = session.get_bind().dialect.name
    skip = {"id", "tracking_number", "external_id", "created_at", "updated_at", "sla_started_at", "due_at", "closed_at"}
    same = [c for c in t.columns if c.name not in skip]
    for k in range(1, copies + 1):
        def shifted(col):  # type: ignore[no-untyped-def]
            if dialect == "postgresql":
                return col + sa.text(f"interval '{k * shift_days} days'")
            # Keep SQLAlchemy's text format (microseconds included) so comparisons stay exact.
            return sa.case((col.is_(None), None), else_=sa.func.strftime("%Y-%m-%d %H:%M:%S", col, f"+{k * shift_days} days", type_=sa.String).concat(sa.func.substr(col, 20, type_=sa.String)))

        cols = [
            *same,
            (sa.literal(f"B{k}-") + sa.cast(t.c.id, sa.String)).label("tracking_number"),
            (t.c.external_id + sa.literal(f":copy{k}")).label("external_id"),
            *(shifted(t.c[name]).label(name) for name in ("created_at", "updated_at", "sla_started_at", "due_at", "closed_at")),
        ]
        src = sa.select(*cols).where(~t.c.external_id.like("%:copy%"))
        session.execute(sa.insert(t).from_select([c.name if hasattr(c, "name") else c.key for c in cols], src))


def _timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm)


def measure(app, label: str, period: tuple[str, str], runs: int) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db
    from fieldops.performance import services as ps

    zone = ZoneInfo("America/New_York")
    with app.app_context():
        n = db.session.scalar(sa.text("SELECT count(*) FROM service_request"))
        start, end = (dt.date.fromisoformat(d) for d in period)
        in_period = db.session.scalar(
            sa.text("SELECT count(*) FROM service_request WHERE created_at >= :a AND created_at < :b"),
            {"a": dt.datetime.combine(start, dt.time()), "b": dt.datetime.combine(end + dt.timedelta(days=1), dt.time())},
        )
        print(f"\n{label}: {n:,} requests in the database, period {period[0]}..{period[1]} (about {in_period:,} opened in it)")
        for group in ("department", "type", "district"):
            q = ps.make_query(start=period[0], end=period[1], group_by=group, today=dt.date.today())

            def service(q=q) -> None:  # type: ignore[no-untyped-def]
                ps.performance_report(db.session, q, zone=zone)
                db.session.rollback()

            cold, warm = _timed(service, runs)
            print(f"  service, by {group:<10}  cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")
        q = ps.make_query(start=period[0], end=period[1], group_by="department", today=dt.date.today())

        def extras() -> None:
            st = ps.default_hotspot_type(db.session, q, zone=zone)
            ps.hotspots(db.session, q, st, zone=zone)
            ps.open_points(db.session, q, zone=zone)
            db.session.rollback()

        cold, warm = _timed(extras, runs)
        print(f"  hotspots + map points      cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")

        # The supervisors' nav badge, on every page they open: the whole count against the capped one.
        from fieldops.dispatch import services as ds

        waiting = ds.triage_count(db.session)
        cold, warm = _timed(lambda: ds.triage_count(db.session), runs)
        print(f"  triage count, all {waiting:>7,}  cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")
        badge = ds.triage_badge(db.session)
        cold, warm = _timed(lambda: ds.triage_badge(db.session), runs)
        print(f"  triage nav badge ({badge:>5})  cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")

    client = app.test_client()
    with app.app_context():
        token_page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', token_page).group(1)  # type: ignore[union-attr]
    resp = client.post("/login", data={"username": "bench-sup", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    for group in ("department", "type", "district"):
        url = f"/performance?start={period[0]}&end={period[1]}&group={group}"

        def page(url=url) -> None:  # type: ignore[no-untyped-def]
            r = client.get(url)
            assert r.status_code == 200, r.status_code

        cold, warm = _timed(page, runs)
        print(f"  GET page, by {group:<10}  cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")
    url = f"/performance?start={period[0]}&end={period[1]}&group=type"

    def fragment() -> None:
        r = client.get(url, headers={"HX-Request": "true"})
        assert r.status_code == 200

    cold, warm = _timed(fragment, runs)
    print(f"  GET htmx fragment (type)   cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="36000,360000", help="comma separated: 36000 and/or 360000")
    parser.add_argument("--dense", action="store_true", help="also 360,000 requests within one year (worst case)")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per figure (median shown)")
    args = parser.parse_args()
    plans: list[tuple[str, int, int, list[tuple[str, str]]]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        copies = max(0, round(size / 36000) - 1)
        if copies == 0:
            plans.append((f"{size:,} requests (2015)", 0, 0, [("2015-01-01", "2015-12-31"), ("2015-12-01", "2015-12-31")]))
        else:
            # Copy k is 2015 moved k x 52 weeks on: the last copy is 2024.
            plans.append(
                (f"{size:,} requests over ten years", copies, 364, [("2024-01-01", "2024-12-31"), ("2022-01-01", "2024-12-31"), ("2024-12-01", "2024-12-31")])
            )
    if args.dense:
        plans.append(("360,000 requests in one year (dense)", 9, 1, [("2015-01-01", "2016-01-10")]))
    pg_url = os.environ.get("FIELDOPS_BENCH_DATABASE_URL")
    for label, copies, shift, periods in plans:
        with tempfile.TemporaryDirectory(prefix="fieldops-dash-") as tmp:
            url = pg_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            if pg_url:
                import fieldops.models  # noqa: F401
                from fieldops.db import Base

                engine = sa.create_engine(pg_url)
                with engine.begin() as conn:
                    Base.metadata.drop_all(conn)
                    conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
                engine.dispose()
            settings = Settings(instance_path=Path(tmp), database_url=url, secret_key="bench", storage_path=Path(tmp) / "storage")
            app = create_app(settings)
            print(f"\n=== {label} on {sa.engine.make_url(url).get_backend_name()} ===")
            build(app, copies, shift)
            for period in periods:
                measure(app, label, period, args.runs)
            with app.app_context():
                from fieldops.extensions import db

                db.engine.dispose()


if __name__ == "__main__":
    main()
