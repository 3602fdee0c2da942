"""The access matrix: every route × every kind of caller × the objects that matter, against one table.

ACCESS below is the only place the expected statuses live. test_every_route_has_a_row fails for a route (rule and
method) of app.url_map with no row, naming it; test_access_matrix runs every row for every caller and reports all
the cells that differ at once, as rows ready to paste. The rules themselves are in fieldops/access/policies.py
(403 for a page a whole role may not use, 404 for an object the caller may not see, 401 or the sign-in redirect
for nobody signed in).

Write methods carry a valid CSRF token, so what is tested is the access rule. Their bodies are deliberately
incomplete or point at ids that do not exist, so an allowed caller gets past the access check and stops at
validation (400/404/422) without changing the objects the next rows use; a refused caller gets 401/403/404 first.

One app and one set of objects per module; one signed-in test client per caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from testapp import _empty_tables, _settings
from factories import UNION_SQUARE, make_city, make_event, make_job, make_request
from helpers import CSRF_RE, login
from imagefactory import make_jpeg

CALLERS = ("anon", "crew", "other_crew", "outreach", "other_outreach", "supervisor", "admin", "api_key")
# Who each caller is (usernames from tests/factories.py, plus two made here). "api_key" is nobody signed in who
# sends a working Open311 key with every request: it must open Open311 writes and nothing else.
USERNAMES = {"crew": "alice", "other_crew": "bob", "outreach": "olga", "other_outreach": "olivia", "supervisor": "sam", "admin": "adam"}

LOGIN = 302  # anonymous on a page: redirected to the sign-in form
NOPE = 401  # anonymous on /api/...


@dataclasses.dataclass(frozen=True)
class Objects:
    """Ids of the module's objects. crew = Alice (crew A), other_crew = Bob (crew B); outreach = Olga."""

    job_a: int  # Alice's job (crew A)
    req_a: int  # its request
    tracking_a: str
    req_free: int  # a request nobody holds a job on
    visit_mine: int  # pending, assigned to Olga
    visit_theirs: int  # pending, assigned to Olivia
    visit_open: int  # pending, nobody assigned
    visit_done: int  # recorded by Olga
    event: int
    photo_a: str  # a "before" photo of Alice's job
    api_key: str


@dataclasses.dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    case: str  # which object, in words
    url: Callable[[Objects], str]
    expect: str  # statuses in CALLERS order; "api_key" may be left out (then it expects what "anon" gets)
    data: dict[str, Any] | None = None
    json: Any = None
    body: bytes | None = None
    fresh_client: bool = False  # the row ends the session (sign-out): run it on a client of its own

    def expected(self) -> dict[str, int]:
        codes = [int(c) for c in self.expect.split()]
        if len(codes) == len(CALLERS) - 1:
            codes.append(codes[0])
        assert len(codes) == len(CALLERS), f"{self.endpoint} {self.method} ({self.case}): {len(codes)} statuses for {len(CALLERS)} callers"
        return dict(zip(CALLERS, codes, strict=True))


def R(endpoint: str, method: str, case: str, url: str | Callable[[Objects], str], expect: str, **kw: Any) -> Row:
    return Row(endpoint, method, case, (lambda _o, u=url: u) if isinstance(url, str) else url, expect, **kw)


