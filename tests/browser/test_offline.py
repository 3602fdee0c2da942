"""Offline-first, in a real Chromium with the real service worker: a whole day without signal, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import DAVIS_SQUARE, UNION_SQUARE, make_job
from fieldops.activity.models import Activity
from fieldops.photos.models import Photo
from fieldops.servicerequests.models import ServiceRequest
from fieldops.workorders.models import WorkOrder, WorkOrderStatus
from helpers import wait_for_field_modules, wait_for_outbox
from imagefactory import make_jpeg

PASSWORD = "correct-horse-battery"


def _sign_in(page, base: str, username: str = "alice") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _get_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Wait for the service worker to control the page and for 'Ready for offline' to finish."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()  # the first page load is not controlled by a worker installed during it
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("async () => (await import('fieldops/offline-ready')).getReady()")
    page.wait_for_selector("[data-ready-status][data-ready-at]", state="attached")


def _outbox(page) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return page.evaluate("async () => (await import('fieldops/outbox')).outbox.counts()")  # type: ignore[no-any-return]


def _wait_outbox(page, total: int, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    # wait_for_function does not await promises: read the outbox's synchronous copy of its counts.
    wait_for_outbox(page, "o.state.counts && o.state.counts.total === arg && !o.state.running", total, timeout=timeout)


def _photo(tmp_path: Path, name: str, **kw: object) -> str:
    path = tmp_path / name
    path.write_bytes(make_jpeg(**kw))  # type: ignore[arg-type]
    return str(path)


def _photo_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(settings.storage_path) / "photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _work_offline_on_a_job(page, base: str, job_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """En route, two after photos, on site, complete: all while offline."""
    page.goto(f"{base}/work-orders/{job_id}")
    page.get_by_role("button", name="En route").click()
    page.wait_for_selector('[data-status-badge][data-local-status="en_route"]')
    page.check("input[name=kind][value=after]")
    page.set_input_files("input[name=photos]", [_photo(tmp_path, "a1.jpg", lat=42.3795, lon=-71.0937), _photo(tmp_path, "a2.jpg", color=(10, 200, 10))])
    page.get_by_role("button", name="Upload photos").click()
    wait_for_outbox(page, "o.state.counts.total === 2", polling=200)
    page.get_by_role("button", name="On site").click()
    page.wait_for_selector('[data-status-badge][data-local-status="on_site"]')
    page.fill("textarea[name=resolution]", "Filled with cold patch")
    page.get_by_role("button", name="Complete", exact=True).click()
    page.wait_for_selector('[data-status-badge][data-local-status="completed"]')


def test_a_day_offline_then_everything_arrives_once(server, tablet, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, at=UNION_SQUARE, address="1 Union Sq")
    other = make_job(session, city, at=DAVIS_SQUARE, address="Davis Sq", service_type=city.streetlight)
    session.commit()
    job_id, other_id = job.id, other.id
    base = server.url

    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base)
    _get_ready(page)

    # 1. No signal: the list, a work order page and the map with its markers still render.
    ctx.set_offline(True)
    page.reload()
    assert page.locator(".wo-list li.wo").count() == 2
    page.wait_for_selector(".folium-map[data-marker-count='2']")
    page.goto(f"{base}/work-orders/{other_id}")
    assert "Davis Sq" in page.inner_text("main")
    page.goto(f"{base}/some/page/never/cached")
    assert "offline" in page.inner_text("body").lower()

    # 2. Work offline: status, two photos, close; then log a new request with a photo.
    _work_offline_on_a_job(page, base, job_id, tmp_path)
    page.goto(f"{base}/requests/new")
    page.select_option("select[name=service_type]", "streetlight")
    page.fill("input[name=address]", "Corner of Elm St and Banks St")
    page.fill("textarea[name=description]", "Light flickers all night")
    page.fill("input[name=resident_name]", "Ana Residente")
    page.set_input_files("input[name=photos]", _photo(tmp_path, "intake.jpg", lat=42.3967, lon=-71.1224))
    page.get_by_role("button", name="Save request").click()
    page.wait_for_selector("[data-tracking-panel]:not([hidden])")
    tracking = page.inner_text("[data-tracking-number]").strip()
    assert len(tracking) == 9 and tracking[4] == "-"
    _wait_outbox(page, 5)
    assert "pending sync (5)" in page.inner_text("#sync-indicator").lower()

    # Reload, and close the browser and open it again with the same profile: the outbox keeps everything.
    page.reload()
    _wait_outbox(page, 5)
    ctx.close()
    ctx = tablet(offline=True)
    page = ctx.new_page()
    page.goto(f"{base}/my-work")
    _wait_outbox(page, 5)
    items = page.evaluate("async () => (await import('fieldops/outbox')).outbox.items().then(xs => xs.map(x => [x.kind, x.photos.length, x.photos.every(p => p.data instanceof ArrayBuffer)]))")
    assert items == [["status", 0, True], ["photos", 2, True], ["status", 0, True], ["close", 0, True], ["request", 1, True]]
    assert session.scalar(sa.select(WorkOrder.status).where(WorkOrder.id == job_id)) == WorkOrderStatus.ASSIGNED

    # 3. Signal again: everything reaches the server exactly once and the outbox empties.
    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    _wait_outbox(page, 0, timeout=45_000)
    page.wait_for_function("() => document.querySelector('#sync-indicator').textContent.includes('All changes sent')")

    session.rollback()  # a fresh snapshot: the server wrote from other threads
    wo = session.get(WorkOrder, job_id)
    assert wo.status == WorkOrderStatus.COMPLETED and wo.resolution == "Filled with cold patch"
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.work_order_id == job_id)) == 2
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == tracking))
    assert req is not None and req.resident_name == "Ana Residente" and req.description == "Light flickers all night"
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.request_id == req.id)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 3
    assert len(_photo_files(settings)) == 6  # each photo: stored copy + thumbnail
    completed = session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.work_order_id == job_id, Activity.verb == "status:completed"))
    assert completed == 1


def test_server_down_or_failing_keeps_items_until_it_recovers(app, server, tablet, session, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    failing = {"on": False}

    @app.before_request
    def _fail_sync():  # type: ignore[no-untyped-def]
        from flask import request

        if failing["on"] and request.path.startswith("/api/sync/"):
            return {"error": "database is restarting"}, 500
        return None

    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/work-orders/{job.id}")

    # Server process gone: connection refused. The change stays queued.
    server.stop()
    page.get_by_role("button", name="En route").click()
    page.wait_for_selector('[data-status-badge][data-local-status="en_route"]')
    page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
    _wait_outbox(page, 1)
    assert page.evaluate("async () => (await import('fieldops/outbox')).outbox.items().then(x => x[0].status)") == "pending"
    page.wait_for_function("() => document.querySelector('#sync-indicator').textContent.includes('Server unreachable')")

    # Back, but answering 500 for a while: still queued, with a retry scheduled.
    server.start()
    failing["on"] = True
    page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
    for _ in range(40):
        if page.evaluate("async () => (await import('fieldops/outbox')).outbox.items().then(x => x[0].attempts)") >= 2:
            break
        page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
        page.wait_for_timeout(250)
    assert _outbox(page) == {"total": 1, "pending": 1, "attention": 0, "conflict": 0, "auth": 0}
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    assert session.scalar(sa.select(WorkOrder.status).where(WorkOrder.id == job.id)) == WorkOrderStatus.ASSIGNED

    # Recovered: "Sync now" sends it, once.
    failing["on"] = False
    page.click("#sync-indicator")
    page.get_by_role("button", name="Sync now").click()
    _wait_outbox(page, 0)
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    assert session.scalar(sa.select(WorkOrder.status).where(WorkOrder.id == job.id)) == WorkOrderStatus.EN_ROUTE
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.work_order_id == job.id, Activity.verb == "status:en_route")) == 1


def _close_with_an_after_photo_offline(page, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """On an on-site job's page: offline, one after photo and "Complete" (two outbox items), then back online."""
    wait_for_field_modules(page)
    ctx.set_offline(True)
    page.check("input[name=kind][value=after]")
    page.set_input_files("input[name=photos]", _photo(tmp_path, "after.jpg"))
    page.get_by_role("button", name="Upload photos").click()
    page.fill("textarea[name=resolution]", "Patched")
    page.get_by_role("button", name="Complete", exact=True).click()
    _wait_outbox(page, 2)
    ctx.set_offline(False)


