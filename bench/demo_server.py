"""The demo city served by `fieldops serve` on a free port, for the tools that drive a browser at it
(bench/lighthouse_bench.py, scripts/screenshots.py). Not used by the tests (they have tests/testapp.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "import sys; from fieldops.cli import main; sys.argv[0] = 'fieldops'; main()"]


@dataclass(frozen=True)
class DemoServer:
    base: str  # http://127.0.0.1:<port>
    instance: Path  # the instance folder: fieldops.db, photos


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def demo_server(*, threads: int = 8, prefix: str = "fieldops-demo-") -> Iterator[DemoServer]:
    """Load the demo city into a new SQLite database in a temporary folder, serve it, and clean up afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**os.environ, "FIELDOPS_INSTANCE_PATH": str(tmp / "instance")}
    env.pop("FIELDOPS_DATABASE_URL", None)
    print("Loading the demo city into", tmp, flush=True)
    subprocess.run([*CLI, "demo", "--no-serve"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--threads", str(threads)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180  # the first start builds the assets and compiles the catalogues
        while True:
            try:
                requests.get(f"{base}/login", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("fieldops serve did not start") from None
                time.sleep(0.3)
        yield DemoServer(base=base, instance=tmp / "instance")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