# fmt: off
# Callers:                                                                anon crew othr outr othr supv admn [api_key]
#                                                                               crew      each outr
ACCESS: list[Row] = [
    # --- signing in, language, the PWA shell (public) -------------------------------------------------------
    R("offline.start", "GET", "home", "/",                                  "302  302  302  302  302  302  302"),
    R("accounts.login", "GET", "form", "/login",                            "200  302  302  302  302  302  302"),
    # A wrong password, under a username of each caller's own so the sign-in throttle never joins in.
    R("accounts.login", "POST", "wrong password", "/login",                 "401  401  401  401  401  401  401", data={"username": "nobody-{who}", "password": "wrong"}),
    R("accounts.logout", "POST", "sign out", "/logout",                     "302  302  302  302  302  302  302", data={}, fresh_client=True),
    R("accounts.account", "GET", "my account", "/account",                  "302  200  200  200  200  200  200"),
    R("accounts.revoke_session", "POST", "no such session", "/account/sessions/99999/revoke", "302  404  404  404  404  404  404", data={}),
    R("accounts.change_password", "POST", "wrong current password", "/account/password", "302  422  422  422  422  422  422", data={"current_password": "wrong"}),
    R("csp.report", "POST", "a violation report", "/csp-report",           "204  204  204  204  204  204  204", json={"csp-report": {"document-uri": "http://localhost/", "violated-directive": "script-src"}}),
    R("i18n.choose_language", "POST", "a language", "/language",            "302  302  302  302  302  302  302", data={"language": "en"}),
    R("pwa.web_manifest", "GET", "manifest", "/manifest.webmanifest",       "200  200  200  200  200  200  200"),
    R("pwa.offline", "GET", "offline page", "/offline",                     "200  200  200  200  200  200  200"),
    R("pwa.service_worker", "GET", "service worker", "/sw.js",              "200  200  200  200  200  200  200"),
    # --- public status pages and Open311 --------------------------------------------------------------------
    R("servicerequests.status_lookup", "GET", "form", "/status",            "200  200  200  200  200  200  200"),
    R("servicerequests.status", "GET", "a request", lambda o: f"/status/{o.tracking_a}", "200  200  200  200  200  200  200"),
    R("open311.root", "GET", "root", "/open311/v2/",                        "200  200  200  200  200  200  200"),
    R("open311.discovery", "GET", "discovery", "/open311/v2/discovery.json", "200  200  200  200  200  200  200"),
    R("open311.openapi", "GET", "openapi", "/open311/v2/openapi.json",      "200  200  200  200  200  200  200"),
    R("open311.service_list", "GET", "services", "/open311/v2/services.json", "200  200  200  200  200  200  200"),
    R("open311.service_definition", "GET", "a service", "/open311/v2/services/pothole.json", "200  200  200  200  200  200  200"),
    R("open311.request_list", "GET", "requests", "/open311/v2/requests.json", "200  200  200  200  200  200  200"),
    R("open311.request_detail", "GET", "a request", lambda o: f"/open311/v2/requests/{o.tracking_a}.json", "200  200  200  200  200  200  200"),
    R("open311.request_create", "POST", "no service code", "/open311/v2/requests.json", "403  403  403  403  403  403  403  400", data={}),
    # Before/after photos of a request are its Open311 media_url, public by design (fieldops/open311/services.py).
    R("open311.token", "GET", "unknown token", "/open311/v2/tokens/nope.json", "404  404  404  404  404  404  404"),
    R("open311.media", "GET", "a job's photo", lambda o: f"/open311/v2/media/{o.photo_a}.jpg", "200  200  200  200  200  200  200"),
    R("open311.unknown", "GET", "unknown path", "/open311/nope",            "404  404  404  404  404  404  404"),
    R("open311.unknown", "POST", "unknown path", "/open311/nope",           "404  404  404  404  404  404  404", data={}),
    R("open311.unknown", "PUT", "unknown path", "/open311/nope",            "404  404  404  404  404  404  404", data={}),
    R("open311.unknown", "PATCH", "unknown path", "/open311/nope",          "404  404  404  404  404  404  404", data={}),
    R("open311.unknown", "DELETE", "unknown path", "/open311/nope",         "404  404  404  404  404  404  404", data={}),
    # --- work orders ----------------------------------------------------------------------------------------
    R("workorders.my_work", "GET", "list", "/my-work",                      "302  200  200  403  403  403  200"),
    R("workorders.overview", "GET", "list", "/work-orders",                 "302  403  403  403  403  200  200"),
    R("workorders.detail", "GET", "crew A's job", lambda o: f"/work-orders/{o.job_a}", "302  200  404  404  404  200  200"),
    R("workorders.detail", "GET", "no such job", "/work-orders/99999",      "302  404  404  404  404  404  404"),
    R("workorders.change_status", "POST", "crew A's job, bad status", lambda o: f"/work-orders/{o.job_a}/status",
                                                                            "302  422  404  404  404  422  422", data={"to": "bogus"}),
    R("workorders.upload_photos", "POST", "crew A's job, no file", lambda o: f"/work-orders/{o.job_a}/photos",
                                                                            "302  422  404  404  404  422  422", data={"kind": "before"}),
    R("dispatch.reassign", "POST", "crew A's job, no crew", lambda o: f"/work-orders/{o.job_a}/reassign",
                                                                            "302  403  403  403  403  303  303", data={"crew_id": "99999"}),  # a form: back to the page, with the message
    R("photos.show", "GET", "crew A's photo", lambda o: f"/photos/{o.photo_a}/thumb", "302  200  404  404  404  200  200"),
    R("photos.show", "GET", "no such photo", f"/photos/{uuid.UUID(int=1)}/full", "302  404  404  404  404  404  404"),
    # --- requests (staff side) ------------------------------------------------------------------------------
    R("servicerequests.new", "GET", "form", "/requests/new",                "302  200  200  200  200  200  200"),
    R("servicerequests.new", "POST", "no type", "/requests/new",            "302  422  422  422  422  422  422", data={}),
    R("servicerequests.receipt", "GET", "a request", lambda o: f"/requests/{o.tracking_a}/receipt", "302  200  200  200  200  200  200"),
    R("servicerequests.duplicate_candidates", "GET", "near crew A's job",
      f"/api/requests/duplicates?service_type=pothole&latitude={UNION_SQUARE[0]}&longitude={UNION_SQUARE[1]}",
                                                                            "401  200  200  200  200  200  200"),
    R("servicerequests.open_requests", "GET", "all", "/api/requests/open.json", "401  200  200  200  200  200  200"),
    R("dispatch.triage", "GET", "list", "/triage",                          "302  403  403  403  403  200  200"),
    R("dispatch.request_detail", "GET", "crew A's request", lambda o: f"/requests/{o.req_a}", "302  200  404  404  404  200  200"),
    R("dispatch.public_text", "GET", "moderation of crew A's request", lambda o: f"/requests/{o.req_a}/public-text", "302  403  403  403  403  200  200"),
    R("dispatch.public_text", "POST", "too long a public text", lambda o: f"/requests/{o.req_a}/public-text", "302  403  403  403  403  422  422", data={"public_description": "x" * 6000}),
    R("dispatch.request_detail", "GET", "request without a job", lambda o: f"/requests/{o.req_free}", "302  404  404  404  404  200  200"),
    R("dispatch.merge", "GET", "crew A's request", lambda o: f"/requests/{o.req_a}/merge", "302  403  403  403  403  200  200"),
    R("dispatch.merge", "POST", "no target", lambda o: f"/requests/{o.req_a}/merge", "302  403  403  403  403  422  422", data={}),
    R("dispatch.transfer", "GET", "crew A's request", lambda o: f"/requests/{o.req_a}/transfer", "302  403  403  403  403  200  200"),
    R("dispatch.transfer", "POST", "no department", lambda o: f"/requests/{o.req_a}/transfer", "302  403  403  403  403  422  422", data={}),
    R("dispatch.create_work_order", "POST", "no such request", "/requests/99999/work-orders", "302  403  403  403  403  404  404", data={}),
    # --- follow-up visits -----------------------------------------------------------------------------------
    R("visits.my_visits", "GET", "list", "/visits",                         "302  403  403  200  200  200  200"),
    R("visits.detail", "GET", "Olga's pending visit", lambda o: f"/visits/{o.visit_mine}", "302  403  403  200  404  200  200"),
    R("visits.detail", "GET", "Olivia's pending visit", lambda o: f"/visits/{o.visit_theirs}", "302  403  403  404  200  200  200"),
    R("visits.detail", "GET", "unassigned pending visit", lambda o: f"/visits/{o.visit_open}", "302  403  403  200  200  200  200"),
    R("visits.detail", "GET", "visit Olga recorded", lambda o: f"/visits/{o.visit_done}", "302  403  403  200  404  200  200"),
    R("visits.record_outcome", "POST", "Olga's visit, no outcome", lambda o: f"/visits/{o.visit_mine}/outcome",
                                                                            "302  403  403  422  404  422  422", data={}),
    R("visits.record_outcome", "POST", "recorded visit, no outcome", lambda o: f"/visits/{o.visit_done}/outcome",
                                                                            "302  403  403  422  404  422  422", data={}),
    R("visits.assign", "POST", "Olga's visit, nobody real", lambda o: f"/visits/{o.visit_mine}/assign",
                                                                            "302  403  403  403  403  404  404", data={"assignee_id": "99999"}),
    R("visits.cancel", "POST", "no such visit", "/visits/99999/cancel",    "302  403  403  403  403  404  404", data={}),
    R("visits.add", "POST", "no such request", "/requests/99999/visits",   "302  403  403  403  403  404  404", data={}),
    # --- outreach events ------------------------------------------------------------------------------------
    R("outreach.events", "GET", "list", "/events",                          "302  200  200  200  200  200  200"),
    R("outreach.events", "POST", "no name", "/events",                      "302  403  403  422  422  422  422", data={}),
    R("outreach.event", "GET", "an event", lambda o: f"/events/{o.event}", "302  200  200  200  200  200  200"),
    R("outreach.check_in", "POST", "an event, no point", lambda o: f"/events/{o.event}/checkin", "302  302  302  302  302  302  302", data={"action": "bogus"}),
    R("outreach.residents", "POST", "an event, no count", lambda o: f"/events/{o.event}/residents", "302  422  422  422  422  422  422", data={"count": "x"}),
    # --- offline and sync API -------------------------------------------------------------------------------
    R("offline.manifest", "GET", "mine", "/api/offline/manifest",           "401  200  200  200  200  200  200"),
    R("offline.start_record", "GET", "mine", "/api/offline/start.json",     "401  200  200  200  200  200  200"),
    R("sync.session_info", "GET", "mine", "/api/session",                   "401  200  200  200  200  200  200"),
    R("servicerequests.catalog_json", "GET", "catalogue", "/api/catalog.json", "401  200  200  200  200  200  200"),
    R("workorders.my_work_json", "GET", "mine", "/api/my-work.json",        "401  200  200  200  200  200  200"),
    R("maps.districts", "GET", "districts", "/api/districts.geojson",       "401  200  200  200  200  200  200"),
    # No basemap is installed in this module: any signed-in role hears 404 (what is installed is in tests/basemap).
    R("basemap.current", "GET", "none installed", "/basemap/current.json",  "302  404  404  404  404  404  404"),
    R("basemap.archive", "GET", "unknown version", "/basemap/0123456789abcdef.pmtiles", "302  404  404  404  404  404  404"),
    R("sync.put_photo", "PUT", "not an image", lambda o: f"/api/photos/{uuid.UUID(int=2)}?kind=after", "401  422  422  422  422  422  422", body=b"not a jpeg"),
    R("sync.sync_action", "POST", "note on crew A's job", "/api/sync/actions",
                                                                            "401  200  403  403  403  200  200", json="NOTE_ON_JOB_A"),
    # Malformed answers are refused before the visit is looked at (422), so the assignee rule is not reached here;
    # tests/visits/test_visit_sync.py answers for someone else's visit with a well-formed body (403).
    R("sync.sync_action", "POST", "visit answer, Olga's visit, no answer", "/api/sync/actions",
                                                                            "401  403  403  422  422  422  422", json="VISIT_MINE"),
    R("sync.conflicts_json", "GET", "mine", "/api/sync/conflicts",          "401  200  200  200  200  200  200"),
    R("sync.openapi", "GET", "the document", "/api/sync/openapi.json",      "401  200  200  200  200  200  200"),
    R("sync.conflicts", "GET", "mine", "/conflicts",                        "302  200  200  200  200  200  200"),
    R("sync.resolve", "POST", "no such conflict", "/conflicts/99999/resolve", "302  403  403  403  403  404  404", data={}),
    # --- supervisors' and admins' pages ---------------------------------------------------------------------
    R("exports.index", "GET", "page", "/exports",                           "302  403  403  403  403  200  200"),
    R("exports.requests_csv", "GET", "file", "/exports/requests.csv",       "302  403  403  403  403  200  200"),
    R("exports.requests_geojson", "GET", "file", "/exports/requests.geojson", "302  403  403  403  403  200  200"),
    R("exports.work_orders_csv", "GET", "file", "/exports/work-orders.csv", "302  403  403  403  403  200  200"),
    R("exports.work_orders_geojson", "GET", "file", "/exports/work-orders.geojson", "302  403  403  403  403  200  200"),
    R("performance.index", "GET", "page", "/performance",                   "302  403  403  403  403  200  200"),
    R("performance.table_csv", "GET", "a table", "/performance/summary.csv", "302  403  403  403  403  200  200"),
    R("sla.admin", "GET", "page", "/sla",                                   "302  403  403  403  403  200  200"),
    R("sla.create_calendar", "POST", "no name", "/sla/calendars",           "302  403  403  403  403  422  422", data={}),
    R("sla.update_calendar", "POST", "no such calendar", "/sla/calendars/99999", "302  403  403  403  403  404  404", data={}),
    R("sla.add_holiday", "POST", "no such calendar", "/sla/calendars/99999/holidays", "302  403  403  403  403  404  404", data={}),
    R("sla.remove_holiday", "POST", "no such calendar", "/sla/calendars/99999/holidays/1/delete", "302  403  403  403  403  404  404", data={}),
    R("sla.add_public_holidays", "POST", "no such calendar", "/sla/calendars/99999/public-holidays", "302  403  403  403  403  404  404", data={}),
    R("sla.update_privacy", "POST", "no such type", "/sla/service-types/99999/privacy", "302  403  403  403  403  404  404", data={}),
    R("sla.update_standard", "POST", "no such type", "/sla/service-types/99999", "302  403  403  403  403  404  404", data={}),
    R("open311.admin.index", "GET", "keys", "/admin/api-keys",              "302  403  403  403  403  403  200"),
    R("open311.admin.issue", "POST", "no name", "/admin/api-keys",          "302  403  403  403  403  403  422", data={}),
    R("open311.admin.revoke", "POST", "no such key", "/admin/api-keys/99999/revoke", "302  403  403  403  403  403  404", data={}),
    # Last: it ends every session of the caller, the matrix's shared clients included.
    R("accounts.sign_out_everywhere", "POST", "sign out everywhere", "/account/sign-out-everywhere", "302  302  302  302  302  302  302", data={}, fresh_client=True),
]
# fmt: on


