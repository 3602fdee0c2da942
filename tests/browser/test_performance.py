"""The performance page in Chromium: charts, map with open requests and hotspots, htmx filters, CSV download."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from urllib.parse import urlsplit

from fieldops.districts.services import import_districts, load_geojson
from fieldops.imports.services import import_requests
from data_files import data_file, shared_file
from helpers import sign_in


def _boston_slice(tmp_path):  # type: ignore[no-untyped-def]
    """Every 2015 rodent report of the real sample plus its first 1,500 rows."""
    with gzip.open(shared_file("boston311_2015_sample36k.csv.gz"), "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        type_col = header.index("TYPE")
        rows = [row for n, row in enumerate(reader) if n < 1500 or row[type_col] == "Rodent Activity"]
    path = tmp_path / "slice.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_performance_page_draws_charts_map_and_hotspots_and_filters_in_place(page, live_server, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_districts(session, load_geojson(data_file("boston_wards_2012-2022.geojson")), kind="boston-ward", code_property="WARD", name_prefix="Boston ward ")
    summary = import_requests(session, None, _boston_slice(tmp_path))
    session.commit()
    assert summary.imported > 2000

    allowed = {urlsplit(live_server).netloc, urlsplit(settings.tile_origin).netloc}
    seen: set[str] = set()
    page.on("request", lambda req: seen.add(urlsplit(req.url).netloc))

    sign_in(page, live_server, "sam")
    page.get_by_role("link", name="Performance").click()
    page.wait_for_url("**/performance")
    page.goto(f"{live_server}/performance?start=2015-01-01&end=2015-12-31&group=type")
    page.wait_for_load_state("networkidle")

    assert page.locator("svg.chart").count() == 4
    assert page.locator("svg.line-chart polyline").count() >= 2
    box = page.locator("svg.line-chart").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # drawn at a readable size
    markers = int(page.locator(".perf-map .folium-map").get_attribute("data-marker-count") or 0)
    assert markers > 100
    # Hotspots of rodent reports are drawn as red polygons and listed in the table.
    assert page.locator("text=Hotspots: Rodent Activity").count() == 1
    assert page.locator('table[data-table="hotspots"] tbody tr').count() >= 3
    drawn = page.evaluate(
        """() => { const el = document.querySelector('.perf-map .folium-map'); const map = window[el.id]; let n = 0;
                   map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.rank) n++; }); return n; }"""
    )
    assert drawn == page.locator('table[data-table="hotspots"] tbody tr').count()
    page.screenshot(path=str(tmp_path / "performance.png"), full_page=True)

    # Changing a filter swaps the results in place (htmx), pushes the URL, and the map is rebuilt.
    page.select_option("select[name=group]", "district")
    page.wait_for_function("() => document.querySelector('#results h2').textContent.includes('By district')")
    page.wait_for_function("() => Number(document.querySelector('.perf-map .folium-map').dataset.markerCount) > 0")
    assert "group=district" in page.url
    assert page.locator("header.topbar").count() == 1  # a fragment, not a page inside the page

    # The CSV of the summary downloads with the same filters.
    with page.expect_download() as dl:
        page.locator('#results a[href*="/performance/summary.csv"]').click()
    download = dl.value
    assert download.suggested_filename == "performance-summary-2015-01-01-2015-12-31-by-district.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("group_by,group,opened") and "Boston ward" in text

    assert seen <= allowed | {""}, f"pages reached other hosts: {seen - allowed}"
