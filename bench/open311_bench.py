"""GET /open311/v2/requests.json over 100,000 stored requests, under concurrent local load.

Fills a database with 100,000 requests over the last year (with their history and closed work orders)
through SQLAlchemy Core, starts the production server (`fieldops serve`, waitress) in its own process,
and runs 8 client threads, each with a keep-alive connection, over a mix of the queries Open311
clients make. Prints p50/p95/p99 latency overall and per query, and requests per second.

    .venv/bin/python bench/open311_bench.py                       # SQLite file in a temp folder
    .venv/bin/python bench/open311_bench.py --seconds 10 --requests 20000
    .venv/bin/python bench/open311_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_open311

A PostgreSQL database given with --database-url is emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldops import create_app  # noqa: E402
from fieldops.settings import Settings  # noqa: E402

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODES = ["pothole", "streetlight", "sidewalk", "litter-basket", "dead-animal", "graffiti", "bulk-item", "rodent", "tree", "sign"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tracking(used: set[str], rng: random.Random) -> str:
    while True:
        chars = "".join(rng.choice(ALPHABET) for _ in range(8))
        value = f"{chars[:4]}-{chars[4:]}"
        if value not in used:
            used.add(value)
            return value


def fill(url: str, instance: Path, count: int, rng: random.Random) -> tuple[list[str], dt.datetime]:
    """Migrate and fill the database; returns the tracking numbers and 'now'."""
    settings = Settings(instance_path=instance, database_url=url, secret_key="bench", storage_path=instance / "storage")
    app = create_app(settings)
    with app.app_context():
        from fieldops.cli import upgrade_database
        from fieldops.db import Base
        from fieldops.extensions import db

        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade_database()
        engine = db.engine
        md = Base.metadata
        t = {name: md.tables[name] for name in ("department", "service_type", "service_request", "work_order", "activity")}
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(t["department"].insert(), [{"id": 1, "code": "PWD", "name": "Public Works"}])
            conn.execute(
                t["service_type"].insert(),
                [
                    {"id": i + 1, "code": code, "name": code.replace("-", " ").title(), "department_id": 1, "group": "Streets", "description": "",
                     "keywords": "", "sla_hours": 72, "sla_unit": "hours", "sla_on_transfer": "continue", "requires_before_photo": False,
                     "requires_after_photo": False, "followup_policy": "never", "followup_sample_percent": 0, "followup_delay_hours": 48,
                     "duplicate_radius_m": 50, "duplicate_window_hours": 168, "active": True}
                    for i, code in enumerate(CODES)
                ],
            )
        used: set[str] = set()
        tracking: list[str] = []
        batch = 10_000
        wo_id = act_id = 0
        for start in range(0, count, batch):
            reqs, wos, acts = [], [], []
            for i in range(start, min(start + batch, count)):
                created = now - dt.timedelta(seconds=rng.uniform(0, 365 * 86400))
                closed = created < now - dt.timedelta(days=3) and rng.random() < 0.75
                closed_at = created + dt.timedelta(hours=rng.uniform(2, 200)) if closed else None
                if closed_at is not None and closed_at > now:
                    closed_at = now
                updated = closed_at or created + dt.timedelta(minutes=rng.uniform(0, 600))
                number = _tracking(used, rng)
                tracking.append(number)
                rid = i + 1
                reqs.append({
                    "id": rid, "tracking_number": number, "service_type_id": rng.randrange(1, len(CODES) + 1),
                    "description": "Reported by a resident: " + rng.choice(["deep hole", "light flickering", "needs attention", "blocked path"]),
                    "latitude": 42.33 + rng.random() * 0.08, "longitude": -71.13 + rng.random() * 0.1,
                    "address": f"{rng.randrange(1, 400)} Main St, Boston, MA 021{rng.randrange(10, 40)}", "channel": rng.choice(["phone", "app", "web", "open311"]),
                    "status": "closed" if closed else "open", "resident_name": "", "resident_phone": "", "resident_email": "", "resident_language": "en",
                    "contact_consent": False, "attributes": {}, "media_url": "", "device_id": "", "closure_reason": "",
                    "created_at": created, "updated_at": min(updated, now), "sla_started_at": created, "due_at": created + dt.timedelta(hours=72),
                    "closed_at": closed_at, "department_id": 1,
                })
                act_id += 1
                acts.append({"id": act_id, "request_id": rid, "work_order_id": None, "verb": "request:created", "summary": "created", "detail_json": "{}", "created_at": created})
                if closed:
                    wo_id += 1
                    wos.append({"id": wo_id, "request_id": rid, "priority": 3, "status": "completed", "due_at": created + dt.timedelta(hours=72), "instructions": "",
                                "resolution": "Repaired", "unable_reason": "", "created_at": created, "updated_at": closed_at, "completed_at": closed_at, "version": 3})
                    act_id += 1
                    acts.append({"id": act_id, "request_id": rid, "work_order_id": wo_id, "verb": "status:completed", "summary": "done", "detail_json": "{}", "created_at": closed_at})
            with engine.begin() as conn:
                conn.execute(t["service_request"].insert(), reqs)
                if wos:
                    conn.execute(t["work_order"].insert(), wos)
                conn.execute(t["activity"].insert(), acts)
        if url.startswith("postgresql"):
            with engine.begin() as conn:
                for name in ("service_request", "work_order", "activity"):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
                conn.execute(sa.text("ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        print(f"Stored {count:,} requests, {wo_id:,} work orders, {act_id:,} history entries in {time.perf_counter() - started:.1f} s")
        db.engine.dispose()
    return tracking, now


def _queries(rng: random.Random, tracking: list[str], now: dt.datetime) -> list[tuple[str, str]]:
    """The mix: (kind, path?query) pairs, drawn at random by the clients."""
    def iso(d: dt.datetime) -> str:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")

    out = []
    for _ in range(400):
        code = rng.choice(CODES)
        end = now - dt.timedelta(days=rng.uniform(0, 200))
        out += [
            ("default (last 90 days), page_size=100", {"page_size": 100}),
            ("service_code+status=open, 30 days, page_size=100", {"service_code": code, "status": "open", "start_date": iso(end - dt.timedelta(days=30)), "end_date": iso(end), "page_size": 100}),
            ("status=closed, 7 days, page 2 of 100", {"status": "closed", "start_date": iso(end - dt.timedelta(days=7)), "end_date": iso(end), "page_size": 100, "page": 2}),
            ("updated_after 1 day, page_size=100", {"updated_after": iso(now - dt.timedelta(days=1)), "page_size": 100}),
            ("service_request_id x10", {"service_request_id": ",".join(rng.sample(tracking, 10))}),
            ("extensions=true, code, 14 days, page_size=50", {"extensions": "true", "service_code": code, "start_date": iso(end - dt.timedelta(days=14)), "end_date": iso(end), "page_size": 50}),
        ]
    return [(kind, "/open311/v2/requests.json?" + urlencode(params)) for kind, params in out]


def load(ports: list[int], queries: list[tuple[str, str]], clients: int, seconds: float) -> dict[str, list[float]]:
    """Run `clients` threads for `seconds` (spread over the servers' ports); returns latencies (s) per query kind."""
    results: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", ports[seed % len(ports)], timeout=30)
        mine: dict[str, list[float]] = defaultdict(list)
        while time.perf_counter() < stop:
            kind, path = rng.choice(queries)
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
            elapsed = time.perf_counter() - t0
            if resp.status != 200:
                errors.append(f"{resp.status} {path} {body[:200]!r}")
                break
            # A cheap sanity check: the clients share the CPU with the server, so they do not parse the JSON.
            if not (body.startswith(b"[") and body.endswith(b"]")):
                errors.append(f"not a JSON list: {path}")
                break
            mine[kind].append(elapsed)
        conn.close()
        with lock:
            for kind, values in mine.items():
                results[kind].extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise SystemExit("server answered an error: " + errors[0])
    return results


def _wait_ready(port: int, server: subprocess.Popen[bytes], instance: Path) -> None:
    deadline = time.time() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/open311/v2/services.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            raise SystemExit("server did not start: " + (instance / "server.log").read_text())
        time.sleep(0.2)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server work from waiting."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per server process (fieldops serve --threads)")
    parser.add_argument("--processes", type=int, default=1, help="server processes, clients spread over them as by a load balancer")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default=os.environ.get("FIELDOPS_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    rng = random.Random(311)
    with tempfile.TemporaryDirectory(prefix="open311-bench-") as tmp:
        instance = Path(tmp)
        url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
        tracking, now = fill(url, instance, args.requests, rng)
        env = {**os.environ, "FIELDOPS_INSTANCE_PATH": str(instance), "FIELDOPS_DATABASE_URL": url, "FIELDOPS_SECRET_KEY": secrets.token_hex(16)}
        fieldops = Path(sys.executable).with_name("fieldops")
        # A file, not a pipe: waitress logs "Task queue depth" warnings under load, and a full pipe would block it.
        log = open(instance / "server.log", "wb")  # noqa: SIM115 (closed after the servers stop)
        ports = [_free_port() for _ in range(args.processes)]
        # Several processes = several stateless app servers behind a load balancer (each client keeps to one).
        servers = [
            subprocess.Popen([str(fieldops), "serve", "--port", str(port), "--threads", str(args.threads)], env=env, stdout=log, stderr=subprocess.STDOUT)
            for port in ports
        ]
        try:
            for port, server in zip(ports, servers):
                _wait_ready(port, server, instance)
            queries = _queries(rng, tracking, now)
            load(ports, queries, args.clients, 3)  # warm-up: caches, connection pool
            cpu_before = sum(_cpu_seconds(s.pid) for s in servers)
            started = time.perf_counter()
            results = load(ports, queries, args.clients, args.seconds)
            wall = time.perf_counter() - started
            server_cpu = sum(_cpu_seconds(s.pid) for s in servers) - cpu_before
        finally:
            for server in servers:
                server.send_signal(signal.SIGINT)
            for server in servers:
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
            log.close()
    everything = [v for values in results.values() for v in values]
    db_name = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    servers_text = f"{args.processes} waitress processes x {args.threads} threads" if args.processes > 1 else f"waitress {args.threads} threads"
    print(f"\nGET requests.json over {args.requests:,} requests, {db_name}, {servers_text}, {args.clients} clients, {args.seconds:g} s")
    print(f"{'query':<48} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in sorted(results):
        values = results[kind]
        print(f"{kind:<48} {len(values):>6} {_pct(values, 50):>8.1f} {_pct(values, 95):>8.1f} {_pct(values, 99):>8.1f}")
    print(f"{'all':<48} {len(everything):>6} {_pct(everything, 50):>8.1f} {_pct(everything, 95):>8.1f} {_pct(everything, 99):>8.1f}")
    print(f"throughput: {len(everything) / wall:.0f} requests/s; server CPU {server_cpu / len(everything) * 1000:.1f} ms per request "
          f"({server_cpu / wall:.2f} cores busy; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