def _sync_bodies(o: Objects) -> dict[str, Any]:
    """Outbox items as the tablet sends them (pwa/js/outbox.js), by the names the rows use."""
    return {
        "NOTE_ON_JOB_A": {"kind": "note", "work_order_id": o.job_a, "base_version": None, "fields": {"text": "matrix"}, "photo_ids": [], "captured_at": None},
        # "reached" without saying whether it is fixed: refused as incomplete once the caller may answer at all.
        "VISIT_MINE": {"kind": "visit", "work_order_id": None, "base_version": None, "photo_ids": [], "captured_at": None,
                       "fields": {"visit_id": o.visit_mine, "outcome": "reached", "resolved": None, "satisfaction": None, "comments": "", "language": "en"}},
    }


class Caller:
    """One caller's test client: signed in once, with its CSRF token (and the Open311 key for "api_key")."""

    def __init__(self, app: Flask, who: str, api_key: str) -> None:
        self.who = who
        self.client: FlaskClient = app.test_client()
        self.api_key = api_key if who == "api_key" else None
        if who in USERNAMES:
            self._forget()
            login(self.client, USERNAMES[who])
        self._forget()
        if who in USERNAMES:
            self.token = self.client.get("/api/session").get_json()["csrf_token"]  # as the tablet's outbox gets it
        else:
            match = CSRF_RE.search(self.client.get("/login").get_data(as_text=True))
            assert match, "no CSRF token on /login"
            self.token = match.group(1)

    @staticmethod
    def _forget() -> None:
        # The clients share the module's app context, where Flask-Login and Flask-WTF cache the user and the
        # token in `g`: drop them so each request is judged as its own client's.
        for name in ("_login_user", "csrf_token", "csrf_valid"):
            g.pop(name, None)

    def call(self, row: Row, o: Objects) -> TestResponse:
        self._forget()
        url = row.url(o)
        headers = {"X-CSRFToken": self.token}
        if self.api_key:
            headers["X-Api-Key"] = self.api_key
        kwargs: dict[str, Any] = {"headers": headers}
        if row.json is not None:
            body = _sync_bodies(o)[row.json] if isinstance(row.json, str) else row.json
            kwargs["json"] = body
            headers["Idempotency-Key"] = str(uuid.uuid4())
        elif row.body is not None:
            kwargs["data"] = row.body
            headers["Content-Type"] = "image/jpeg"
        elif row.method != "GET":
            data = {k: v.format(who=self.who) if isinstance(v, str) else v for k, v in (row.data or {}).items()}
            kwargs["data"] = {**data, "csrf_token": self.token}
        return self.client.open(url, method=row.method, **kwargs)


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Objects]]:
    app = _make_app(database_url, tmp_path_factory.mktemp("matrix"))
    with app.app_context():
        from fieldops.extensions import db

        try:
            yield app, _make_objects(app, db.session)
        finally:
            db.session.rollback()
            db.session.remove()
            _empty_tables(db.engine)
            db.engine.dispose()


