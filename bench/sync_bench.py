"""Replay 1,000 queued closes with 2 photos each against a local fieldops server, as a tablet's outbox does.

Prints closes/s and HTTP requests/s for the real sync protocol (PUT photo, PUT photo, POST action with
an Idempotency-Key, each over HTTP to the production WSGI server), next to the ceiling: inserting and
updating the same rows with SQLAlchemy Core on the same database, one transaction per close, no HTTP,
no image decoding.

    .venv/bin/python bench/sync_bench.py                 # SQLite file in a temp folder
    .venv/bin/python bench/sync_bench.py --closes 200
    FIELDOPS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/sync_bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldops import create_app  # noqa: E402
from fieldops.settings import Settings  # noqa: E402

PASSWORD = "bench-password-123"


def _jpeg(seed: int) -> bytes:
    """A small real phone-like JPEG (640x480) with varied content."""
    img = Image.new("RGB", (640, 480), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    for x in range(0, 640, 40):
        img.paste((255 - (seed % 256), x % 256, 120), (x, (seed * 7) % 400, x + 20, (seed * 7) % 400 + 60))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(app, closes: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """A department, a pothole type that needs an after photo, one crew member with `closes` jobs on site."""
    from fieldops.accounts.models import Crew, Role
    from fieldops.accounts.services import create_user
    from fieldops.catalog.models import Department, ServiceType
    from fieldops.cli import upgrade_database
    from fieldops.extensions import db
    from fieldops.servicerequests.models import Channel
    from fieldops.servicerequests.services import create_request
    from fieldops.workorders.models import WorkOrderStatus
    from fieldops.workorders.services import create_work_order

    with app.app_context():
        upgrade_database()
        s = db.session
        dept = Department(code="DPW", name="Public Works")
        pothole = ServiceType(code="pothole", name="Pothole", department=dept, sla_hours=48, requires_after_photo=True)
        crew = Crew(name="Bench crew", department=dept)
        s.add_all([dept, pothole, crew])
        s.flush()
        user = create_user(s, username="bench", full_name="Bench Crew", password=PASSWORD, role=Role.CREW, crew=crew)
        jobs = []
        for i in range(closes):
            req = create_request(
                s, user, service_type=pothole, channel=Channel.PHONE, latitude=42.38 + i * 1e-5, longitude=-71.1, address=f"{i} Bench St"
            )
            wo = create_work_order(s, user, req, assignee=user)
            wo.status = WorkOrderStatus.ON_SITE
            s.flush()
            jobs.append((wo.id, wo.version))
        s.commit()
        return jobs


def run_protocol(base: str, jobs: list[tuple[int, int]], photos: list[bytes]) -> float:
    """The tablet's replay loop, sequential like the outbox (single flight). Returns seconds."""
    http = requests.Session()
    login = http.get(f"{base}/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    r = http.post(f"{base}/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 302, r.text
    token = http.get(f"{base}/api/session").json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    started = time.perf_counter()
    for n, (wo_id, version) in enumerate(jobs):
        ids = []
        for k in range(2):
            pid = str(uuid.uuid4())
            resp = http.put(
                f"{base}/api/photos/{pid}?kind=after&filename=p{k}.jpg",
                data=photos[(2 * n + k) % len(photos)],
                headers={**headers, "Content-Type": "image/jpeg"},
            )
            assert resp.status_code in (200, 201), resp.text
            ids.append(pid)
        key = str(uuid.uuid4())
        body = {"kind": "close", "work_order_id": wo_id, "base_version": version, "fields": {"resolution": "Filled"}, "photo_ids": ids, "captured_at": None}
        resp = http.post(f"{base}/api/sync/actions", json=body, headers={**headers, "Idempotency-Key": key})
        assert resp.status_code in (200, 201), resp.text
    return time.perf_counter() - started


def run_core_ceiling(url: str, jobs: list[tuple[int, int]], photos: list[bytes]) -> float:
    """The same rows written with SQLAlchemy Core, one transaction per close. Returns seconds."""
    from fieldops.db import Base

    engine = sa.create_engine(url)
    t = Base.metadata.tables
    photo, activity, work_order, idem = t["photo"], t["activity"], t["work_order"], t["idempotency_key"]
    now = dt.datetime.now(dt.UTC)
    # A second set of jobs for the ceiling: same number of rows, nothing shared with the HTTP run.
    with engine.connect() as conn:
        request_ids = dict(conn.execute(sa.select(work_order.c.id, work_order.c.request_id)).all())
        user_id = conn.execute(sa.text("SELECT id FROM user_account LIMIT 1")).scalar()
    started = time.perf_counter()
    for n, (wo_id, _version) in enumerate(jobs):
        with engine.begin() as conn:
            for k in range(2):
                data = photos[(2 * n + k) % len(photos)]
                conn.execute(
                    photo.insert().values(
                        id=str(uuid.uuid4()), request_id=request_ids[wo_id], work_order_id=wo_id, kind="after",
                        sha256=hashlib.sha256(data).hexdigest(), content_type="image/jpeg", size=len(data), width=640, height=480,
                        storage_key=f"bench/{n}-{k}.jpg", thumbnail_key=f"bench/{n}-{k}-t.jpg", original_filename="", created_at=now,
                    )
                )
            conn.execute(work_order.update().where(work_order.c.id == wo_id).values(version=work_order.c.version + 1, resolution="Filled again", updated_at=now))
            conn.execute(activity.insert().values(request_id=request_ids[wo_id], work_order_id=wo_id, verb="bench", summary="", detail_json="{}", created_at=now))
            conn.execute(
                idem.insert().values(
                    key=str(uuid.uuid4()), user_id=user_id, request_fingerprint=hashlib.sha256(str(n).encode()).hexdigest(),
                    status_code=200, response_json=json.dumps({"ok": True}), created_at=now,
                )
            )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closes", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fieldops-bench-"))
    url = os.environ.get("FIELDOPS_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    if not url.startswith("sqlite"):
        import fieldops.models  # noqa: F401  (every table, so drop_all clears them all)
        from fieldops.db import Base

        # The bench owns this database: it starts from an empty schema (do not point it at real data).

        eng = sa.create_engine(url)
        with eng.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        eng.dispose()
    settings = Settings(instance_path=tmp, database_url=url, secret_key="bench", storage_path=tmp / "storage")
    app = create_app(settings)
    print(f"database: {sa.engine.make_url(url).render_as_string(hide_password=True)}")
    print(f"setting up {args.closes} jobs ...", flush=True)
    jobs = _setup(app, args.closes)
    photos = [_jpeg(i) for i in range(50)]

    from waitress.server import create_server

    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        seconds = run_protocol(f"http://127.0.0.1:{port}", jobs, photos)
    finally:
        server.close()
    ceiling = run_core_ceiling(url, jobs, photos)
    n = len(jobs)
    print(f"sync protocol (HTTP, waitress, photos decoded+stored): {n} closes in {seconds:.1f} s = {n / seconds:.1f} closes/s, {3 * n / seconds:.1f} requests/s")
    print(f"SQLAlchemy Core ceiling (same rows, no HTTP/images):   {n} closes in {ceiling:.1f} s = {n / ceiling:.1f} closes/s")
    print(f"protocol reaches {100 * ceiling / seconds:.1f}% of the ceiling")
    return 0


if __name__ == "__main__":
    sys.exit(main())
