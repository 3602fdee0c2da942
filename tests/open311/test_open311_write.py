"""Open311 POST requests: form-encoded and multipart, keys, locations, attributes, private contact, errors, nothing half-saved."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from fieldops.activity.models import Activity
from fieldops.open311 import keys
from fieldops.open311.models import ApiKey
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, ServiceRequest
from imagefactory import make_jpeg
from open311_helpers import BASE_URL, POST_RESPONSE, REQUESTS, add_tree_service, error_of, issue_key, json_of, post_request, xml_of

TREE = {
    "service_code": "tree",
    "lat": "42.3795",
    "long": "-71.0937",
    "attribute[WHERE]": "park",
    "attribute[PROBLEMS][]": ["dead", "limb"],
    "attribute[HEIGHT]": "30.5",
    "attribute[SEEN]": "2024-05-01T14:30:00-04:00",
    "attribute[SPECIES]": "Norway maple",
    "attribute[DETAILS]": "Leaning over\nthe path",
}


def _count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) or 0


@pytest.fixture
def tree_city(session, city):  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    session.commit()
    return city


def test_post_creates_an_open311_request_with_typed_answers_and_private_contact(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    fields = {
        **TREE,
        "description": "Árbol caído — ñ",
        "email": "maria@example.org",
        "phone": "617-555-0100",
        "first_name": "Maria",
        "last_name": "Resident",
        "device_id": "device-XYZ-123",
        "account_id": "ignored-42",
        "media_url": "https://photos.example.org/tree.jpg",
        "jurisdiction_id": "fieldops.local",
    }
    data = json_of(post_request(client, key, **fields), POST_RESPONSE)
    assert len(data) == 1 and data[0]["account_id"] is None
    assert data[0]["service_notice"] == "Public Works aims to resolve Tree problem requests within 240 hours."
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == data[0]["service_request_id"]))
    assert req.channel == Channel.OPEN311 and req.api_key_id == session.scalar(sa.select(ApiKey.id))
    assert req.attributes == {
        "WHERE": "park", "PROBLEMS": ["dead", "limb"], "HEIGHT": 30.5, "SEEN": "2024-05-01T18:30:00+00:00",
        "SPECIES": "Norway maple", "DETAILS": "Leaning over\nthe path",
    }
    assert (req.resident_name, req.resident_email, req.resident_phone, req.device_id) == ("Maria Resident", "maria@example.org", "617-555-0100", "device-XYZ-123")
    assert req.contact_consent and req.description == "Árbol caído — ñ" and req.district_id is not None
    assert req.media_url == "https://photos.example.org/tree.jpg" and req.due_at is not None
    assert session.scalar(sa.select(Activity.verb).where(Activity.request_id == req.id)) == "request:created"
    # Read back: the client's media_url, and none of the contact details.
    out = json_of(client.get(f"{BASE_URL}/requests/{req.tracking_number}.json?extensions=true"), REQUESTS)[0]
    assert out["media_url"] == "https://photos.example.org/tree.jpg" and out["extended_attributes"]["channel"] == "open311"
    body = client.get(f"{BASE_URL}/requests/{req.tracking_number}.json?extensions=true").get_data(as_text=True)
    for private in ("maria@example.org", "617-555-0100", "Maria", "device-XYZ-123"):
        assert private not in body


def test_post_by_address_in_xml_with_key_in_header(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    resp = client.post(
        f"{BASE_URL}/requests.xml",
        data={"service_code": "pothole", "address_string": "93 Highland Ave, Somerville, MA 02143", "description": "Pothole"},
        headers={"X-Api-Key": key},
    )
    root = xml_of(resp, "service_requests")
    tracking = root.findtext("request/service_request_id")
    assert [c.tag for c in root.find("request")] == ["service_request_id", "service_notice", "account_id"]
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == tracking))
    assert req.latitude is None and req.address == "93 Highland Ave, Somerville, MA 02143" and not req.contact_consent
    assert resp.headers["Location"] == f"http://localhost{BASE_URL}/requests/{tracking}.xml"


def test_multipart_media_upload_becomes_an_intake_photo_with_a_public_url(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    jpeg = make_jpeg(width=800, height=600, lat=42.38, lon=-71.1)
    resp = client.post(
        f"{BASE_URL}/requests.json",
        data={"api_key": key, **TREE, "media": (io.BytesIO(jpeg), "tree.jpg")},
        content_type="multipart/form-data",
    )
    tracking = json_of(resp, POST_RESPONSE)[0]["service_request_id"]
    photo = session.scalar(sa.select(Photo))
    assert photo.kind == PhotoKind.INTAKE and photo.request_id is not None and photo.uploaded_by_id is None
    out = json_of(client.get(f"{BASE_URL}/requests/{tracking}.json?extensions=true"), REQUESTS)[0]
    assert out["media_url"] == f"http://localhost{BASE_URL}/media/{photo.id}.jpg"
    assert out["extended_attributes"]["photos"][0]["kind"] == "intake"
    image = client.get(f"{BASE_URL}/media/{photo.id}.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.get_data()[:2] == b"\xff\xd8"


def test_a_bad_photo_saves_nothing(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    resp = client.post(
        f"{BASE_URL}/requests.json",
        data={"api_key": key, **TREE, "media": (io.BytesIO(b"this is not a photo"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert "media notes.txt" in error_of(resp, 400)
    assert _count(session) == 0 and session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_an_upload_over_the_size_cap_is_413_in_the_standard_format(session, client, tree_city, settings) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    big = b"\xff\xd8" + b"0" * (settings.max_photo_bytes + 2 * 1024 * 1024)
    # Encoded in memory: the test client's temp file would leak, since the app refuses the body unread.
    stream, length, boundary = stream_encode_multipart(
        {"api_key": key, "service_code": "tree", "media": FileStorage(io.BytesIO(big), filename="big.jpg")}, use_tempfile=False
    )
    resp = client.post(
        f"{BASE_URL}/requests.xml", input_stream=stream, content_length=length, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert "limit is 5 MB" in error_of(resp, 413, "xml")
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"service_code": None}, "service_code is required"),
        ({"service_code": "bogus"}, "service_code 'bogus' is not a service"),
        ({"lat": None, "long": None}, "A location is required"),
        ({"lat": None, "long": None, "address_id": "123"}, "address_id is not supported"),
        ({"long": None}, "Give both lat and long"),
        ({"lat": "north"}, "The lat is not a number"),
        ({"lat": "nan"}, "The lat is not a number"),
        ({"lat": "91"}, "Latitude must be between -90 and 90"),
        ({"attribute[WHERE]": None}, "'WHERE' (Where is the tree?) is required"),
        ({"attribute[WHERE]": "garden"}, "'garden' is not one of street, park"),
        ({"attribute[PROBLEMS][]": ["dead", "fire"]}, "'fire' is not one of dead, limb, roots"),
        ({"attribute[HEIGHT]": "tall"}, "'HEIGHT' (Height in feet) must be a number"),
        ({"attribute[SEEN]": "2024-05-01 14:30"}, "'SEEN' (When did you see it?) needs a time zone"),
        ({"attribute[COLOUR]": "green"}, "Unknown attribute 'COLOUR'"),
        ({"attribute": "x"}, "attribute is not an attribute argument"),
        ({"description": "x" * 5001}, "description is too long (at most 5000 characters)"),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL"),
        ({"email": "not an email"}, "is not an email address"),
    ],
)
def test_bad_input_is_400_and_saves_nothing(session, client, tree_city, changes: dict, message: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    key = issue_key(session)
    fields = {k: v for k, v in {**TREE, **changes}.items() if v is not None}
    for fmt in ("json", "xml"):
        assert message in error_of(post_request(client, key, fmt, **fields), 400, fmt)
    assert _count(session) == 0


def test_keys_are_required_checked_and_revocable(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    assert "api_key is required" in error_of(post_request(client, None, **TREE), 403)
    assert "api_key is not valid" in error_of(post_request(client, "fo311_guess", "xml", **TREE), 403, "xml")
    assert post_request(client, key, **TREE).status_code == 200
    keys.revoke_key(session, None, session.scalar(sa.select(ApiKey.id)))
    session.commit()
    assert "revoked" in error_of(post_request(client, key, **TREE), 403)
    assert _count(session) == 1


def test_wrong_jurisdiction_is_refused(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    key = issue_key(session)
    error_of(post_request(client, key, jurisdiction_id="elsewhere.gov", **TREE), 404)
    assert _count(session) == 0


def test_post_needs_no_csrf_token_but_a_session_does_not_replace_the_key(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    from helpers import login

    login(client, "sam")
    assert post_request(client, None, **TREE).status_code == 403


def test_post_takes_the_key_and_fields_from_the_query_string(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    # As the Open311 swagger declares them, and as the PyPI `open311` client sends the key.
    key = issue_key(session)
    from urllib.parse import urlencode

    query = urlencode({"api_key": key, "service_code": "tree", "lat": "42.3795", "long": "-71.0937"})
    resp = client.post(f"{BASE_URL}/requests.json?{query}", data={"description": "Branch on the path", "attribute[WHERE]": "park"})
    tracking = json_of(resp, POST_RESPONSE)[0]["service_request_id"]
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == tracking))
    assert req.description == "Branch on the path" and req.service_type.code == "tree" and req.latitude == pytest.approx(42.3795)
    # The body wins over the query string for a field given in both; the key itself never becomes a field.
    query = urlencode({"api_key": key, "service_code": "tree", "description": "from the query"})
    resp = client.post(f"{BASE_URL}/requests.json?{query}", data={"description": "from the body", "lat": "42.3795", "long": "-71.0937", "attribute[WHERE]": "park"})
    tracking = json_of(resp, POST_RESPONSE)[0]["service_request_id"]
    assert session.scalar(sa.select(ServiceRequest.description).where(ServiceRequest.tracking_number == tracking)) == "from the body"
    # A wrong key in the query string is refused like anywhere else, and a header key takes precedence over it.
    assert "api_key is not valid" in error_of(client.post(f"{BASE_URL}/requests.json?api_key=fo311_guess", data=TREE), 403)
    resp = client.post(f"{BASE_URL}/requests.json?api_key=fo311_guess", data=TREE, headers={"X-Api-Key": key})
    assert resp.status_code == 200
    assert _count(session) == 3


def test_a_form_part_with_an_unreadable_name_is_ignored_not_a_server_error(session, client, tree_city) -> None:  # type: ignore[no-untyped-def]
    # Found by the fuzzer: a multipart part named by a bare carriage return reaches the view with no name.
    key = issue_key(session)
    boundary = "b0undary"
    parts = [("\r", ""), ("service_code", "tree"), ("lat", "42.3795"), ("long", "-71.0937"), ("description", "Branch down"), ("attribute[WHERE]", "park")]
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in parts) + f"--{boundary}--\r\n"
    resp = client.post(f"{BASE_URL}/requests.json", data=body.encode(), headers={"X-Api-Key": key},
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
