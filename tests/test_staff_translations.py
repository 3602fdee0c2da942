"""Every staff page (crew, supervisor, outreach visits) in Spanish, Portuguese and Haitian Creole, with no English left.

The same checks as the resident pages (tests/translation_check.py), on pages with realistic data so that badges,
history lines, filter labels and units appear: a job in every status, a conflict from the field, a follow-up visit
answered "no", a request moved to another department, an SLA in business days, an Open311 key.

Allowed as they are: data (names, addresses, numbers, tracking numbers) and, for now, the service catalogue's own
texts (type names, department names, questions and choices), which a city enters in its own words and which
another change translates.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import uuid
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask_babel import force_locale

from factories import PASSWORD, CITY_HALL, DAVIS_SQUARE, UNION_SQUARE, make_event, make_job, make_parks, make_untriaged, offset
from fieldops.accounts.models import Role
from fieldops.accounts.services import create_user
from fieldops.catalog.models import BusinessCalendar, Holiday
from fieldops.db import utcnow
from fieldops.servicerequests.models import ServiceRequest
from fieldops.i18n import LANGUAGES
from fieldops.open311.keys import issue_key
from fieldops.sla.services import default_calendar
from fieldops.visits import services as visits
from fieldops.visits.models import Resolution, VisitOutcome
from fieldops.visits.views import QUESTIONS
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrderStatus as S
from helpers import login
from translation_check import OTHER_LANGUAGES, untranslated

ZONE = ZoneInfo("America/New_York")
# Texts rightly the same in a language as in English ("Normal" priority, "No" in Spanish, the role "supervisor").
SAME_ON_PAGE = {
    "es": {"Normal", "No", "no", "CSV", "Open311", "Web", "3 · Normal", "Sam Supervisor · supervisor"},
    "pt": {"Normal", "CSV", "Open311", "3 · Normal", "Sam Supervisor · supervisor"},
    "ht": {"CSV", "Open311"},
}
# The service catalogue's texts: entered by the city, translated by another change (issue #12); data here for now.
CATALOGUE = {"Pothole", "Street light out", "Public Works", "DPW", "Parks and Recreation", "Tree maintenance", "Parks tree crew",
             "DPW Crew A", "DPW Crew B", "pothole", "streetlight", "tree", "PARKS"}


def _conflict(app: Flask, session, city, job) -> None:  # type: ignore[no-untyped-def]
    """Alice closes a job from the field that was given to Bob's crew meanwhile: a conflict for supervisors."""
    seen = job.version
    job.assignee_id, job.crew_id = city.bob.id, city.crew_b.id
    session.commit()
    client = app.test_client()
    for name in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(name, None)
    login(client, "alice")
    token = client.get("/api/session").get_json()["csrf_token"]
    body = {"kind": "close", "work_order_id": job.id, "base_version": seen, "fields": {"resolution": "Patched it"},
            "photo_ids": [], "captured_at": None}
    resp = client.post("/api/sync/actions", json=body, headers={"X-CSRFToken": token, "Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 409, resp.get_json()
    for name in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(name, None)


@pytest.fixture
def staff_pages(app, session, city):  # type: ignore[no-untyped-def]
    """A busy day: jobs in every status, triage, a transfer, a visit answered "no", an event, a key; the staff pages."""
    now = utcnow()
    parks = make_parks(session)
    by_status = {}
    for i, status in enumerate(S):
        wo = make_job(session, city, at=offset(UNION_SQUARE, north_m=60 * i), address=f"{10 + i} Bow Street",
                      created_at=now - dt.timedelta(days=3 if i % 2 else 1))
        by_status[status] = wo
    alice, sam = city.alice, city.sam
    by_status[S.NEW].status = S.NEW
    workorders.change_status(session, alice, by_status[S.EN_ROUTE], S.EN_ROUTE, expected_version=None)
    for to in (S.EN_ROUTE, S.ON_SITE):
        workorders.change_status(session, alice, by_status[S.ON_SITE], to, expected_version=None)
    done = by_status[S.COMPLETED]
    done.service_type = city.streetlight
    done.request.service_type = city.streetlight
    for to in (S.EN_ROUTE, S.ON_SITE):
        workorders.change_status(session, alice, done, to, expected_version=None)
    workorders.change_status(session, alice, done, S.COMPLETED, expected_version=None, resolution="Replaced the lamp")
    workorders.change_status(session, alice, by_status[S.UNABLE], S.EN_ROUTE, expected_version=None)
    workorders.change_status(session, alice, by_status[S.UNABLE], S.UNABLE, expected_version=None, reason="Car parked on it")
    workorders.change_status(session, sam, by_status[S.CANCELLED], S.CANCELLED, expected_version=None, reason="Duplicate call")
    untriaged = [make_untriaged(session, city, at=DAVIS_SQUARE, address="240 Elm St", created_at=now - dt.timedelta(days=d)) for d in (0, 4, 9)]
    tree = make_untriaged(session, city, service_type=parks.tree, at=CITY_HALL, address="93 Highland Ave")
    visit = visits.add_visit(session, sam, done.request, due_at=now + dt.timedelta(hours=3), assignee=city.olga)
    answered = visits.add_visit(session, sam, by_status[S.COMPLETED].request, due_at=now, assignee=city.olga)
    visits.record_outcome(session, city.olga, answered, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.NO,
                          satisfaction=2, comments="Still dark at night")
    event = make_event(session, city)
    clash = make_job(session, city, at=offset(UNION_SQUARE, east_m=90), address="3 Prospect St")
    workorders.change_status(session, alice, clash, S.EN_ROUTE, expected_version=None)
    create_user(session, username="ada", full_name="Ada Admin", password=PASSWORD, role=Role.ADMIN)
    api_key, _ = issue_key(session, sam, name="Somerville 311 app", contact="it@example.org")
    default_calendar(session)
    session.commit()
    _conflict(app, session, city, clash)

    # Every tracking number, also of the follow-on request the "no" answer opened.
    tracking = set(session.scalars(sa.select(ServiceRequest.tracking_number)))
    # The holiday names of the city's calendar: entered (or imported) by the city, like the catalogue.
    holidays = set(session.scalars(sa.select(Holiday.name)))
    calendars = set(session.scalars(sa.select(BusinessCalendar.name)))
    # A visit's questions are said to the resident, so they are in the resident's language (English here), not the page's.
    with force_locale("en"):
        questions = {str(text) for text in QUESTIONS.values()}
    # People's own words, stored as they typed them (a follow-on's description: the resident's comments, then the
    # original report). A conflict's reason is said in the page's language (fieldops/sync/reasons.py).
    stored = {"Still dark at night Deep pothole in the crosswalk"}
    agent = "Werkzeug/" + importlib.metadata.version("werkzeug")
    jobs = {status: f"/work-orders/{wo.id}" for status, wo in by_status.items()}
    first = untriaged[0]
    data = {*tracking, *CATALOGUE, *LANGUAGES.values(), "Alice Crew", "Bob Crew", "Sam Supervisor", "Olga Outreach", "Pat Parks", "Ada Admin",
            "Maria Resident", "617-555-0100", "Union Square Plaza", event.name, "Somerville 311 app", "it@example.org", *holidays, *calendars, *questions, *stored, agent, f"{api_key.prefix}…", "Alice Crew (alice)", "XXXX-XXXX",
            "fieldops", "fieldops demo city", "240 Elm St", "3 Prospect St", "93 Highland Ave", "1 Union Sq", "Deep pothole in the crosswalk",
            "Pothole by the bus stop", "Replaced the lamp", "Car parked on it", "Duplicate call", "Still dark at night", "Patched it",
            *(f"{10 + i} Bow Street" for i in range(len(S))), *(f"Ward {n}" for n in range(1, 8)), "中文", "Tiếng Việt", "العربية"}
    paths = [
        *(("/my-work" + q, "alice") for q in ("", "?status=en_route")),
        *((path, "alice") for status, path in jobs.items() if status not in (S.NEW, S.CANCELLED)),
        ("/account", "alice"),
        ("/work-orders", "sam"),
        *((path, "sam") for path in jobs.values()),
        ("/conflicts", "sam"),
        (f"/work-orders/{clash.id}", "sam"),
        ("/triage", "sam"),
        (f"/triage?service_type_id={city.pothole.id}&age=3d&overdue_only=1&sort=newest&channel=phone", "sam"),
        (f"/requests/{first.id}", "sam"),
        (f"/requests/{by_status[S.COMPLETED].request.id}", "sam"),
        (f"/requests/{first.id}/merge", "sam"),
        (f"/requests/{first.id}/transfer", "sam"),
        (f"/requests/{first.id}/public-text", "sam"),
        (f"/requests/{tree.id}", "sam"),
        ("/sla", "sam"),
        ("/performance", "sam"),
        ("/exports", "sam"),
        ("/admin/api-keys", "ada"),
        ("/events", "sam"),
        (f"/events/{event.id}", "sam"),
        ("/visits", "olga"),
        (f"/visits/{visit.id}", "olga"),
        (f"/visits/{answered.id}", "sam"),
    ]
    return {"paths": paths, "data": data}


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_staff_pages_are_fully_translated(app, staff_pages, lang: str) -> None:  # type: ignore[no-untyped-def]
    problems = untranslated(app, staff_pages["paths"], staff_pages["data"] | SAME_ON_PAGE[lang], lang, statuses=(200,))
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