def _replay_until_sent(page, runs: int = 10) -> None:  # type: ignore[no-untyped-def]
    """Replay the outbox (ignoring back-off) until it is empty."""
    for _ in range(runs):
        page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
        if _outbox(page)["total"] == 0:
            break
        page.wait_for_timeout(500)
    _wait_outbox(page, 0)


def test_a_lost_response_is_replayed_without_a_second_closure(server, tablet, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)  # pothole: needs an after photo
    job.status = WorkOrderStatus.ON_SITE
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/work-orders/{job.id}")

    lost = {"count": 0}

    def lose_first_answer(route):  # type: ignore[no-untyped-def]
        # The server commits, then the answer never reaches the tablet (signal drops mid-response).
        response = route.fetch()
        if lost["count"] == 0:
            lost["count"] += 1
            assert response.status == 200, response.text()
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/sync/actions", lose_first_answer)
    _close_with_an_after_photo_offline(page, ctx, tmp_path)
    # First run: the photos item's answer is lost; it stays queued. Later runs replay it with the same key.
    _replay_until_sent(page)
    assert lost["count"] == 1
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    assert session.get(WorkOrder, job.id).status == WorkOrderStatus.COMPLETED
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.work_order_id == job.id)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.work_order_id == job.id, Activity.verb == "status:completed")) == 1
    assert len(_photo_files(settings)) == 2


