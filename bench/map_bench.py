"""The work-order map with 10,000 markers: ours (fieldops/maps/builder.py) beside folium's naive MarkerCluster.

    .venv/bin/python bench/map_bench.py                     # 10,000 markers, 5 server runs, 3 browser runs
    .venv/bin/python bench/map_bench.py --markers 2000 --runs 9 --browser-runs 5
    .venv/bin/python bench/map_bench.py --no-browser        # server figures only

Both maps carry the same 10,000 jobs (real 2015 Boston 311 locations, types and addresses from the
36,000-row sample; the City Hall default point left out), the same Boston ward outlines (imported into a
temporary SQLite database and read back with `districts_geojson`, as the My work page does), the same
tiles and open on the same view.

  - ours: `build_map(settings, points=..., districts=...)` + `render_parts(...)`, the call behind My work
    (fieldops/workorders/views.py), wrapped in a bare page with the app's stylesheet; each point has the
    page's link, label and status class; the browser builds the markers from one JSON blob
    (pwa/js/map-markers.js);
  - naive: `folium.plugins.MarkerCluster` holding 10,000 `folium.Marker(location, popup=folium.Popup(<a>))`,
    plus the same wards as a `folium.GeoJson` with a tooltip, rendered to folium's standalone page.

For each it prints the server's build + render time (median of --runs), the HTML's size (raw and gzip -6),
and in Chromium (/usr/bin/chromium through Playwright, pages and the vendored Leaflet files from a local HTTP
server, every other host unreachable so folium's CDN extras fail at once) the time from navigation start to
the first frame with markers or clusters drawn (median of --browser-runs, fresh page each), with the JS heap
then, and the ratios naive / ours.
"""

from __future__ import annotations

import argparse
import gzip
import html
import http.server
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from folium.plugins import MarkerCluster  # noqa: E402

from fieldops.imports.services import located_rows  # noqa: E402
from fieldops.maps.builder import Point, build_map, render_parts  # noqa: E402
from fieldops.settings import Settings  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "boston311_2015_sample36k.csv.gz"
WARDS = ROOT / "fieldops" / "data" / "boston_wards.geojson"
PWA = ROOT / "pwa"
# folium's popups are built with jQuery ($(`<div>...`)[0]); the naive page needs it to run at all. Debian's
# libjs-jquery is served in place of code.jquery.com (the browser figure of the naive map is skipped without it).
JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")
# Open work on a crew's map, roughly as a day's list looks: mostly assigned, some on the way or on site, some late.
STATUS_MIX = ["assigned"] * 6 + ["en_route", "on_site", "overdue", "overdue"]
TARGET_SECONDS = 0.5
TARGET_BYTES = 2_000_000

# Runs in the page before anything else: resolves with the time of the first animation frame that shows
# markers or clusters. rAF callbacks never run inside a script, so a synchronous build counts in full.
DRAWN_PROBE = """
window.__drawn = new Promise(function (resolve) {
  function tick() {
    var n = document.querySelectorAll('.leaflet-marker-icon').length;
    if (n > 0) {
      var heap = performance.memory ? performance.memory.usedJSHeapSize : 0;
      resolve({ t: performance.now(), icons: n, heap: heap });
      return;
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
});
"""


@dataclass(frozen=True)
class Job:
    id: int
    lat: float
    lon: float
    type: str
    address: str
    status: str

    @property
    def url(self) -> str:
        return f"/work-orders/{self.id}"

    @property
    def label(self) -> str:
        return f"#{self.id} {self.type} — {self.address or self.status}"


def load_jobs(n: int) -> list[Job]:
    """The first n located requests of the 2015 sample, as open work orders with the My work page's labels."""
    rng = random.Random(311)
    jobs: list[Job] = []
    for lat, lon, row in located_rows(SAMPLE):
        address = " ".join(row["Location"].split())
        jobs.append(Job(10_000 + len(jobs), lat, lon, row["TYPE"], address, rng.choice(STATUS_MIX)))
        if len(jobs) == n:
            return jobs
    raise SystemExit(f"the sample has only {len(jobs):,} located requests; ask for fewer markers")


