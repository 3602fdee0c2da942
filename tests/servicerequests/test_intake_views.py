import io
import uuid

import sqlalchemy as sa

from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, ServiceRequest
from helpers import csrf_token, login
from imagefactory import make_jpeg
from sync.sync_helpers import Tablet


def test_outreach_staff_start_on_the_intake_form(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    resp = client.get("/")
    assert resp.headers["Location"] == "/requests/new"
    html = client.get("/requests/new").get_data(as_text=True)
    assert 'data-outbox="request"' in html and 'value="pothole"' in html and "Use my location" in html


def test_intake_without_javascript_saves_the_request_and_its_good_photos(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/requests/new")
    resp = client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "service_type": "streetlight",
            "latitude": "42.3967",
            "longitude": "-71.1224",
            "description": "Out since Tuesday",
            "resident_name": "Rosa",
            "resident_language": "pt",
            "photos": [(io.BytesIO(make_jpeg(lat=42.3967, lon=-71.1224)), "light.jpg"), (io.BytesIO(b"nope"), "notes.txt")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    req = session.scalar(sa.select(ServiceRequest))
    # The receipt: the tracking number, big, with the QR code of the public status page (in the resident's language).
    assert resp.request.path == f"/requests/{req.tracking_number}/receipt"
    assert f'data-tracking-number>{req.tracking_number}<' in html and "notes.txt" in html
    assert "<svg" in html and f"/status/{req.tracking_number}?lang=pt" in html
    assert (req.channel, req.resident_language, req.district.code) == (Channel.OUTREACH, "pt", "6")
    photos = session.scalars(sa.select(Photo).where(Photo.request_id == req.id)).all()
    assert [p.kind for p in photos] == [PhotoKind.INTAKE]


def test_intake_needs_a_type_and_a_location(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/requests/new")
    resp = client.post("/requests/new", data={"csrf_token": token, "service_type": "streetlight"})
    assert resp.status_code == 422 and "Give a location" in resp.get_data(as_text=True)
    resp = client.post("/requests/new", data={"csrf_token": token, "service_type": "nope", "address": "1 Elm St"})
    assert resp.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


def test_refusals_reach_a_spanish_reader_in_spanish(session, app, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/requests/new?lang=es")  # the language menu's choice, kept for the session
    # The web form (fieldops/servicerequests/services.py).
    resp = client.post("/requests/new", data={"csrf_token": token, "service_type": "streetlight"})
    assert resp.status_code == 422 and "Indique una ubicación: un punto en el mapa o una dirección." in resp.get_data(as_text=True)
    # The tablet's outbox (fieldops/servicerequests/sync.py), its field names too.
    tablet = Tablet(app.test_client(), "olga")
    tablet.client.get("/requests/new?lang=es")
    body = {"kind": "request", "work_order_id": None, "base_version": None, "photo_ids": [], "captured_at": None,
            "fields": {"service_type": "nope", "address": "1 Elm St"}}
    resp = tablet.action(body, str(uuid.uuid4()))
    assert resp.status_code == 422 and resp.get_json()["error"] == "Tipo de servicio desconocido: «nope»."
    body["fields"] = {"service_type": "streetlight", "address": "x" * 1000}
    resp = tablet.action(body, str(uuid.uuid4()))
    assert resp.status_code == 422 and resp.get_json()["error"].startswith("El campo dirección es demasiado largo")
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0
