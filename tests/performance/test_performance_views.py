"""The performance page: supervisors only, page or htmx fragment from one URL, charts, map, a CSV of every table."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from factories import DAVIS_SQUARE, UNION_SQUARE, make_job
from fieldops.db import utcnow
from fieldops.servicerequests.models import RequestStatus
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus
from helpers import login

HTMX = {"HX-Request": "true"}
ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def week_of_work(session, city):  # type: ignore[no-untyped-def]
    """Five potholes and a street light this week: two closed on time, one late, the rest open (one overdue)."""
    now = utcnow()
    jobs = []
    for i, (hours_ago, closed_after) in enumerate([(100, 10), (90, 30), (80, 60), (70, None), (10, None)]):
        wo = make_job(session, city, created_at=now - dt.timedelta(hours=hours_ago), at=UNION_SQUARE if i % 2 else DAVIS_SQUARE, address=f"{i} Union Sq")
        if closed_after is not None:
            wo.request.status = RequestStatus.CLOSED
            wo.request.closed_at = wo.request.created_at + dt.timedelta(hours=closed_after)
        jobs.append(wo)
    light = make_job(session, city, service_type=city.streetlight, created_at=now - dt.timedelta(hours=5), address="1 Elm St")
    jobs.append(light)
    visit = FollowUpVisit(
        request_id=jobs[0].request_id, status=VisitStatus.DONE, outcome=VisitOutcome.REACHED, resolved=Resolution.YES, satisfaction=4,
        due_at=now - dt.timedelta(hours=2), completed_at=now - dt.timedelta(hours=1),
    )
    visit2 = FollowUpVisit(
        request_id=jobs[1].request_id, status=VisitStatus.DONE, outcome=VisitOutcome.REACHED, resolved=Resolution.PARTLY, satisfaction=2,
        due_at=now - dt.timedelta(hours=2), completed_at=now - dt.timedelta(hours=1),
    )
    session.add_all([visit, visit2])
    session.commit()
    return jobs


def test_only_supervisors_and_admins_see_performance(client, city) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/performance").status_code == 302  # signed out: to the sign-in page
    login(client, "alice")  # crew
    assert client.get("/performance").status_code == 403
    assert client.get("/performance/summary.csv").status_code == 403
    assert client.get("/exports/requests.csv").status_code == 403


def test_page_shows_figures_charts_map_and_csv_links(client, city, week_of_work) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/performance?group=type")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    assert 'href="/performance"' in html  # nav link
    assert html.count('<svg class="chart') == 4 and "<title>Requests opened and closed per week</title>" in html
    assert '"fieldops:cluster"' in html  # open requests on the map
    for table in ("summary", "trend", "hotspots"):
        assert f"/performance/{table}.csv?group=type" in html
    assert "Pothole" in html and "Street light out" in html
    # Satisfaction 3.0 average, 1 of 2 said resolved.
    assert "3.0" in html and "50%" in html


def test_filter_change_returns_only_the_results_fragment(client, city, week_of_work) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get(f"/performance?group=district&type={city.pothole.id}", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert 'data-table="summary"' in html and "Ward " in html and "Street light out" not in html
    assert "L.map(" in html  # the map follows the filter


def test_summary_csv_has_every_row_and_the_total(client, city, week_of_work) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    today = utcnow().astimezone(ZONE).date()
    resp = client.get(f"/performance/summary.csv?group=type&start={today - dt.timedelta(days=10)}&end={today}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    by = {r["group"]: r for r in rows}
    pothole, total = by["Pothole"], by["All"]
    assert (pothole["opened"], pothole["closed"], pothole["open_at_end"]) == ("5", "3", "2")
    # Closed after 10, 30 and 60 hours: the median is 30, the 90th percentile 30 + 0.8 * 30 = 54.
    assert float(pothole["median_hours_to_close"]) == pytest.approx(30.0, abs=0.01)
    assert float(pothole["p90_hours_to_close"]) == pytest.approx(54.0, abs=0.01)
    # Target 48 h: two on time, one late (60 h), and the 70-hour-old open one is overdue and late.
    assert (pothole["closed_within_target"], pothole["open_overdue"]) == ("2", "1")
    assert float(pothole["share_within_target"]) == pytest.approx(0.5)
    assert total["opened"] == "6" and float(total["satisfaction_avg"]) == pytest.approx(3.0) and float(total["resolved_share"]) == pytest.approx(0.5)


def test_trend_and_hotspot_csvs(client, city, week_of_work) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    trend = client.get("/performance/trend.csv")
    rows = list(csv.DictReader(io.StringIO(trend.get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(int(r["opened"]) for r in rows) == 6 and len(rows) >= 5
    hot = client.get(f"/performance/hotspots.csv?hotspot_type={city.pothole.id}&radius=100&window=7")
    rows = list(csv.DictReader(io.StringIO(hot.get_data(as_text=True).lstrip("\ufeff"))))
    # Three potholes at Davis Square and two at Union Square within a week: Davis ranks first.
    # Three potholes at Davis Square within a week make a hotspot; Union Square's two are under the minimum of three.
    assert [(r["rank"], r["reports"], r["peak_reports"], r["district"]) for r in rows] == [("1", "3", "3", "Ward 6")]
    assert rows[0]["service_type"] == "Pothole"
    assert client.get("/performance/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [("start=2024-13-01", "not a date"), ("start=2024-02-01&end=2024-01-01", "after its end"), ("group=colour", "Group by"), ("start=2010-01-01&end=2024-01-01", "three years")],
)
def test_bad_filters_are_explained(client, city, query, message) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get(f"/performance?{query}")
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)


def test_csv_cells_that_look_like_formulas_are_defused(client, city, session) -> None:  # type: ignore[no-untyped-def]
    city.pothole.name = "=HYPERLINK(\"http://evil.example\")"
    make_job(session, city)
    session.commit()
    login(client, "sam")
    body = client.get("/performance/summary.csv?group=type").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_empty_period_renders(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/performance?start=2001-01-01&end=2001-01-31")
    assert resp.status_code == 200 and "No requests in this period." in resp.get_data(as_text=True)


def test_bad_filters_are_explained_in_the_readers_language(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/performance?start=2024-02-01&end=2024-01-01&lang=es")
    assert resp.status_code == 422 and "El inicio del período es posterior a su fin." in resp.get_data(as_text=True)
    resp = client.get("/performance?start=2024-13-01&department=x")
    assert resp.status_code == 422 and "La fecha de inicio &#39;2024-13-01&#39; no es una fecha (AAAA-MM-DD)." in resp.get_data(as_text=True)