def ward_outlines(tmp: Path) -> tuple[dict[str, Any], float]:
    """The wards as the page gets them: imported, then read back simplified by districts_geojson (timed)."""
    from fieldops import create_app
    from fieldops.cli import upgrade_database
    from fieldops.districts.services import districts_geojson, import_districts, load_geojson
    from fieldops.extensions import db

    settings = Settings(instance_path=tmp, database_url=f"sqlite:///{tmp / 'bench.db'}", secret_key="bench", storage_path=tmp / "storage")
    app = create_app(settings)
    with app.app_context():
        upgrade_database()
        import_districts(db.session, load_geojson(WARDS), kind="ward", code_property="WARD", name_prefix="Ward ")
        db.session.commit()
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            geojson = districts_geojson(db.session)
            runs.append(time.perf_counter() - started)
        db.session.rollback()
        db.engine.dispose()
    return geojson, statistics.median(runs)


def ours_html(settings: Settings, jobs: list[Job], districts: dict[str, Any]) -> str:
    """My work's map (the same build_map/render_parts call), in a bare page like templates/base.html."""
    points = [Point(lat=j.lat, lon=j.lon, url=j.url, label=j.label, css_class=j.status) for j in jobs]
    parts = render_parts(build_map(settings, points=points, districts=districts), lambda path: f"/static/{path}")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="/static/css/app.css">{parts.head}</head>'
        f'<body><main><section class="map-pane">{parts.html}</section></main>'
        f"<script>{parts.script}</script></body></html>"
    )


def naive_html(settings: Settings, jobs: list[Job], districts: dict[str, Any]) -> str:
    """What folium's documentation suggests: one folium.Marker with a popup per job in a MarkerCluster."""
    m = folium.Map(location=list(settings.map_center), zoom_start=settings.map_zoom, tiles=settings.tile_url, attr=settings.tile_attribution)
    folium.GeoJson(districts, name="Districts", tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)
    cluster = MarkerCluster().add_to(m)
    for j in jobs:
        link = f'<a href="{j.url}">{html.escape(j.label)}</a>'
        folium.Marker([j.lat, j.lon], popup=folium.Popup(link)).add_to(cluster)
    m.fit_bounds([[min(j.lat for j in jobs), min(j.lon for j in jobs)], [max(j.lat for j in jobs), max(j.lon for j in jobs)]])
    return str(m.get_root().render())


def localise_naive(page: str) -> str:
    """Point folium's CDN copies of Leaflet and Leaflet.markercluster at our vendored files (same libraries).

    jQuery comes from the local copy (see JQUERY). Its other extras (Bootstrap, awesome-markers, Font Awesome) stay as they are and fail at once
    in the browser (no other host resolves): none of them is needed to draw default markers.
    """
    import re

    local = {
        "jquery-3.7.1.min.js": "/ext/jquery.min.js",
        "leaflet.js": "/static/vendor/leaflet/leaflet.js",
        "leaflet.css": "/static/vendor/leaflet/leaflet.css",
        "leaflet.markercluster.js": "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "MarkerCluster.css": "/static/vendor/leaflet.markercluster/MarkerCluster.css",
        "MarkerCluster.Default.css": "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css",
    }

    def swap(match: re.Match[str]) -> str:
        url = match.group(2)
        name = url.rsplit("/", 1)[-1]
        return f"{match.group(1)}{local.get(name, url)}{match.group(3)}"

    return re.sub(r'((?:src|href)=")(https://[^"]+)(")', swap, page)


def timed(fn: Callable[[], str], runs: int) -> tuple[float, float, str]:
    """Median wall-clock and CPU seconds of fn (CPU time is what a busy shared machine does not inflate)."""
    fn()  # warm-up: imports, Jinja template compilation
    wall, cpu = [], []
    out = ""
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), out