def _make_app(database_url: str, instance: Path) -> Flask:
    from fieldops import create_app

    return create_app(_settings(database_url, instance))


def _make_objects(app: Flask, session: Any) -> Objects:
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user
    from fieldops.open311.keys import issue_key
    from fieldops.photos.models import PhotoKind
    from fieldops.photos.services import add_work_order_photo
    from fieldops.visits import services as visits
    from fieldops.visits.models import Resolution, VisitOutcome, VisitReason
    from fieldops.visits.services import add_visit
    from fieldops import get_settings
    from zoneinfo import ZoneInfo

    city = make_city(session)
    olivia = create_user(session, username="olivia", full_name="Olivia Outreach", password="correct-horse-battery", role=Role.OUTREACH)
    create_user(session, username="adam", full_name="Adam Admin", password="correct-horse-battery", role=Role.ADMIN)
    job_a = make_job(session, city, assignee=city.alice)
    job_a.request.contact_consent = True
    free = make_request(session, city, service_type=city.streetlight)
    now = dt.datetime.now(dt.UTC)
    reqs = [make_request(session, city, service_type=city.streetlight, at=(UNION_SQUARE[0] + 0.01 * i, UNION_SQUARE[1]), contact_consent=True) for i in range(1, 5)]
    mine, theirs, open_, done = (add_visit(session, city.sam, r, due_at=now, assignee=a, now=now) for r, a in zip(reqs, (city.olga, olivia, None, city.olga), strict=True))
    assert mine.reason == VisitReason.MANUAL
    visits.record_outcome(session, city.olga, done, outcome=VisitOutcome.REACHED, zone=ZoneInfo("America/New_York"), resolved=Resolution.YES)
    photo = add_work_order_photo(session, get_settings(), city.alice, job_a, raw=make_jpeg(), kind=PhotoKind.BEFORE)
    event = make_event(session, city)
    _key, secret = issue_key(session, None, name="Matrix test app")
    session.commit()
    return Objects(job_a.id, job_a.request_id, job_a.request.tracking_number, free.id, mine.id, theirs.id, open_.id, done.id, event.id, photo.id, secret)