def test_photos_the_server_lost_are_sent_again_from_the_tablet(app, server, tablet, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The photo reached the server, then the server lost it (a restore from backup) before its change arrived: the
    # server names it, the tablet (which still has it) sends it again, then the change; nothing waits for a person.
    job = make_job(session, city)  # pothole: needs an after photo
    job.status = WorkOrderStatus.ON_SITE
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/work-orders/{job.id}")

    puts: list[str] = []

    def count_puts(route):  # type: ignore[no-untyped-def]
        puts.append(route.request.url.split("?")[0])
        route.continue_()

    lost = {"done": False}

    def lose_staged_photos(route):  # type: ignore[no-untyped-def]
        if not lost["done"]:
            lost["done"] = True
            with app.app_context():  # route handlers run in Playwright's own greenlet
                session.execute(sa.delete(Photo).where(Photo.request_id.is_(None)))
                session.commit()
        route.continue_()

    page.route("**/api/photos/**", count_puts)
    page.route("**/api/sync/actions", lose_staged_photos)
    _close_with_an_after_photo_offline(page, ctx, tmp_path)
    _replay_until_sent(page)
    assert lost["done"]
    assert len(puts) == 2 and puts[0] == puts[1], puts  # the same photo, sent twice
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    assert session.get(WorkOrder, job.id).status == WorkOrderStatus.COMPLETED
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.work_order_id == job.id)) == 1


def test_closing_a_job_that_was_reassigned_meanwhile_is_a_visible_conflict(server, tablet, session, city, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    job.status = WorkOrderStatus.ON_SITE
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/work-orders/{job.id}")
    wait_for_field_modules(page)

    ctx.set_offline(True)
    page.check("input[name=kind][value=after]")
    page.set_input_files("input[name=photos]", _photo(tmp_path, "after.jpg"))
    page.get_by_role("button", name="Upload photos").click()
    page.fill("textarea[name=resolution]", "Patched it")
    page.get_by_role("button", name="Complete", exact=True).click()
    _wait_outbox(page, 2)

    # Meanwhile the dispatcher gives the job to Bob's crew.
    wo = session.get(WorkOrder, job.id)
    wo.assignee_id, wo.crew_id = city.bob.id, city.crew_b.id
    session.commit()

    ctx.set_offline(False)
    page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
    wait_for_outbox(page, "o.state.counts.conflict >= 1", timeout=30_000)
    # The crew member is told, and nothing is thrown away: the item stays until they dismiss it.
    page.click("#sync-indicator")
    panel = page.inner_text("#sync-panel")
    assert "Conflict" in panel
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    wo = session.get(WorkOrder, job.id)
    assert wo.status == WorkOrderStatus.ON_SITE and wo.assignee_id == city.bob.id  # not silently overwritten
    photos = session.scalars(sa.select(Photo).where(Photo.work_order_id == job.id)).all()
    assert len(photos) >= 1  # the field evidence was kept
    from fieldops.sync.models import SyncConflict

    conflict = session.scalar(sa.select(SyncConflict).where(SyncConflict.work_order_id == job.id))
    assert conflict is not None and "Patched it" in json.dumps(json.loads(conflict.payload_json))

    # The supervisor sees it.
    ctx.clear_cookies()
    _sign_in(page, base, "sam")
    page.goto(f"{base}/conflicts")
    assert "Patched it" in page.inner_text("main") or f"#{job.id}" in page.inner_text("main")


@pytest.mark.parametrize("username", ["alice"])
def test_signed_out_mid_shift_pauses_the_queue_without_losing_anything(server, tablet, session, city, username) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    base = server.url
    ctx = tablet()
    page = ctx.new_page()
    _sign_in(page, base, username)
    page.goto(f"{base}/work-orders/{job.id}")
    wait_for_field_modules(page)
    ctx.set_offline(True)
    page.get_by_role("button", name="En route").click()
    _wait_outbox(page, 1)
    ctx.clear_cookies()  # the session expired while offline
    ctx.set_offline(False)
    page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
    page.wait_for_selector("[data-signin-again]:not([hidden])", state="attached")
    assert _outbox(page)["total"] == 1
    _sign_in(page, base, username)
    page.evaluate("async () => (await import('fieldops/outbox')).outbox.replay(true)")
    _wait_outbox(page, 0)
    session.rollback()  # a fresh snapshot: the server wrote from other threads
    assert session.get(WorkOrder, job.id).status == WorkOrderStatus.EN_ROUTE
