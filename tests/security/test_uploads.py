"""The upload corpus: hostile and awkward files through every way a photo arrives, each with its expected answer.

Ways in: the sync API (PUT /api/photos/<id>), a web form (intake without JavaScript, job photos) and Open311
`media`. Limits under test come from conftest (5 MB per photo) and the default 25 MP pixel cap.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from factories import make_job
from fieldops import create_app
from fieldops.photos.imaging import decode_limiter
from fieldops.photos.models import Photo
from fieldops.servicerequests.models import ServiceRequest
from helpers import csrf_token, login
from imagefactory import make_image, make_jpeg
from open311.open311_helpers import BASE_URL, add_tree_service, issue_key
from sync.sync_helpers import Tablet

TOO_MANY_PIXELS = "too many pixels"
NOT_A_PHOTO = "not a photo we can read"
DAMAGED = "damaged or was only partly uploaded"


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width` x `height`: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _save(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


@functools.cache
def _webp_6300() -> bytes:
    # 39.7 MP: under the old 40 MP cap, over the 25 MP one. Solid colour, so the file is small.
    return _save(Image.new("RGB", (6300, 6300), (90, 120, 30)), "WEBP", quality=50, method=0)


@functools.cache
def _jpeg(width: int, height: int) -> bytes:
    return _save(make_image(width=width, height=height), "JPEG", quality=80)


def _huge_exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x9286] = b"ASCII\x00\x00\x00" + b"A" * 60_000  # UserComment: nearly the whole 64 KB APP1 segment
    exif[0x010F] = "Camera"
    return _save(make_image(width=800, height=600), "JPEG", exif=exif.tobytes())


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return _save(make_image(width=640, height=480), "HEIF", quality=70)


# A complete Open311 request for the "tree" service (tests/open311/open311_helpers.add_tree_service).
TREE = {
    "service_code": "tree",
    "lat": "42.3795",
    "long": "-71.0937",
    "attribute[WHERE]": "park",
    "attribute[PROBLEMS][]": ["dead"],
    "attribute[HEIGHT]": "30.5",
}

POLYGLOT_TAIL = b"<html><script>alert(document.cookie)</script></html>"

# name -> (bytes factory, expected status, text the answer must contain)
CORPUS = {
    "non-image bytes": (lambda: b"MZ\x90\x00 definitely not a photo" * 40, 422, NOT_A_PHOTO),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>', 422, NOT_A_PHOTO),
    "gif polyglot": (lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + POLYGLOT_TAIL, 422, NOT_A_PHOTO),
    "truncated jpeg": (lambda: _jpeg(1600, 1200)[:6000], 422, DAMAGED),
    "30000x30000 png bomb": (lambda: _png_declaring(30_000, 30_000), 422, TOO_MANY_PIXELS),
    "6300x6300 webp": (_webp_6300, 422, "39.7 megapixels; the limit is 25"),
    "jpeg polyglot": (lambda: make_jpeg(width=640, height=480) + POLYGLOT_TAIL, 201, ""),
    "huge exif block": (_huge_exif_jpeg, 201, ""),
    "heic": (_heic, 201, ""),
    "12 MP jpeg": (lambda: _jpeg(4000, 3000), 201, ""),
    "24 MP jpeg via draft": (lambda: _jpeg(6000, 4000), 201, ""),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_sync_api_answers_each_file_of_the_corpus(session, client, city, name) -> None:  # type: ignore[no-untyped-def]
    make, status, text = CORPUS[name]
    tablet = Tablet(client, "alice")
    pid, resp = tablet.put_photo(make())
    body = resp.get_json()
    assert resp.status_code == status, body
    if status != 201:
        assert text in body["error"]
        assert session.get(Photo, pid) is None
        return
    photo = session.get(Photo, pid)
    assert max(photo.width, photo.height) <= 2048
    if name == "heic":
        assert photo.content_type == "image/jpeg"  # browsers cannot show HEIC
    if name == "24 MP jpeg via draft":
        assert (photo.width, photo.height) == (2048, 1365)


def test_a_polyglot_is_stored_re_encoded_and_served_as_an_image_with_nosniff(session, client, city) -> None:  # type: ignore[no-untyped-def]
    tablet = Tablet(client, "alice")
    pid, resp = tablet.put_photo(make_jpeg(width=640, height=480) + POLYGLOT_TAIL)
    assert resp.status_code == 201
    wo = make_job(session, city)
    from fieldops.photos import services as photos

    photos.attach_photos(session, city.alice, [pid], request_id=wo.request_id, work_order=wo)
    session.commit()
    served = tablet.client.get(f"/photos/{pid}/full")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    data = served.get_data()
    assert data[:2] == b"\xff\xd8" and b"<script" not in data and b"<html" not in data


def test_huge_exif_is_not_kept(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    pid, resp = Tablet(client, "alice").put_photo(_huge_exif_jpeg())
    assert resp.status_code == 201
    from fieldops.photos import services as photos

    stored = photos.photo_storage(settings).read(session.get(Photo, pid).storage_key)
    assert b"AAAAAAAAAAAAAAAA" not in stored and not Image.open(io.BytesIO(stored)).getexif()


def test_sync_api_refuses_an_oversized_body_by_its_declared_length(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    tablet = Tablet(client, "alice")
    _pid, resp = tablet.put_photo(b"\xff\xd8" + b"0" * (settings.max_photo_bytes + 10))
    assert resp.status_code == 413 and "the limit is 5 MB per photo" in resp.get_json()["error"]


@pytest.mark.parametrize("name", ["svg", "30000x30000 png bomb", "6300x6300 webp", "truncated jpeg"])
def test_web_form_refuses_each_bad_photo_by_name_and_keeps_the_report(session, client, city, name) -> None:  # type: ignore[no-untyped-def]
    make, _status, text = CORPUS[name]
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
            "photos": [(io.BytesIO(make()), "bad.img"), (io.BytesIO(make_jpeg()), "good.jpg")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    req = session.scalar(sa.select(ServiceRequest))
    assert req is not None and "bad.img" in html and text.split(";")[0] in html.replace("&#39;", "'")
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.request_id == req.id)) == 1


def test_three_photo_form_keeps_the_two_good_ones_and_names_the_one_over_the_cap(session, client, city, settings) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/requests/new")
    big = b"\xff\xd8" + b"0" * int(settings.max_photo_bytes * 1.24)  # 6.2 MB against a 5 MB cap
    resp = client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "service_type": "streetlight",
            "latitude": "42.3967",
            "longitude": "-71.1224",
            "description": "Three photos, one too big",
            "photos": [
                (io.BytesIO(make_jpeg(color=(1, 2, 3))), "photo1.jpg"),
                (io.BytesIO(big), "photo2.jpg"),
                (io.BytesIO(make_jpeg(color=(4, 5, 6))), "photo3.jpg"),
            ],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    req = session.scalar(sa.select(ServiceRequest))
    assert req is not None and req.description == "Three photos, one too big"
    assert "photo2.jpg is 6.2 MB; the limit is 5 MB per photo." in html
    names = set(session.scalars(sa.select(Photo.original_filename).where(Photo.request_id == req.id)))
    assert names == {"photo1.jpg", "photo3.jpg"}


@pytest.mark.parametrize("name", ["svg", "30000x30000 png bomb", "6300x6300 webp", "jpeg polyglot"])
def test_open311_media_answers_the_corpus(session, client, city, name) -> None:  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    key = issue_key(session)
    make, status, text = CORPUS[name]
    resp = client.post(
        f"{BASE_URL}/requests.json",
        data={"api_key": key, **TREE, "media": (io.BytesIO(make()), "m.img")},
        content_type="multipart/form-data",
    )
    if status == 201:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        photo = session.scalar(sa.select(Photo))
        image = client.get(f"{BASE_URL}/media/{photo.id}.jpg")
        assert image.mimetype == "image/jpeg" and b"<script" not in image.get_data()
        assert image.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert resp.status_code == 400 and text in resp.get_json()[0]["description"]
        assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


@pytest.fixture
def busy_app(settings, session, city):  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    key = issue_key(session)
    # One decode slot and no waiting room: holding the slot makes the very next decode find the queue full.
    busy = create_app(settings.with_(photo_decode_slots=1, photo_decode_queue=0, photo_decode_wait_seconds=6.0))
    limiter = decode_limiter(1, 0, 6.0)
    with busy.app_context():
        yield busy, limiter, key
        from fieldops.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_a_full_decode_queue_answers_503_with_retry_after_everywhere(busy_app) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    app, limiter, key = busy_app
    client = app.test_client()
    tablet = Tablet(client, "alice")
    with limiter.slot():
        _pid, resp = tablet.put_photo(make_jpeg(width=320, height=240))
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "3"
        assert "busy" in resp.get_json()["error"]
        # A refusal by header never waits for a slot.
        _pid, bomb = tablet.put_photo(_png_declaring(30_000, 30_000))
        assert bomb.status_code == 422
        o311 = client.post(
            f"{BASE_URL}/requests.json",
            data={"api_key": key, **TREE, "media": (io.BytesIO(make_jpeg()), "m.jpg")},
            content_type="multipart/form-data",
        )
        assert o311.status_code == 503 and o311.headers["Retry-After"] == "3"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0
    _pid, after = tablet.put_photo(make_jpeg(width=320, height=240))
    assert after.status_code == 201
