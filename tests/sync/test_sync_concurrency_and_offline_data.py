"""Two copies of one outbox item at the same moment, late evidence, and the data a tablet keeps offline."""

from __future__ import annotations

import itertools
import threading
import uuid

import sqlalchemy as sa

from factories import make_job
from fieldops.activity.models import Activity
from fieldops.photos.models import Photo
from fieldops.sync import protocol
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.workorders.models import WorkOrder, WorkOrderStatus as S
from sync_helpers import Tablet, wo_action


def test_the_same_key_sent_twice_at_once_applies_once(app, session, city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    job_id, seen = job.id, job.version
    first, second = Tablet(app.test_client(), "alice"), Tablet(app.test_client(), "alice")
    pid = first.photo("after")
    # Both requests look the key up before either claims it: the worst interleaving, made certain.
    barrier = threading.Barrier(2, timeout=15)
    calls = itertools.count()
    real = protocol.stored_answer

    def both_look_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        answer = real(*args, **kwargs)
        if next(calls) < 2:
            barrier.wait()
        return answer

    monkeypatch.setattr(protocol, "stored_answer", both_look_first)
    key = str(uuid.uuid4())
    body = wo_action("close", job_id, seen, fields={"resolution": "Patched"}, photo_ids=[pid])
    answers: dict[int, object] = {}
    errors: list[BaseException] = []

    def send(i: int, tablet: Tablet) -> None:
        try:
            answers[i] = tablet.action(body, key)
        except BaseException as exc:  # surfaced below: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i, t)) for i, t in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    a, b = answers[0], answers[1]
    assert (a.status_code, b.status_code) == (200, 200), (a.get_data(), b.get_data())  # type: ignore[attr-defined]
    assert a.get_data() == b.get_data()  # type: ignore[attr-defined]
    assert next(calls) >= 3  # the loser asked for the stored answer after its claim failed

    session.expire_all()
    assert session.get(WorkOrder, job_id).status == S.COMPLETED
    completed = sa.select(sa.func.count()).select_from(Activity).where(Activity.work_order_id == job_id, Activity.verb == "status:completed")
    assert session.scalar(completed) == 1
    photo_entries = sa.select(sa.func.count()).select_from(Activity).where(Activity.verb == "photo:after")
    assert session.scalar(photo_entries) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1


def test_photos_sent_after_the_job_was_reassigned_are_kept_without_a_conflict(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    seen = job.version
    alice = tablet("alice")
    pid = alice.photo("before")
    wo = session.get(WorkOrder, job.id)
    wo.assignee_id, wo.crew_id = city.bob.id, city.crew_b.id
    session.commit()
    resp = alice.action(wo_action("photos", job.id, seen, photo_ids=[pid]), str(uuid.uuid4()))
    assert resp.status_code == 200, resp.get_json()
    session.expire_all()
    assert session.get(Photo, pid).work_order_id == job.id
    assert session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0


def test_my_work_json_has_what_a_tablet_needs_and_no_resident_details(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    mine = make_job(session, city, address="93 Highland Ave")
    make_job(session, city, assignee=city.bob, address="50 Elm St")
    session.commit()
    resp = tablet("alice").client.get("/api/my-work.json")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    text = resp.get_data(as_text=True)
    assert "Maria Resident" not in text and "617-555-0100" not in text and "50 Elm St" not in text
    [item] = resp.get_json()["work_orders"]
    assert item["id"] == mine.id and item["version"] == mine.version and item["status"] == "assigned"
    assert item["service_type"] == {"code": "pothole", "name": "Pothole"}
    assert item["requires_after_photo"] is True and item["requires_before_photo"] is False
    assert item["address"] == "93 Highland Ave" and item["url"] == f"/work-orders/{mine.id}"
    assert item["tracking_number"] == mine.request.tracking_number and item["overdue"] is False
    assert item["due_at"].endswith("+00:00") and item["latitude"] and item["longitude"]


def test_catalog_json_lists_active_service_types(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    city.streetlight.active = False
    session.commit()
    resp = tablet("olga").client.get("/api/catalog.json")
    assert resp.status_code == 200
    assert resp.get_json()["service_types"] == [
        {
            "code": "pothole",
            "name": "Pothole",
            "department": {"code": "DPW", "name": "Public Works"},
            "group": "",
            "sla_hours": 48,
            "requires_before_photo": False,
            "requires_after_photo": True,
            "keywords": "",
            "duplicate_radius_m": 50,
            "duplicate_window_hours": 168,
            "attributes": [],
        }
    ]
