"""The sync API through the real app: sign-in, CSRF, staged photos, idempotent actions, conflicts."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import sqlalchemy as sa

from factories import UNION_SQUARE, make_job
from fieldops.activity.models import Activity
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, ServiceRequest
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrder, WorkOrderStatus as S
from imagefactory import make_jpeg
from sync_helpers import wo_action


def _count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    """Committed rows only: a connection of its own, not the session the requests share with the test."""
    session.expire_all()
    with session.get_bind().connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def _files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(settings.storage_path) / "photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _verbs(session, wo_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(Activity.verb).where(Activity.work_order_id == wo_id).order_by(Activity.id)))


# --- session, sign-in, CSRF ---------------------------------------------------------------------------------------


def test_session_gives_the_user_and_a_working_csrf_token(tablet, city) -> None:  # type: ignore[no-untyped-def]
    t = tablet("alice")
    info = t.session_info
    assert info["user"] == {"id": city.alice.id, "username": "alice", "full_name": "Alice Crew", "role": "crew"}
    server_time = dt.datetime.fromisoformat(info["server_time"])
    assert server_time.tzinfo is not None and abs(server_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    resp = t.client.get("/api/session")
    assert resp.headers["Cache-Control"] == "no-store"
    # The token it hands out is accepted for writes.
    pid, resp = t.put_photo(make_jpeg(width=64, height=48))
    assert resp.status_code == 201


def test_anonymous_api_calls_get_401_json(client, city) -> None:  # type: ignore[no-untyped-def]
    pid = uuid.uuid4()
    calls = [
        ("GET", "/api/session"),
        ("GET", "/api/my-work.json"),
        ("GET", "/api/catalog.json"),
        ("GET", "/api/sync/conflicts"),
        # Writes fail the CSRF check first (no session, no token); a signed-out client must still hear 401.
        ("POST", "/api/sync/actions"),
        ("PUT", f"/api/photos/{pid}?kind=after"),
    ]
    for method, url in calls:
        resp = client.open(url, method=method, json={} if method == "POST" else None)
        assert resp.status_code == 401, (method, url, resp.status_code)
        assert resp.is_json and resp.get_json()["error"], (method, url)
    assert client.get("/conflicts").status_code == 302


def test_a_bad_csrf_token_is_400_json_with_code_csrf(tablet) -> None:  # type: ignore[no-untyped-def]
    t = tablet("alice")
    resp = t.client.post("/api/sync/actions", json={}, headers={"X-CSRFToken": "forged", "Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "csrf"


# --- staged photos ------------------------------------------------------------------------------------------------


def test_photo_put_is_idempotent_and_never_overwritten(tablet, session, settings, city) -> None:  # type: ignore[no-untyped-def]
    t = tablet("alice")
    raw = make_jpeg(width=800, height=600, lat=UNION_SQUARE[0], lon=UNION_SQUARE[1])
    pid, first = t.put_photo(raw, kind="before")
    assert first.status_code == 201
    body = first.get_json()
    assert body["id"] == pid and body["attached"] is False and body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (800, 600) and abs(body["latitude"] - UNION_SQUARE[0]) < 1e-4
    files = _files(settings)
    assert len(files) == 2  # stored copy + thumbnail

    _, again = t.put_photo(raw, photo_id=pid.upper(), kind="before")
    assert again.status_code == 200 and again.get_json() == body
    assert _count(session, Photo) == 1 and _files(settings) == files

    stored = {p: p.read_bytes() for p in files}
    _, other = t.put_photo(make_jpeg(width=800, height=600, color=(0, 0, 255)), photo_id=pid)
    assert other.status_code == 409
    assert other.get_json()["error"] == "A different photo was already uploaded with this id."
    assert {p: p.read_bytes() for p in _files(settings)} == stored

    photo = session.get(Photo, pid)
    assert photo.request_id is None and photo.work_order_id is None
    assert photo.kind == PhotoKind.BEFORE and photo.uploaded_by_id == city.alice.id


def test_photo_put_refuses_bad_input(tablet, session, settings) -> None:  # type: ignore[no-untyped-def]
    t = tablet("alice")
    _, resp = t.put_photo(b"definitely not a jpeg")
    assert resp.status_code == 422 and "not a photo" in resp.get_json()["error"]
    resp = t.client.put("/api/photos/not-a-uuid?kind=after", data=make_jpeg(width=64, height=48), headers={"X-CSRFToken": t.token})
    assert resp.status_code == 404
    resp = t.client.put(f"/api/photos/{uuid.uuid4()}?kind=selfie", data=make_jpeg(width=64, height=48), headers={"X-CSRFToken": t.token})
    assert resp.status_code == 422
    too_big = b"\xff\xd8" + b"\0" * (settings.max_photo_bytes + 2 * 1024 * 1024)
    _, resp = t.put_photo(too_big)
    assert resp.status_code == 413 and resp.is_json
    assert _count(session, Photo) == 0 and _files(settings) == []


# --- actions: idempotency -----------------------------------------------------------------------------------------


def test_a_replayed_status_change_applies_once_and_replays_the_same_answer(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    seen = job.version
    t = tablet("alice")
    key = str(uuid.uuid4())
    body = wo_action("status", job.id, seen, fields={"to": "en_route"}, captured_at=(dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat())
    first = t.action(body, key)
    assert first.status_code == 200, first.get_json()
    assert first.headers["Idempotency-Key"] == key
    answer = first.get_json()
    assert answer["key"] == key and answer["kind"] == "status" and answer["request"] is None
    assert answer["work_order"] == {"id": job.id, "status": "en_route", "version": seen + 1}

    second = t.action(body, key)
    assert second.status_code == 200 and second.get_data() == first.get_data()
    assert second.headers["Idempotency-Key"] == key
    assert _verbs(session, job.id).count("status:en_route") == 1
    assert _count(session, IdempotencyKey) == 1
    entry = session.scalar(sa.select(Activity).where(Activity.verb == "status:en_route"))
    assert entry.source_key == key and entry.actor_id == city.alice.id


def test_the_same_key_with_another_body_or_user_is_refused(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    alice, bob = tablet("alice"), tablet("bob")
    key = str(uuid.uuid4())
    assert alice.action(wo_action("status", job.id, job.version, fields={"to": "en_route"}), key).status_code == 200

    other_body = alice.action(wo_action("status", job.id, job.version, fields={"to": "on_site"}), key)
    assert other_body.status_code == 422
    assert other_body.get_json()["error"] == "This sync key was already used for a different change."

    # Bob replays Alice's exact request: he must not receive her stored answer.
    stolen = bob.action(wo_action("status", job.id, job.version, fields={"to": "en_route"}), key)
    assert stolen.status_code == 422
    assert "work_order" not in stolen.get_json()
    session.expire_all()
    assert session.get(WorkOrder, job.id).status == S.EN_ROUTE
    assert _verbs(session, job.id).count("status:on_site") == 0


def test_missing_or_malformed_keys_and_bodies(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    t = tablet("alice")
    body = wo_action("status", job.id, job.version, fields={"to": "en_route"})
    assert t.action(body).status_code == 400
    resp = t.action(body, "not-a-uuid")
    assert resp.status_code == 400 and resp.is_json
    resp = t.client.post("/api/sync/actions", data="{oops", headers={"X-CSRFToken": t.token, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.is_json
    huge = t.action(wo_action("status", 2**40, 1, fields={"to": "en_route"}), str(uuid.uuid4()))
    assert huge.status_code == 422
    assert _count(session, IdempotencyKey) == 0 and _verbs(session, job.id) == ["workorder:created"]


# --- actions: applying ----------------------------------------------------------------------------------------------


def test_close_walks_an_assigned_pothole_through_to_completed_once(tablet, session, settings, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)  # pothole: needs an "after" photo; still "assigned"
    job.created_at -= dt.timedelta(days=1)
    session.commit()
    t = tablet("alice")
    photo_ids = [t.photo("before"), t.photo("after", color=(0, 200, 0))]
    key = str(uuid.uuid4())
    captured = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0)
    body = wo_action("close", job.id, job.version, fields={"resolution": "Filled with cold patch"}, photo_ids=photo_ids, captured_at=captured.isoformat().replace("+00:00", "Z"))
    first = t.action(body, key)
    assert first.status_code == 200, first.get_json()
    answer = first.get_json()
    assert answer["result"]["walked_through"] == ["on_site"] and answer["result"]["photos"] == 2
    assert answer["work_order"]["status"] == "completed"

    again = t.action(body, key)
    assert again.status_code == 200 and again.get_data() == first.get_data()
    session.expire_all()
    wo = session.get(WorkOrder, job.id)
    assert wo.status == S.COMPLETED and wo.resolution == "Filled with cold patch"
    assert wo.completed_at == captured  # the time the crew finished, not when signal came back
    assert _verbs(session, job.id) == ["workorder:created", "photo:before", "photo:after", "status:on_site", "status:completed"]
    keyed = session.scalars(sa.select(Activity.source_key).where(Activity.work_order_id == job.id, Activity.verb != "workorder:created"))
    assert set(keyed) == {key}
    assert _count(session, Photo, Photo.work_order_id == job.id) == 2
    assert len(_files(settings)) == 4


def test_close_without_the_required_photo_needs_attention_and_writes_nothing(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    t = tablet("alice")
    before = t.photo("before")
    key = str(uuid.uuid4())
    resp = t.action(wo_action("close", job.id, job.version, fields={"resolution": "Done"}, photo_ids=[before]), key)
    assert resp.status_code == 422 and "after" in resp.get_json()["error"] and resp.get_json()["key"] == key
    session.expire_all()
    assert session.get(WorkOrder, job.id).status == S.ASSIGNED
    assert session.get(Photo, before).work_order_id is None  # still staged, not attached
    assert _count(session, IdempotencyKey) == 0 and _verbs(session, job.id) == ["workorder:created"]


def test_an_invalid_transition_is_422_not_a_conflict(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    job.status = S.ON_SITE
    session.commit()
    t = tablet("alice")
    resp = t.action(wo_action("status", job.id, job.version, fields={"to": "en_route"}), str(uuid.uuid4()))
    assert resp.status_code == 422 and "cannot be set to en route" in resp.get_json()["error"]
    assert _count(session, IdempotencyKey) == 0 and _count(session, SyncConflict) == 0


def test_a_stale_version_from_my_own_earlier_change_applies(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    seen = job.version
    t = tablet("alice")
    assert t.action(wo_action("status", job.id, seen, fields={"to": "en_route"}), str(uuid.uuid4())).status_code == 200
    resp = t.action(wo_action("status", job.id, seen, fields={"to": "on_site"}), str(uuid.uuid4()))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["work_order"] == {"id": job.id, "status": "on_site", "version": seen + 2}
    assert _count(session, SyncConflict) == 0


def test_unable_note_and_photos_actions(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    t = tablet("alice")
    photos_key, note_key = str(uuid.uuid4()), str(uuid.uuid4())
    pid = t.photo("before")
    photos_body = wo_action("photos", job.id, job.version, photo_ids=[pid])
    for _ in range(2):
        resp = t.action(photos_body, photos_key)
        assert resp.status_code == 200 and resp.get_json()["result"]["photos"] == 1
    note_body = wo_action("note", job.id, job.version, fields={"text": "Gate locked, resident not home"})
    for _ in range(2):
        assert t.action(note_body, note_key).status_code == 200
    resp = t.action(wo_action("unable", job.id, job.version, fields={"reason": "Pole needs a bucket truck"}, photo_ids=[t.photo("visit")]), str(uuid.uuid4()))
    assert resp.status_code == 200 and resp.get_json()["work_order"]["status"] == S.UNABLE.value
    assert _verbs(session, job.id) == ["workorder:created", "photo:before", "note", "photo:visit", "status:unable_to_complete"]
    note = session.scalar(sa.select(Activity).where(Activity.verb == "note"))
    assert note.summary == "Gate locked, resident not home" and note.source_key == note_key
    assert note.request_id == job.request_id


def test_someone_elses_job_or_photo_is_forbidden(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)  # Alice's
    session.commit()
    bob, alice = tablet("bob"), tablet("alice")
    for kind, fields in (("status", {"to": "en_route"}), ("note", {"text": "hi"})):
        resp = bob.action(wo_action(kind, job.id, job.version, fields=fields), str(uuid.uuid4()))
        assert resp.status_code == 403 and resp.is_json
    # A stale version does not turn a job that was never Bob's into a "conflict" he can attach photos to.
    resp = bob.action(wo_action("close", job.id, job.version + 5, fields={"resolution": "x"}, photo_ids=[bob.photo()]), str(uuid.uuid4()))
    assert resp.status_code == 403
    resp = alice.action(wo_action("photos", job.id, job.version, photo_ids=[bob.photo()]), str(uuid.uuid4()))
    assert resp.status_code == 403
    assert alice.action(wo_action("status", 999999, 1, fields={"to": "en_route"}), str(uuid.uuid4())).status_code == 404
    assert _count(session, IdempotencyKey) == 0 and _count(session, SyncConflict) == 0
    assert _count(session, Photo, Photo.work_order_id.is_not(None)) == 0


# --- conflicts ----------------------------------------------------------------------------------------------------


def test_closing_a_job_reassigned_meanwhile_keeps_the_evidence_as_a_conflict(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    job.status = S.ON_SITE
    session.commit()
    seen = job.version
    alice = tablet("alice")
    photo_ids = [alice.photo("after"), alice.photo("after", color=(9, 9, 9))]
    # Meanwhile the dispatcher gives the job to Bob's crew.
    wo = session.get(WorkOrder, job.id)
    wo.assignee_id, wo.crew_id = city.bob.id, city.crew_b.id
    session.commit()

    key = str(uuid.uuid4())
    body = wo_action("close", job.id, seen, fields={"resolution": "Patched it"}, photo_ids=photo_ids)
    first = alice.action(body, key)
    assert first.status_code == 409, first.get_json()
    answer = first.get_json()
    assert first.headers["Idempotency-Key"] == key
    assert answer["key"] == key and answer["kept"] == {"photos": 2, "fields": True}
    assert answer["error"] == "This work order was reassigned to Bob Crew while you were offline; your closure and 2 photos were kept for a supervisor to review."

    session.expire_all()
    wo = session.get(WorkOrder, job.id)
    assert wo.status == S.ON_SITE and wo.assignee_id == city.bob.id and wo.resolution == ""
    assert _count(session, Photo, Photo.work_order_id == job.id) == 2
    conflict = session.get(SyncConflict, answer["conflict_id"])
    assert conflict.key == key and conflict.user_id == city.alice.id and conflict.kind == "close"
    assert json.loads(conflict.payload_json) == body and conflict.resolved_at is None
    assert _verbs(session, job.id)[-1] == "sync:conflict"

    replay = alice.action(body, key)
    assert replay.status_code == 409 and replay.get_data() == first.get_data()
    assert _count(session, SyncConflict) == 1 and _verbs(session, job.id).count("sync:conflict") == 1

    # Alice sees her own; Bob none; the supervisor sees it, on the page too, and resolves it.
    assert [c["id"] for c in alice.client.get("/api/sync/conflicts").get_json()] == [conflict.id]
    assert tablet("bob").client.get("/api/sync/conflicts").get_json() == []
    sam = tablet("sam")
    listed = sam.client.get("/api/sync/conflicts").get_json()
    assert listed[0]["payload"]["fields"]["resolution"] == "Patched it" and listed[0]["url"] == f"/work-orders/{job.id}"
    page = sam.client.get("/conflicts").get_data(as_text=True)
    assert "Patched it" in page and f"Work order #{job.id}" in page
    assert "Conflicts (1)" in sam.client.get("/work-orders").get_data(as_text=True)
    refused = alice.client.post(f"/conflicts/{conflict.id}/resolve", data={"note": "mine", "csrf_token": alice.token})
    assert refused.status_code == 403
    done = sam.client.post(f"/conflicts/{conflict.id}/resolve", data={"note": "Bob's crew will check the patch", "csrf_token": sam.token})
    assert done.status_code == 302
    session.expire_all()
    conflict = session.get(SyncConflict, conflict.id)
    assert conflict.resolved_by_id == city.sam.id and conflict.resolution_note == "Bob's crew will check the patch"
    assert sam.client.get("/api/sync/conflicts").get_json() == []
    assert _verbs(session, job.id)[-1] == "sync:resolved"


def test_a_job_cancelled_meanwhile_is_a_conflict_naming_who_and_when(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    seen = job.version
    alice = tablet("alice")
    pid = alice.photo("before")
    workorders.change_status(session, city.sam, session.get(WorkOrder, job.id), S.CANCELLED, expected_version=None)
    session.commit()

    key = str(uuid.uuid4())
    body = wo_action("status", job.id, seen, fields={"to": "on_site"}, photo_ids=[pid])
    resp = alice.action(body, key)
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error.startswith("Sam Supervisor cancelled this work order at ") and "while you were offline" in error
    assert error.endswith("your change to “on site” and 1 photo were kept for a supervisor to review.")
    assert alice.action(body, key).get_data() == resp.get_data()
    session.expire_all()
    assert session.get(WorkOrder, job.id).status == S.CANCELLED
    assert session.get(Photo, pid).work_order_id == job.id  # evidence kept on a closed job
    assert _count(session, SyncConflict) == 1
    history = session.scalar(sa.select(Activity).where(Activity.verb == "sync:conflict"))
    assert history.summary == error and history.source_key == key and history.actor_id == city.alice.id


# --- new requests -------------------------------------------------------------------------------------------------


def _request_body(tracking: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return {
        "kind": "request",
        "work_order_id": None,
        "base_version": None,
        "fields": {
            "service_type": "streetlight",
            "description": "Light flickers all night",
            "latitude": 42.3967,
            "longitude": -71.1224,
            "address": "Corner of Elm St and Banks St",
            "resident_name": "Ana Residente",
            "resident_phone": "617-555-0199",
            "resident_email": "",
            "resident_language": "es",
            "contact_consent": True,
            "tracking_number": tracking,
            "channel": "outreach",
            **fields,
        },
        "photo_ids": [],
        "captured_at": None,
    }


def test_a_request_logged_offline_keeps_its_tracking_number_and_intake_photo(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    olga = tablet("olga")
    pid = olga.photo("after", lat=42.3967, lon=-71.1224)
    captured = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).replace(microsecond=0)
    body = {**_request_body("7kq2-m9xd"), "photo_ids": [pid], "captured_at": captured.isoformat()}
    key = str(uuid.uuid4())
    first = olga.action(body, key)
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert answer["request"]["tracking_number"] == "7KQ2-M9XD" and answer["work_order"] is None
    assert olga.action(body, key).get_data() == first.get_data()

    session.expire_all()
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == "7KQ2-M9XD"))
    assert req.id == answer["request"]["id"] and req.channel == Channel.OUTREACH and req.created_at == captured
    assert req.resident_name == "Ana Residente" and req.contact_consent is True and req.district_id is not None
    photo = session.get(Photo, pid)
    assert photo.request_id == req.id and photo.work_order_id is None and photo.kind == PhotoKind.INTAKE
    assert _count(session, ServiceRequest) == 1
    entries = session.scalars(sa.select(Activity).where(Activity.request_id == req.id)).all()
    assert sorted(e.verb for e in entries) == ["photo:intake", "request:created"]
    assert {e.source_key for e in entries} == {key}


def test_a_taken_tracking_number_is_409_and_nothing_is_written(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    alice = tablet("alice")  # crews report problems they find too
    assert alice.action(_request_body("AAAA-BBBB"), str(uuid.uuid4())).status_code == 201
    pid = alice.photo("intake")
    resp = alice.action({**_request_body("AAAA-BBBB", description="another"), "photo_ids": [pid]}, str(uuid.uuid4()))
    assert resp.status_code == 409 and "AAAA-BBBB" in resp.get_json()["error"]
    assert _count(session, ServiceRequest) == 1 and _count(session, IdempotencyKey) == 1
    assert session.get(Photo, pid).request_id is None


def test_bad_request_input_is_422_and_writes_nothing(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    olga = tablet("olga")
    bad = [
        _request_body("CCCC-DDDD", service_type="unicorns"),
        _request_body("CCCC-DDDD", latitude=200),
        _request_body("CCCC-DDDD", longitude=None),
        _request_body("CCCC-DDDD", latitude="north"),
        _request_body("not a number"),
        _request_body("CCCC-DDDD", resident_name="x" * 500),
        _request_body("CCCC-DDDD", channel="import"),
        {**_request_body("CCCC-DDDD"), "kind": "teleport"},
        {**_request_body("CCCC-DDDD"), "photo_ids": [str(uuid.uuid4())]},
    ]
    for body in bad:
        resp = olga.action(body, str(uuid.uuid4()))
        assert resp.status_code == 422, (body, resp.get_json())
        assert resp.get_json()["error"]
    assert _count(session, ServiceRequest) == 0 and _count(session, IdempotencyKey) == 0 and _count(session, Activity) == 0


# --- failures and concurrency --------------------------------------------------------------------------------------


def test_a_server_error_stores_nothing_and_the_retry_applies_once(app, tablet, session, city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fieldops.workorders import services as workorders

    job = make_job(session, city)
    session.commit()
    alice = tablet("alice")
    pid = alice.photo("after")
    key = str(uuid.uuid4())
    body = wo_action("close", job.id, job.version, fields={"resolution": "Patched"}, photo_ids=[pid])

    real = workorders.change_status

    def database_went_away(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("connection lost")

    monkeypatch.setattr(workorders, "change_status", database_went_away)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = alice.action(body, key)
    assert resp.status_code == 500 and resp.is_json
    assert _count(session, IdempotencyKey) == 0 and _verbs(session, job.id) == ["workorder:created"]
    assert session.get(Photo, pid).work_order_id is None

    monkeypatch.setattr(workorders, "change_status", real)
    for _ in range(2):
        resp = alice.action(body, key)
        assert resp.status_code == 200, resp.get_json()
    assert _verbs(session, job.id).count("status:completed") == 1
    assert _count(session, IdempotencyKey) == 1


def test_photos_the_server_lost_are_named_so_the_tablet_sends_them_again(app, tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    # A staged photo the server no longer holds (a restore from backup, a disk swap): the change is refused with
    # the ids, nothing is stored under its key, and once the photos arrive again the same key applies it.
    job = make_job(session, city)
    session.commit()
    alice = tablet("alice")
    kept, lost = alice.photo("after"), alice.photo("after", color=(10, 200, 10))
    session.execute(sa.delete(Photo).where(Photo.id == lost))
    session.commit()
    key = str(uuid.uuid4())
    body = wo_action("close", job.id, job.version, fields={"resolution": "Patched"}, photo_ids=[kept, lost])
    resp = alice.action(body, key)
    assert resp.status_code == 422
    answer = resp.get_json()
    assert answer["code"] == "photos_missing" and answer["photo_ids"] == [lost]
    assert lost in answer["error"] and "send it again" in answer["error"]
    assert _count(session, IdempotencyKey) == 0
    session.rollback()
    assert session.get(WorkOrder, job.id).status != S.COMPLETED

    again, put = alice.put_photo(make_jpeg(width=320, height=240, color=(10, 200, 10)), kind="after", photo_id=lost)
    assert put.status_code == 201 and again == lost
    resp = alice.action(body, key)
    assert resp.status_code == 200, resp.get_json()
    session.rollback()
    assert session.get(WorkOrder, job.id).status == S.COMPLETED
    assert {p.id for p in session.scalars(sa.select(Photo).where(Photo.work_order_id == job.id))} == {kept, lost}


def test_the_tablet_hears_refusals_in_its_language(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    job.status = S.ON_SITE
    session.commit()
    t = tablet("alice")
    headers = {"X-CSRFToken": t.token}

    def send(body, key=None):  # type: ignore[no-untyped-def]
        return t.client.post("/api/sync/actions?lang=es", json=body, headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())})

    # workorders/services.py, through the handler: the transition, with both status labels translated.
    resp = send(wo_action("status", job.id, job.version, fields={"to": "en_route"}))
    assert resp.status_code == 422
    assert resp.get_json()["error"] == "Una orden de trabajo en estado «en el lugar» no puede pasar a «en camino»."
    # workorders/sync.py: a kind's own check of its fields.
    resp = send(wo_action("note", job.id, job.version, fields={"text": "  "}))
    assert resp.status_code == 422 and resp.get_json()["error"] == "La nota está vacía."
    # sync/protocol.py: the envelope.
    resp = send({"kind": "note", "fields": {"text": "x"}})
    assert resp.status_code == 422 and resp.get_json()["error"] == "Este cambio no indica a qué orden de trabajo corresponde."
    # sync/views.py: a photo that does not say what it is.
    resp = t.client.put(f"/api/photos/{uuid.uuid4()}?kind=selfie&lang=es", data=make_jpeg(), headers={**headers, "Content-Type": "image/jpeg"})
    assert resp.status_code == 422 and resp.get_json()["error"] == "Indique qué tipo de foto es: antes, después, recepción o visita."


def test_an_unknown_conflict_is_refused_in_the_supervisors_language(tablet, city) -> None:  # type: ignore[no-untyped-def]
    sam = tablet("sam")
    resp = sam.client.post("/conflicts/999999/resolve?lang=es", data={"note": "done", "csrf_token": sam.token})
    assert resp.status_code == 404 and "No existe el conflicto de sincronización 999999." in resp.get_data(as_text=True)
    alice = tablet("alice")
    resp = alice.client.post("/conflicts/999999/resolve?lang=es", data={"note": "done", "csrf_token": alice.token})
    assert resp.status_code == 403