def _route_keys(app: Flask) -> set[tuple[str, str, str]]:
    return {(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules() for method in (rule.methods or ()) if method not in ("HEAD", "OPTIONS")}


def test_every_route_has_a_row(world: tuple[Flask, Objects]) -> None:
    app, _ = world
    covered = {(row.endpoint, row.method) for row in ACCESS}
    missing = sorted(f"{method} {rule}  (endpoint {endpoint!r})" for endpoint, method, rule in _route_keys(app) if (endpoint, method) not in covered)
    assert not missing, "Routes without a row in ACCESS (tests/security/test_access_matrix.py); add one per route and method:\n  " + "\n  ".join(missing)
    known = {(endpoint, method) for endpoint, method, _rule in _route_keys(app)}
    stale = sorted(f"{row.method} {row.endpoint}" for row in ACCESS if (row.endpoint, row.method) not in known)
    assert not stale, "Rows in ACCESS for routes the app no longer has:\n  " + "\n  ".join(stale)


def test_access_matrix(world: tuple[Flask, Objects]) -> None:
    app, o = world
    callers = {who: Caller(app, who, o.api_key) for who in CALLERS}
    wrong = []
    for row in ACCESS:
        for who, want in row.expected().items():
            caller = Caller(app, who, o.api_key) if row.fresh_client else callers[who]
            got = caller.call(row, o).status_code
            if got != want:
                wrong.append(f"{row.method} {row.url(o)}  [{row.endpoint}, {row.case}]  {who}: expected {want}, got {got}")
    assert not wrong, f"{len(wrong)} cells of the access matrix differ:\n  " + "\n  ".join(wrong)


# --- what allowed callers see: contact details and the resident's words only where the rules allow --------------

CONTACT = ("Maria Resident", "Private Person", "617-555", "private@example.org")
WORDS = ("Deep pothole in the crosswalk", "My neighbour Joe")


def _text(caller: Caller, o: Objects, url: str) -> str:
    resp = caller.call(R("-", "GET", "-", url, "200 200 200 200 200 200 200"), o)
    assert resp.status_code == 200, (caller.who, url, resp.status_code)
    return resp.get_data(as_text=True)


def _has_contact(text: str) -> bool:
    return any(c in text for c in CONTACT)


def test_visit_contact_details_only_to_the_visitor_while_pending_then_supervisors(world: tuple[Flask, Objects]) -> None:
    app, o = world
    olga, sam = Caller(app, "outreach", o.api_key), Caller(app, "supervisor", o.api_key)
    assert _has_contact(_text(olga, o, f"/visits/{o.visit_mine}"))  # her pending visit: she needs the name at the door
    assert not _has_contact(_text(olga, o, f"/visits/{o.visit_done}"))  # done: supervisors only
    assert not _has_contact(_text(olga, o, f"/visits/{o.visit_open}"))  # nobody's yet: not hers
    assert _has_contact(_text(sam, o, f"/visits/{o.visit_done}"))
    olivia = Caller(app, "other_outreach", o.api_key)
    assert olivia.call(R("-", "GET", "-", f"/visits/{o.visit_done}", ""), o).status_code == 404


def test_duplicates_api_shows_address_and_words_only_to_who_may_open_the_request(world: tuple[Flask, Objects]) -> None:
    app, o = world
    url = f"/api/requests/duplicates?service_type=pothole&latitude={UNION_SQUARE[0]}&longitude={UNION_SQUARE[1]}"
    seen = {}
    for who in ("crew", "other_crew", "outreach", "supervisor"):
        caller = Caller(app, who, o.api_key)
        body = _text(caller, o, url)
        assert not _has_contact(body), who
        (cand,) = json.loads(body)["candidates"]
        assert cand["tracking_number"] == o.tracking_a and cand["distance_m"] == 0 and cand["created_at"]
        seen[who] = ("address" in cand, "description" in cand, any(w in body for w in WORDS))
    assert seen == {"crew": (True, True, True), "other_crew": (False, False, False), "outreach": (False, False, False), "supervisor": (True, True, True)}


def test_offline_open_requests_carry_addresses_only_of_requests_the_user_may_open(world: tuple[Flask, Objects]) -> None:
    app, o = world
    for who, shown in (("crew", True), ("other_crew", False), ("outreach", False), ("supervisor", True)):
        data = json.loads(_text(Caller(app, who, o.api_key), o, "/api/requests/open.json"))
        cols = data["requests"]
        address = dict(zip(cols["tracking_number"], cols["address"], strict=True))
        assert (address[o.tracking_a] is not None) is shown, who
        assert not _has_contact(json.dumps(data)), who


def test_request_and_job_pages_show_contact_to_supervisors_only(world: tuple[Flask, Objects]) -> None:
    app, o = world
    alice, sam = Caller(app, "crew", o.api_key), Caller(app, "supervisor", o.api_key)
    for url in (f"/requests/{o.req_a}", f"/work-orders/{o.job_a}"):
        text = _text(alice, o, url)
        assert WORDS[0] in text and not _has_contact(text), url  # the crew reads the resident's words, not who they are
    assert "Maria Resident" in _text(sam, o, f"/requests/{o.req_a}")
