"""The "visit" outbox action through the real sync API: applied once, conflicts keep the evidence, photos attach."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from fieldops.activity.models import Activity
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import ServiceRequest
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus
from sync.sync_helpers import Tablet
from visit_factories import make_due_visit


@pytest.fixture
def tablet(app, city):  # type: ignore[no-untyped-def]
    return lambda username: Tablet(app.test_client(), username)


def visit_action(vid: int, version: int | None, /, **fields: Any) -> dict[str, Any]:
    """A "visit" body as pwa/js/visits.js sends it through the outbox."""
    photo_ids = fields.pop("photo_ids", [])
    captured_at = fields.pop("captured_at", None)
    return {
        "kind": "visit",
        "work_order_id": None,
        "base_version": version,
        "fields": {"visit_id": vid, "outcome": "reached", "resolved": None, "satisfaction": None, "comments": "", "language": "en", **fields},
        "photo_ids": photo_ids,
        "captured_at": captured_at,
    }


def _fresh(session, model, *where):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(sa.select(model).where(*where)).all()


def test_not_resolved_visit_with_a_photo_opens_a_follow_on_once(session, city, tablet, settings) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    visit_id, version, request_id = visit.id, visit.version, visit.request_id
    t = tablet("olga")
    pid = t.photo(kind="visit", lat=42.3795, lon=-71.0937)
    key = str(uuid.uuid4())
    captured = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    body = visit_action(visit_id, version, resolved="no", satisfaction=1, comments="Sigue oscuro", language="es", photo_ids=[pid], captured_at=captured)
    resp = t.action(body, key)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    answer = resp.get_json()
    assert answer["key"] == key and answer["kind"] == "visit"
    follow_on = answer["result"]["follow_on"]
    assert answer["result"]["status"] == "done" and follow_on is not None
    assert resp.headers["Idempotency-Key"] == key

    # The same item again (a lost response): the stored answer, nothing applied twice.
    again = t.action(body, key)
    assert again.status_code == 200 and again.get_data(as_text=True) == resp.get_data(as_text=True)
    [v] = _fresh(session, FollowUpVisit, FollowUpVisit.id == visit_id)
    assert (v.status, v.outcome, v.resolved, v.satisfaction, v.language, v.comments) == (
        VisitStatus.DONE, VisitOutcome.REACHED, Resolution.NO, 1, "es", "Sigue oscuro"
    )
    assert abs((v.completed_at - dt.datetime.fromisoformat(captured)).total_seconds()) < 1  # the time at the door
    children = _fresh(session, ServiceRequest, ServiceRequest.parent_id == request_id)
    assert [c.tracking_number for c in children] == [follow_on["tracking_number"]]
    [photo] = _fresh(session, Photo, Photo.id == pid)
    assert (photo.visit_id, photo.request_id, photo.kind) == (visit_id, request_id, PhotoKind.VISIT)
    # Every history entry the action wrote carries its key, on both requests.
    keyed = _fresh(session, Activity, Activity.source_key == key)
    assert {a.request_id for a in keyed} == {request_id, follow_on["id"]}
    assert {"visit:done", "visit:follow_on", "visit:follow_on_of", "photo:visit", "request:created"} <= {a.verb for a in keyed}


def test_same_key_other_body_is_refused(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    t = tablet("olga")
    key = str(uuid.uuid4())
    assert t.action(visit_action(visit.id, visit.version, outcome="not_home"), key).status_code == 200
    resp = t.action(visit_action(visit.id, visit.version, resolved="yes"), key)
    assert resp.status_code == 422 and "already used" in resp.get_json()["error"]


def test_visit_recorded_meanwhile_is_a_conflict_that_keeps_the_answers(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    visit_id, version, wo_id = visit.id, visit.version, visit.work_order_id
    sam = tablet("sam")
    assert sam.action(visit_action(visit_id, version, resolved="yes", satisfaction=5), str(uuid.uuid4())).status_code == 200
    olga = tablet("olga")
    pid = olga.photo(kind="visit")
    key = str(uuid.uuid4())
    resp = olga.action(visit_action(visit_id, version, resolved="partly", comments="Only half fixed", photo_ids=[pid]), key)
    assert resp.status_code == 409, resp.get_data(as_text=True)
    body = resp.get_json()
    assert "Sam Supervisor recorded follow-up visit" in body["error"] and "kept for a supervisor" in body["error"]
    # Not applied: still sam's answers, no follow-on.
    [v] = _fresh(session, FollowUpVisit, FollowUpVisit.id == visit_id)
    assert (v.resolved, v.satisfaction, v.follow_on_request_id) == (Resolution.YES, 5, None)
    # Evidence kept: the photo on the visit, the payload in a conflict on the supervisors' page, the history.
    [photo] = _fresh(session, Photo, Photo.id == pid)
    assert photo.visit_id == visit_id
    [conflict] = _fresh(session, SyncConflict, SyncConflict.key == key)
    assert conflict.kind == "visit" and conflict.work_order_id == wo_id and conflict.payload["fields"]["comments"] == "Only half fixed"
    assert _fresh(session, Activity, Activity.source_key == key, Activity.verb == "sync:conflict")
    # Replayed: the stored 409, no second conflict.
    again = olga.action(visit_action(visit_id, version, resolved="partly", comments="Only half fixed", photo_ids=[pid]), key)
    assert again.status_code == 409 and len(_fresh(session, SyncConflict, SyncConflict.key == key)) == 1


def test_earlier_not_home_from_the_same_tablet_then_reached_applies(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    t = tablet("olga")
    # Both queued offline against version 1: the second arrives with a stale base version.
    assert t.action(visit_action(visit.id, 1, outcome="not_home"), str(uuid.uuid4())).status_code == 200
    resp = t.action(visit_action(visit.id, 1, resolved="yes", satisfaction=4), str(uuid.uuid4()))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [v] = _fresh(session, FollowUpVisit, FollowUpVisit.id == visit.id)
    assert (v.status, v.attempts, v.resolved) == (VisitStatus.DONE, 2, Resolution.YES)


def test_visit_reassigned_while_offline_is_a_conflict_but_current_version_is_403(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user
    from fieldops.visits import services as visits

    olivia = create_user(session, username="olivia", full_name="Olivia Outreach", password="correct-horse-battery", role=Role.OUTREACH)
    visit = make_due_visit(session, city)
    stale = visit.version
    visits.assign_visit(session, city.sam, visit, olivia)
    session.commit()
    t = tablet("olga")
    resp = t.action(visit_action(visit.id, stale, resolved="yes"), str(uuid.uuid4()))
    assert resp.status_code == 409 and "given to Olivia Outreach" in resp.get_json()["error"]
    resp = t.action(visit_action(visit.id, visit.version, resolved="yes"), str(uuid.uuid4()))
    assert resp.status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"visit_id": None}, "which follow-up visit"),
        ({"outcome": "maybe"}, "reached or not home"),
        ({"resolved": None}, "fixed"),
        ({"resolved": "perhaps"}, "yes, partly or no"),
        ({"resolved": "yes", "satisfaction": 9}, "1 to 5"),
        ({"resolved": "yes", "satisfaction": "5"}, "1 to 5"),
        ({"resolved": "yes", "comments": 5}, "text"),
        ({"resolved": "yes", "language": "<script>"}, "language code"),
    ],
)
def test_malformed_visit_actions_need_attention_and_store_nothing(session, city, tablet, fields, message) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    t = tablet("olga")
    key = str(uuid.uuid4())
    resp = t.action(visit_action(visit.id, visit.version, **fields), key)
    assert resp.status_code == 422 and message in resp.get_json()["error"], resp.get_json()
    assert session.get(IdempotencyKey, key) is None


def test_crews_cannot_send_visit_outcomes_and_unknown_visits_are_404(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    assert tablet("alice").action(visit_action(visit.id, visit.version, resolved="yes"), str(uuid.uuid4())).status_code == 403
    assert tablet("olga").action(visit_action(999_999, 1, resolved="yes"), str(uuid.uuid4())).status_code == 404


def test_refusals_reach_a_spanish_tablet_in_spanish(session, city, tablet) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    session.commit()
    t = tablet("olga")
    t.client.get("/visits?lang=es")  # the language menu's choice, kept for the session
    resp = t.action(visit_action(999_999, None, resolved="yes"), str(uuid.uuid4()))
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "No existe la visita de seguimiento 999999."
    resp = t.action(visit_action(visit.id, visit.version, resolved="yes", comments=["not", "text"]), str(uuid.uuid4()))
    assert resp.status_code == 422 and resp.get_json()["error"] == "Los comentarios deben ser texto."
