"""The photo service's refusals reach the crew in their language (web form and sync API)."""

from __future__ import annotations

import io
import uuid

from factories import make_job
from fieldops.workorders.models import WorkOrderStatus as S
from helpers import csrf_token, login
from imagefactory import make_jpeg


def test_photos_on_a_closed_job_are_refused_in_spanish(client, session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    wo.status = S.COMPLETED
    session.commit()
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo.id}?lang=es")
    resp = client.post(f"/work-orders/{wo.id}/photos", data={"kind": "after", "photos": [(io.BytesIO(make_jpeg()), "a.jpg")]},
                       headers={"HX-Request": "true", "X-CSRFToken": token}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "a.jpg: Esta orden de trabajo está en estado «completada»; ya no se pueden añadir fotos." in html
    assert "can no longer" not in html


def test_a_reused_photo_id_is_refused_in_spanish(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    headers = {"X-CSRFToken": client.get("/api/session").get_json()["csrf_token"], "Content-Type": "image/jpeg"}
    pid = str(uuid.uuid4())
    first = client.put(f"/api/photos/{pid}?kind=after", data=make_jpeg(width=320, height=240), headers=headers)
    assert first.status_code == 201
    other = client.put(f"/api/photos/{pid}?kind=after&lang=es", data=make_jpeg(width=300, height=200), headers=headers)
    assert other.status_code == 409 and other.get_json()["error"] == "Ya se subió otra foto con este identificador."


def test_an_unreadable_or_empty_photo_is_refused_in_the_uploaders_language(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    headers = {"X-CSRFToken": client.get("/api/session").get_json()["csrf_token"], "Content-Type": "image/jpeg"}
    damaged = client.put(f"/api/photos/{uuid.uuid4()}?kind=after&lang=es", data=make_jpeg(width=320, height=240)[:200], headers=headers)
    assert damaged.status_code in (400, 415, 422)
    assert damaged.get_json()["error"] in (
        "Esta foto está dañada o solo se subió en parte. Intente enviarla de nuevo.",
        "Este archivo no es una foto que podamos leer (se admiten: JPEG, PNG, WebP).",
        "Este archivo no es una foto que podamos leer (se admiten: JPEG, PNG, WebP, HEIC).",
    )
    text = client.put(f"/api/photos/{uuid.uuid4()}?kind=after&lang=pt", data=b"hello, not a photo", headers=headers)
    assert text.get_json()["error"].startswith("Este arquivo não é uma foto que conseguimos ler (permitidos: JPEG, PNG, WebP")


def test_photos_missing_names_them_in_the_senders_language(app) -> None:  # type: ignore[no-untyped-def]
    from flask_babel import force_locale

    from fieldops.errors import PhotosMissing

    with app.test_request_context("/"):
        with force_locale("es"):
            assert str(PhotosMissing(["a", "b"])) == "Las fotos a, b no han llegado al servidor; envíelas de nuevo."
        with force_locale("ht"):
            assert str(PhotosMissing(["a"])) == "Foto a la poko rive sou sèvè a; voye l ankò."
        with force_locale("en"):
            assert str(PhotosMissing(["a"])) == "Photo a has not reached the server; send it again."
