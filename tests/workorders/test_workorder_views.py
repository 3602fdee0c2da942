import io
import re

import pytest
import sqlalchemy as sa

from helpers import csrf_token, login
from factories import make_job
from fieldops.photos.models import Photo
from fieldops.workorders.models import WorkOrderStatus as S
from imagefactory import make_jpeg

HTMX = {"HX-Request": "true"}


def test_every_view_denies_anonymous_users_by_default(app, client) -> None:  # type: ignore[no-untyped-def]
    public = {"accounts.login", "pwa.service_worker", "pwa.web_manifest", "pwa.offline"}
    # Open311 GeoReport is anonymous-readable (writes need an API key, tested in tests/open311); its admin pages are not.
    public |= {e for e in app.view_functions if e.startswith("open311.") and not e.startswith("open311.admin.")}
    # Residents follow their request by tracking number without an account (no personal data there); anyone may pick a language.
    public |= {"servicerequests.status_lookup", "servicerequests.status", "i18n.choose_language"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public or rule.endpoint == "static":
            continue
        url = rule.rule.replace("<int:work_order_id>", "1").replace("<photo_id>", "x").replace("<any(full, thumb):variant>", "thumb")
        url = re.sub(r"<int:\w+>", "1", url)  # every other feature's integer ids
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            resp = client.open(url, method=method)
            assert resp.status_code in (302, 400, 401), (method, url, resp.status_code)
            if resp.status_code == 302:
                assert "/login" in resp.headers["Location"]


def test_login_rejects_bad_passwords_and_keeps_the_username(client, city) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    resp = client.post("/login", data={"username": "alice", "password": "nope", "csrf_token": token})
    assert resp.status_code == 401
    html = resp.get_data(as_text=True)
    assert "do not match" in html and 'value="alice"' in html


def test_forms_without_csrf_token_are_refused(client, city) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/login", data={"username": "alice", "password": "correct-horse-battery"})
    assert resp.status_code == 400
    assert "expired" in resp.get_data(as_text=True)


def test_login_redirect_never_leaves_the_site(client, city) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    resp = client.post("/login?next=https://evil.example/", data={"username": "alice", "password": "correct-horse-battery", "csrf_token": token})
    assert resp.headers["Location"] == "/my-work"


def test_my_work_lists_my_jobs_with_a_map(session, client, city) -> None:  # type: ignore[no-untyped-def]
    mine = make_job(session, city, address="93 Highland Ave")
    other = make_job(session, city, assignee=city.bob, address="50 Elm St")
    session.commit()
    login(client, "alice")
    resp = client.get("/my-work")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "93 Highland Ave" in html and "50 Elm St" not in html
    assert f'href="/work-orders/{mine.id}"' in html and f"/work-orders/{other.id}" not in html
    assert '"fieldops:cluster"' in html and re.search(r"/static/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", html)
    assert "HX-Request" in resp.headers["Vary"]
    # browser-image-compression is loaded by photos.js when a big photo needs it, not by every page.
    assert re.search(r'data-image-compression-src="/static/vendor/browser-image-compression/browser-image-compression\.[0-9a-f]{12}\.js"', html)
    assert "<script src=\"/static/vendor/browser-image-compression/" not in html


def test_filtering_returns_only_the_list_fragment_to_htmx(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    wo.status = S.EN_ROUTE
    make_job(session, city)
    session.commit()
    login(client, "alice")
    resp = client.get("/my-work?status=en_route", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert "<html" not in html and "1 work order" in html
    assert "HX-Request" in resp.headers["Vary"]
    # The same URL without htmx is the full page (bookmarks, reloads, history restore).
    assert "<html" in client.get("/my-work?status=en_route").get_data(as_text=True)
    assert "<html" in client.get("/my-work?status=en_route", headers={**HTMX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)
    assert client.get("/my-work?status=bogus").status_code == 422


def test_other_crews_job_is_forbidden(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.bob)
    session.commit()
    login(client, "alice")
    resp = client.get(f"/work-orders/{wo.id}")
    assert resp.status_code == 404  # another crew's job answers like one that does not exist
    assert "Maria Resident" not in resp.get_data(as_text=True)
    assert client.get("/work-orders/99999").status_code == 404


def test_status_change_through_htmx_returns_the_updated_panel(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}")
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "en_route", "version": wo.version}, headers={**HTMX, "X-CSRFToken": token})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-status="en_route"' in html and "<html" not in html
    session.expire_all()
    assert session.get(type(wo), wo.id).status == S.EN_ROUTE


def test_invalid_transition_and_stale_version_get_clear_errors(session, client, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}")
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "completed", "version": wo.version, "resolution": "x", "csrf_token": token}, headers=HTMX)
    assert resp.status_code == 409
    assert "cannot be set to completed" in resp.get_data(as_text=True)
    assert resp.headers["HX-Retarget"] == "#flash"
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "en_route", "version": wo.version - 1, "csrf_token": token})
    assert resp.status_code == 409 and "Reload it" in resp.get_data(as_text=True)
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "teleported", "csrf_token": token})
    assert resp.status_code == 422


