"""Eight tablets sending the worst legal photos at once, while a resident checks a status page.

Starts `fieldops serve` (waitress, 8 threads) in a subprocess on a temporary demo database, signs a crew member
in, and for ~20 s runs 8 parallel uploads through the sync API (PUT /api/photos/<id>), cycling through a 25 MP
JPEG, the 6300 x 6300 WebP that must be refused by the pixel cap, and a maximum-size (15 MB) 24 MP PNG. A second
loop GETs /status/<tracking> the whole time. Prints the server's peak RSS (from /proc), the /status p50/p95 with
no uploads (baseline) and during the uploads, and the answers the uploads got.

    .venv/bin/python bench/upload_bench.py
    .venv/bin/python bench/upload_bench.py --seconds 30 --workers 8
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _noise(width: int, height: int) -> Image.Image:
    # Random pixels compress badly, so the files are as large as real photos of that size, or larger.
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def _inputs(max_mb: float) -> list[tuple[str, bytes]]:
    jpeg = io.BytesIO()
    _noise(5800, 4300).save(jpeg, "JPEG", quality=70)  # 24.9 MP
    webp = io.BytesIO()
    Image.new("RGB", (6300, 6300), (90, 120, 30)).save(webp, "WEBP", quality=50, method=0)
    # A PNG of just under the byte cap: 2200 x 2200 of noise is ~14.5 MB, a full decode without draft().
    side = int((max_mb * 1024 * 1024 * 0.97 / 3) ** 0.5)
    png = io.BytesIO()
    _noise(side, side).save(png, "PNG", compress_level=1)
    return [("25MP.jpg", jpeg.getvalue()), ("6300x6300.webp", webp.getvalue()), ("max-mb.png", png.getvalue())]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _status_loop(url: str, stop: threading.Event, out: list[float]) -> None:
    http = requests.Session()
    while not stop.is_set():
        start = time.perf_counter()
        r = http.get(url, timeout=60)
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.status_code
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fieldops-upload-bench-"))
    env = {**os.environ, "FIELDOPS_INSTANCE_PATH": str(tmp / "instance")}
    env.pop("FIELDOPS_DATABASE_URL", None)
    cli = [sys.executable, "-c", "import sys; from fieldops.cli import main; sys.argv[0] = 'fieldops'; main()"]
    print("Loading the demo city into", tmp, flush=True)
    subprocess.run([*cli, "demo", "--no-serve"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp / 'instance' / 'fieldops.db'}")
    with engine.connect() as conn:
        tracking = conn.execute(sa.text("SELECT tracking_number FROM service_request ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()

    max_mb = float(env.get("FIELDOPS_MAX_PHOTO_MB", "15"))
    inputs = _inputs(max_mb)
    for name, data in inputs:
        print(f"  input {name}: {len(data) / 1024 / 1024:.1f} MB")

    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--threads", "8"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{base}/login", timeout=5)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > started:
                    raise SystemExit("fieldops serve did not start")
                time.sleep(0.2)
        http = requests.Session()
        page = http.get(f"{base}/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token is not None
        r = http.post(f"{base}/login", data={"username": "crew-north", "password": "fieldops-demo", "csrf_token": token.group(1)}, allow_redirects=False)
        assert r.status_code == 302, r.status_code
        csrf = http.get(f"{base}/api/session").json()["csrf_token"]
        status_url = f"{base}/status/{tracking}"
        rss_idle = _rss_kb(server.pid)

        baseline: list[float] = []
        stop = threading.Event()
        t = threading.Thread(target=_status_loop, args=(status_url, stop, baseline))
        t.start()
        time.sleep(5)
        stop.set()
        t.join()

        answers: collections.Counter[str] = collections.Counter()
        during: list[float] = []
        peak = [rss_idle]
        stop = threading.Event()
        deadline = time.monotonic() + args.seconds

        def uploader(n: int) -> None:
            s = requests.Session()
            s.cookies.update(http.cookies)
            i = n
            while time.monotonic() < deadline:
                name, data = inputs[i % len(inputs)]
                i += 1
                resp = s.put(f"{base}/api/photos/{uuid.uuid4()}?kind=after&filename={name}", data=data, headers={"X-CSRFToken": csrf}, timeout=120)
                answers[f"{name} -> {resp.status_code}"] += 1

        def sampler() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_kb(server.pid))
                time.sleep(0.05)

        threads = [threading.Thread(target=uploader, args=(n,)) for n in range(args.workers)]
        side = [threading.Thread(target=_status_loop, args=(status_url, stop, during)), threading.Thread(target=sampler)]
        for th in side + threads:
            th.start()
        for th in threads:
            th.join()
        stop.set()
        for th in side:
            th.join()

        print(f"\nserver RSS idle {rss_idle / 1024:.0f} MB, peak during uploads {peak[0] / 1024:.0f} MB")
        print(f"/status without uploads: p50 {statistics.median(baseline):.0f} ms, p95 {_percentile(baseline, 0.95):.0f} ms ({len(baseline)} requests)")
        print(f"/status during uploads:  p50 {statistics.median(during):.0f} ms, p95 {_percentile(during, 0.95):.0f} ms ({len(during)} requests)")
        print(f"uploads in {args.seconds:.0f} s by {args.workers} workers:")
        for key, count in sorted(answers.items()):
            print(f"  {key}: {count}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
