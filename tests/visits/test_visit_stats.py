"""Visit rates for the performance view: per service type, department and district, over a date range."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from factories import DAVIS_SQUARE, UNION_SQUARE
from fieldops.catalog.models import Department
from fieldops.db import utcnow
from fieldops.visits import services as visits
from fieldops.visits.models import Resolution, VisitOutcome
from fieldops.visits.stats import all_visit_rates, total, visit_rates
from visit_factories import make_due_visit

UTC = ZoneInfo("UTC")


def _record(session, city, visit, at, outcome=VisitOutcome.REACHED, resolved=None, satisfaction=None):  # type: ignore[no-untyped-def]
    for _ in range(3 if outcome == VisitOutcome.NOT_HOME else 1):
        visits.record_outcome(session, city.olga, visit, outcome=outcome, zone=UTC, resolved=resolved, satisfaction=satisfaction, now=at)


def test_rates_per_service_type_department_and_district(session, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    at = now - dt.timedelta(days=1)
    # Union Square is in ward 2, Davis Square in ward 6 (the real Somerville wards loaded by make_city).
    v1 = make_due_visit(session, city, at=UNION_SQUARE)
    v2 = make_due_visit(session, city, at=UNION_SQUARE)
    v3 = make_due_visit(session, city, at=DAVIS_SQUARE)
    v4 = make_due_visit(session, city, at=DAVIS_SQUARE)
    old = make_due_visit(session, city, at=DAVIS_SQUARE)
    pending = make_due_visit(session, city, at=DAVIS_SQUARE)
    _record(session, city, v1, at, resolved=Resolution.YES, satisfaction=5)
    _record(session, city, v2, at, resolved=Resolution.NO, satisfaction=2)
    _record(session, city, v3, at, resolved=Resolution.YES)  # no score given
    _record(session, city, v4, at, outcome=VisitOutcome.NOT_HOME)  # three attempts, card left
    _record(session, city, old, now - dt.timedelta(days=40), resolved=Resolution.NO, satisfaction=1)  # outside the range
    # Another department's service type, transferred request: counted under the department now answerable.
    parks = Department(code="PARKS", name="Parks")
    session.add(parks)
    session.flush()
    v3.request.department_id = parks.id
    assert pending.status.value == "pending"

    start, end = now - dt.timedelta(days=7), now
    [row] = visit_rates(session, start=start, end=end, by="service_type")
    assert (row.label, row.key, row.visits_done, row.reached, row.left_card) == ("Street light out", city.streetlight.id, 4, 3, 1)
    assert (row.resolved_yes, row.resolved_partly, row.resolved_no) == (2, 0, 1)
    assert row.resolution_confirmed_rate == pytest.approx(2 / 3)
    assert row.reach_rate == pytest.approx(3 / 4)
    assert row.satisfaction_average == pytest.approx(3.5) and row.satisfaction_answers == 2

    by_dept = {r.label: r for r in visit_rates(session, start=start, end=end, by="department")}
    assert set(by_dept) == {"Public Works", "Parks"}
    assert (by_dept["Parks"].visits_done, by_dept["Parks"].resolution_confirmed_rate) == (1, 1.0)
    assert by_dept["Public Works"].visits_done == 3

    by_ward = {r.label: r for r in visit_rates(session, start=start, end=end, by="district")}
    union_ward, davis_ward = v1.request.district.name, v3.request.district.name
    assert union_ward != davis_ward
    assert by_ward[union_ward].reached == 2 and by_ward[union_ward].resolution_confirmed_rate == 0.5
    assert by_ward[davis_ward].visits_done == 2 and by_ward[davis_ward].reached == 1

    tables = all_visit_rates(session, start=start, end=end)
    assert set(tables) == {"service_type", "department", "district"}
    everything = total(tables["district"])
    assert everything is not None and everything.visits_done == 4 and everything.reached == 3
    # The older visit counts in its own range only.
    [older] = visit_rates(session, start=now - dt.timedelta(days=60), end=now - dt.timedelta(days=30), by="service_type")
    assert older.visits_done == 1 and older.resolution_confirmed_rate == 0.0


def test_empty_range_and_bad_arguments(session, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    assert visit_rates(session, start=now - dt.timedelta(days=1), end=now, by="district") == []
    assert total([]) is None
    with pytest.raises(ValueError):
        visit_rates(session, start=dt.datetime(2025, 1, 1), end=now, by="district")
    with pytest.raises(ValueError):
        visit_rates(session, start=now, end=now, by="ward")  # type: ignore[arg-type]
