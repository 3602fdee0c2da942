"""Time giving open requests new due times after a service standard or calendar change (20,000 open requests).

Fills a fresh database through SQLAlchemy Core: 10 service types (8 counting business hours or days in the
city calendar, 2 wall-clock hours), --open open requests from the last 30 days with one open work order each
following the request's due time, and --closed closed requests that must not move. Then times:
  1. the service after every type's target changed (all open requests of all types get a new due time);
  2. the same run again with nothing left to change (the cost of checking alone);
  3. the standards page end to end: POST a holiday inside the open requests' windows as a supervisor through
     the Flask test client (recompute, history, commit and the page fragment), the count read from the flash;
  4. the console command `fieldops sla-recompute --type CODE` for one type.
For each it prints the wall time, requests per second and the number of SQL statements sent (an executemany
counts once), which shows the work is batched, not one query per row.

    .venv/bin/python bench/sla_recompute_bench.py                    # SQLite file in a temp folder
    .venv/bin/python bench/sla_recompute_bench.py --open 100000
    .venv/bin/python bench/sla_recompute_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_sla

A PostgreSQL database given with --database-url is emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldops import create_app  # noqa: E402
from fieldops.settings import Settings  # noqa: E402

PASSWORD = "bench-password-123"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# code, unit, value: the business types count in the city default calendar.
TYPES = [
    ("pothole", "business_hours", 48), ("streetlight", "business_days", 5), ("sidewalk", "business_days", 10),
    ("litter-basket", "business_hours", 16), ("dead-animal", "business_hours", 8), ("graffiti", "business_days", 7),
    ("bulk-item", "business_days", 3), ("rodent", "business_days", 5), ("tree", "hours", 240), ("sign", "hours", 72),
]


@contextmanager
def counted(engine: sa.Engine) -> Iterator[list[int]]:
    """Count the SQL statements sent while the block runs."""
    box = [0]

    def count(*_args: object) -> None:
        box[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def fill(app, open_count: int, closed_count: int, rng: random.Random) -> dt.datetime:  # type: ignore[no-untyped-def]
    """Migrate and fill the database; returns 'now'."""
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user
    from fieldops.catalog.models import ServiceType, SlaUnit
    from fieldops.cli import upgrade_database
    from fieldops.db import Base
    from fieldops.extensions import db
    from fieldops.sla.services import compute_due, default_calendar

    url = str(db.engine.url)
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_database()
    s = db.session
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.perf_counter()
    create_user(s, username="bench-sup", full_name="Bench Supervisor", password=PASSWORD, role=Role.SUPERVISOR)
    md = Base.metadata
    t = {name: md.tables[name] for name in ("department", "service_type", "service_request", "work_order", "activity")}
    s.execute(t["department"].insert(), [{"id": 1, "code": "PWD", "name": "Public Works"}])
    s.execute(
        t["service_type"].insert(),
        [
            {"id": i + 1, "code": code, "name": code.replace("-", " ").title(), "department_id": 1, "group": "Streets", "description": "",
             "keywords": "", "sla_hours": 72, "sla_unit": unit, "sla_value": value, "sla_on_transfer": "continue", "requires_before_photo": False,
             "requires_after_photo": False, "followup_policy": "never", "followup_sample_percent": 0, "followup_delay_hours": 48,
             "duplicate_radius_m": 50, "duplicate_window_hours": 168, "active": True}
            for i, (code, unit, value) in enumerate(TYPES)
        ],
    )
    default_calendar(s, now=now)
    types = {st.id: st for st in s.scalars(sa.select(ServiceType))}
    assert all(st.sla_unit in SlaUnit for st in types.values())
    used: set[str] = set()
    batch = 10_000
    rid = wo_id = act_id = 0
    total = open_count + closed_count
    for start in range(0, total, batch):
        reqs, wos, acts = [], [], []
        for i in range(start, min(start + batch, total)):
            rid += 1
            is_open = i < open_count
            type_id = rng.randrange(1, len(TYPES) + 1)
            created = now - dt.timedelta(seconds=rng.uniform(0, 30 * 86400))
            due = compute_due(s, types[type_id], created)
            closed_at = None if is_open else min(now, created + dt.timedelta(hours=rng.uniform(1, 200)))
            reqs.append({
                "id": rid, "tracking_number": _tracking(used, rng), "service_type_id": type_id, "description": "Reported by a resident",
                "latitude": 42.33 + rng.random() * 0.08, "longitude": -71.13 + rng.random() * 0.1, "address": f"{rng.randrange(1, 400)} Main St",
                "channel": rng.choice(["phone", "app", "web", "open311"]), "status": "open" if is_open else "closed",
                "resident_name": "", "resident_phone": "", "resident_email": "", "resident_language": "en", "contact_consent": False,
                "attributes": {}, "media_url": "", "device_id": "", "closure_reason": "", "department_id": 1,
                "created_at": created, "updated_at": closed_at or created, "sla_started_at": created, "due_at": due, "closed_at": closed_at,
            })
            act_id += 1
            acts.append({"id": act_id, "request_id": rid, "work_order_id": None, "verb": "request:created", "summary": "created", "detail_json": "{}", "created_at": created})
            wo_id += 1
            wos.append({"id": wo_id, "request_id": rid, "priority": 3, "status": "assigned" if is_open else "completed", "due_at": due, "instructions": "",
                        "resolution": "", "unable_reason": "", "created_at": created, "updated_at": closed_at or created, "completed_at": closed_at, "version": 1})
        s.execute(t["service_request"].insert(), reqs)
        s.execute(t["work_order"].insert(), wos)
        s.execute(t["activity"].insert(), acts)
    s.commit()
    if url.startswith("postgresql"):
        for name in ("service_request", "work_order", "activity", "department", "service_type"):
            s.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    s.execute(sa.text("ANALYZE"))
    s.commit()
    print(f"Stored {open_count:,} open and {closed_count:,} closed requests with a work order each in {time.perf_counter() - started:.1f} s")
    return now


def _tracking(used: set[str], rng: random.Random) -> str:
    while True:
        chars = "".join(rng.choice(ALPHABET) for _ in range(8))
        value = f"{chars[:4]}-{chars[4:]}"
        if value not in used:
            used.add(value)
            return value


def _line(label: str, seconds: float, examined: int, changed: int, statements: int) -> None:
    rate = examined / seconds if seconds else 0.0
    print(f"{label:<58} {seconds:>7.2f} s  {examined:>7,} open  {changed:>7,} moved  {rate:>8,.0f} req/s  {statements:>5} SQL")


def run(app, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    from fieldops.catalog.models import ServiceType, SlaUnit
    from fieldops.extensions import db
    from fieldops.servicerequests.models import ServiceRequest
    from fieldops.sla.recompute import recompute_open_due_times
    from fieldops.sla.services import city_zone, default_calendar

    s = db.session
    engine = db.engine
    print(f"\n{'step':<58} {'wall':>9}  {'examined':>12}  {'changed':>13}  {'rate':>12}  {'statements':>9}")

    # 1. every type's target changes (one more unit), then one recompute of all types.
    for st in s.scalars(sa.select(ServiceType)):
        st.sla_value = (st.sla_value or st.sla_hours) + 1
    s.flush()
    with counted(engine) as n:
        started = time.perf_counter()
        result = recompute_open_due_times(s, None, reason="bench: every target + 1", now=now)
        s.commit()
        elapsed = time.perf_counter() - started
    _line("1. service: all types' targets changed", elapsed, result.examined, result.changed, n[0])
    print(f"   work orders moved with their requests: {result.work_orders:,}")

    # 2. nothing left to change.
    with counted(engine) as n:
        started = time.perf_counter()
        result = recompute_open_due_times(s, None, reason="bench: no change", now=now)
        s.commit()
        elapsed = time.perf_counter() - started
    _line("2. service: same again, nothing to change", elapsed, result.examined, result.changed, n[0])

    # 3. the page: a holiday tomorrow-or-later (next weekday) in the city calendar, as a supervisor.
    cal = default_calendar(s)
    day = now.astimezone(city_zone()).date() + dt.timedelta(days=1)
    holidays = {h.day for h in cal.holidays}
    while day.isoweekday() > 5 or day in holidays:
        day += dt.timedelta(days=1)
    cal_id = cal.id
    s.commit()
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"username": "bench-sup", "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = client.get("/sla").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    with counted(engine) as n:
        started = time.perf_counter()
        resp = client.post(f"/sla/calendars/{cal_id}/holidays", data={"csrf_token": token, "day": day.isoformat(), "name": "Bench closure"}, headers={"HX-Request": "true"})
        elapsed = time.perf_counter() - started
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    match = re.search(r"([\d,]+) open requests? ha(?:s|ve) a new due time", html)
    moved = int(match.group(1).replace(",", "")) if match else 0
    open_business = s.scalar(
        sa.select(sa.func.count(ServiceRequest.id)).join(ServiceType).where(ServiceRequest.status == "open", ServiceType.sla_unit != SlaUnit.HOURS)
    )
    _line(f"3. page: POST holiday {day.isoformat()} (htmx, end to end)", elapsed, int(open_business or 0), moved, n[0])

    # 4. the console command for one type.
    runner = app.test_cli_runner()
    for st in s.scalars(sa.select(ServiceType).where(ServiceType.code == "pothole")):
        st.sla_value = (st.sla_value or 0) + 8
    s.commit()
    with counted(engine) as n:
        started = time.perf_counter()
        out = runner.invoke(args=["sla-recompute", "--type", "pothole"])
        elapsed = time.perf_counter() - started
    assert out.exit_code == 0, out.output
    numbers = re.match(r"([\d,]+) of ([\d,]+)", out.output)
    changed, examined = (int(numbers.group(1)), int(numbers.group(2))) if numbers else (0, 0)
    _line("4. fieldops sla-recompute --type pothole", elapsed, examined, changed, n[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=20_000, help="open requests (default 20,000)")
    parser.add_argument("--closed", type=int, default=20_000, help="closed requests, which must not move (default 20,000)")
    parser.add_argument("--database-url", default=os.environ.get("FIELDOPS_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    rng = random.Random(311)
    with tempfile.TemporaryDirectory(prefix="sla-recompute-bench-") as tmp:
        instance = Path(tmp)
        url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
        settings = Settings(instance_path=instance, database_url=url, secret_key="bench", storage_path=instance / "storage")
        app = create_app(settings)
        with app.app_context():
            print(f"=== {args.open:,} open requests on {sa.engine.make_url(url).get_backend_name()} ===")
            now = fill(app, args.open, args.closed, rng)
            run(app, now)
            from fieldops.extensions import db

            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