class Pages(http.server.ThreadingHTTPServer):
    pages: dict[str, bytes]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Pages
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        body: bytes | None = None
        ctype = "text/html; charset=utf-8"
        if path in self.server.pages:
            body = self.server.pages[path]
        elif path == "/ext/jquery.min.js" and JQUERY.is_file():
            body, ctype = JQUERY.read_bytes(), "text/javascript"
        elif path.startswith("/static/"):
            file = (PWA / path.removeprefix("/static/")).resolve()
            if file.is_file() and PWA in file.parents:
                body = file.read_bytes()
                ctype = self.types.get(file.suffix, "application/octet-stream")
        if body is None:  # tiles too: the map draws without them
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def browser_times(base: str, paths: list[str], runs: int) -> dict[str, tuple[float, int, int]]:
    """Per page: median ms from navigation start to the first frame with markers drawn, icons then, heap then."""
    from playwright.sync_api import sync_playwright

    results: dict[str, list[tuple[float, int, int]]] = {p: [] for p in paths}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--enable-precise-memory-info"],
        )
        for _ in range(runs):
            for path in paths:  # alternate, so both see the same machine load
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.add_init_script(DRAWN_PROBE)
                page.goto(base + path, wait_until="commit", timeout=120_000)
                got = page.evaluate("window.__drawn")
                results[path].append((float(got["t"]), int(got["icons"]), int(got["heap"])))
                context.close()
        browser.close()
    out = {}
    for path, rows in results.items():
        rows.sort()
        out[path] = rows[len(rows) // 2]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="server builds per map (median shown)")
    parser.add_argument("--browser-runs", type=int, default=3, help="page loads per map in Chromium (median shown)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    jobs = load_jobs(args.markers)
    with tempfile.TemporaryDirectory(prefix="fieldops-map-") as tmp_name:
        tmp = Path(tmp_name)
        districts, districts_s = ward_outlines(tmp)
        server = Pages(("127.0.0.1", 0), Handler)
        server.pages = {}
        base = f"http://127.0.0.1:{server.server_address[1]}"
        settings = Settings(
            instance_path=tmp, database_url="sqlite://", secret_key="bench", storage_path=tmp,
            tile_url=base + "/tiles/{z}/{x}/{y}.png", tile_attribution="bench tiles",
        )
        print(f"{len(jobs):,} work-order markers, {len(districts['features'])} ward outlines "
              f"(districts_geojson: {districts_s * 1000:.0f} ms, the same for both, not in the figures below)")

        ours_s, ours_cpu, ours = timed(lambda: ours_html(settings, jobs, districts), args.runs)
        naive_s, naive_cpu, naive = timed(lambda: naive_html(settings, jobs, districts), args.runs)
        rows: list[tuple[str, float, float, str]] = []
        sizes = {name: (len(page.encode()), len(gzip.compress(page.encode(), 6))) for name, page in (("ours", ours), ("naive", naive))}
        rows.append(("server build + render (median)", ours_s * 1000, naive_s * 1000, "ms"))
        rows.append(("  of which CPU time (median)", ours_cpu * 1000, naive_cpu * 1000, "ms"))
        rows.append(("HTML", sizes["ours"][0] / 1e6, sizes["naive"][0] / 1e6, "MB"))
        rows.append(("HTML, gzip -6", sizes["ours"][1] / 1e6, sizes["naive"][1] / 1e6, "MB"))

        if not args.no_browser:
            server.pages = {"/ours.html": ours.encode(), "/naive.html": localise_naive(naive).encode()}
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                drawn = browser_times(base, ["/ours.html", "/naive.html"], args.browser_runs)
            finally:
                server.shutdown()
            (ours_t, ours_icons, ours_heap), (naive_t, naive_icons, naive_heap) = drawn["/ours.html"], drawn["/naive.html"]
            rows.append(("Chromium: navigation to markers drawn (median)", ours_t, naive_t, "ms"))
            if ours_heap and naive_heap:
                rows.append(("Chromium: JS heap when drawn", ours_heap / 1e6, naive_heap / 1e6, "MB"))
            print(f"(icons in the first drawn frame: ours {ours_icons:,}, naive {naive_icons:,})")
        server.server_close()

    print(f"\n{'':<48} {'ours':>10} {'naive':>10} {'naive/ours':>11}")
    for label, a, b, unit in rows:
        fmt = "{:>7.0f} {:<2}" if unit == "ms" else "{:>7.2f} {:<2}"
        print(f"{label:<48} {fmt.format(a, unit)} {fmt.format(b, unit)} {b / a:>10.1f}x")
    load = os.getloadavg()[0]
    print(f"\nload average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"targets for ours: build + render < {TARGET_SECONDS} s: {'met' if ours_s < TARGET_SECONDS else 'MISSED'} "
          f"({ours_s:.3f} s wall, {ours_cpu:.3f} s CPU); HTML < {TARGET_BYTES / 1e6:.0f} MB: {'met' if sizes['ours'][0] < TARGET_BYTES else 'MISSED'} "
          f"({sizes['ours'][0] / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