def test_photo_upload_reads_gps_strips_it_and_serves_only_to_allowed_users(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}")
    jpeg = make_jpeg(lat=42.3795, lon=-71.0937)
    resp = client.post(
        f"/work-orders/{wo.id}/photos",
        data={"kind": "before", "csrf_token": token, "photos": [(io.BytesIO(jpeg), "before.jpg"), (io.BytesIO(b"not an image"), "notes.txt")]},
        content_type="multipart/form-data",
        headers=HTMX,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "1 before photo added" in html and "notes.txt" in html  # the good one kept, the bad one explained
    photo = session.scalar(sa.select(Photo).where(Photo.work_order_id == wo.id))
    assert (round(photo.latitude, 4), round(photo.longitude, 4)) == (42.3795, -71.0937)
    full = client.get(f"/photos/{photo.id}/full")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert b"GPS" not in full.data and b"Exif" not in full.data[:200]
    assert client.get(f"/photos/{photo.id}/thumb").mimetype == "image/jpeg"
    client.post("/logout", data={"csrf_token": token})
    login(client, "bob")
    assert client.get(f"/photos/{photo.id}/full").status_code == 404


def test_oversized_upload_gets_the_limit_in_the_message(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}")
    big = b"\xff" * (settings.max_photo_bytes + 2 * 1024 * 1024)
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    # Encoded in memory: the test client's temp file would leak, since the app refuses the body unread.
    stream, length, boundary = stream_encode_multipart(
        {"kind": "after", "csrf_token": token, "photos": FileStorage(io.BytesIO(big), filename="huge.jpg")},
        use_tempfile=False,
    )
    resp = client.post(
        f"/work-orders/{wo.id}/photos",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    # Judged per photo now (the request cap allows a form's worth): refused by name with its real size.
    assert resp.status_code == 422
    assert f"huge.jpg is 7 MB; the limit is {settings.max_photo_mb:g} MB per photo" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/my-work", "/work-orders"])
def test_pages_reference_no_cdn(session, client, city, path) -> None:  # type: ignore[no-untyped-def]
    make_job(session, city)
    session.commit()
    login(client, "sam" if path == "/work-orders" else "alice")
    html = client.get(path).get_data(as_text=True)
    for host in ("cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn", "googleapis"):
        assert host not in html


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "http://127.0.0.1:9" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_a_closed_job_says_when_it_was_closed_not_that_it_is_overdue(client, session, city) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from fieldops.db import utcnow

    wo = make_job(session, city)
    wo.due_at = utcnow() - dt.timedelta(days=20)
    wo.status, wo.completed_at = S.COMPLETED, utcnow() - dt.timedelta(days=1)
    late = make_job(session, city)
    late.due_at = utcnow() - dt.timedelta(days=3)
    session.commit()
    login(client, "alice")
    closed = client.get("/my-work?status=closed&lang=es").get_data(as_text=True)
    assert f'data-work-order="{wo.id}"' in closed
    assert "cerrada " in closed and "vencida" not in closed.lower() and "overdue" not in closed
    job = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert "Cerrada" in job and "retraso" not in job
    still_open = client.get("/my-work?lang=en").get_data(as_text=True)
    assert "overdue by 3 days" in still_open


def test_the_crews_messages_are_in_the_crews_language(client, session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}?lang=es")
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "en_route", "version": wo.version}, headers={**HTMX, "X-CSRFToken": token})
    html = resp.get_data(as_text=True)
    assert f"La orden de trabajo n.º {wo.id} está ahora: En camino." in html
    resp = client.post(f"/work-orders/{wo.id}/photos", data={"kind": "before", "photos": [(io.BytesIO(make_jpeg()), "a.jpg")]},
                       headers={**HTMX, "X-CSRFToken": token}, content_type="multipart/form-data")
    assert "1 foto de «antes» añadida." in resp.get_data(as_text=True)


def test_refusals_are_in_the_crews_language(client, session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}?lang=es")
    # The form (workorders/forms.py): no status chosen.
    resp = client.post(f"/work-orders/{wo.id}/status", data={"version": wo.version}, headers={**HTMX, "X-CSRFToken": token})
    assert "Elija el estado al que pasará la orden de trabajo." in resp.get_data(as_text=True)
    # The service (workorders/services.py): a stale version, with the status label translated too.
    resp = client.post(f"/work-orders/{wo.id}/status", data={"to": "on_site", "version": wo.version + 5}, headers={**HTMX, "X-CSRFToken": token})
    assert resp.status_code == 409
    assert "Esta orden de trabajo cambió desde que la abrió (ahora está: asignada)." in resp.get_data(as_text=True)
    assert "changed since" not in resp.get_data(as_text=True)
