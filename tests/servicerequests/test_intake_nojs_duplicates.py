"""The duplicate question on the intake form without JavaScript: the server asks it before saving.

A report with a point near an open request of its type is not saved at once: the same page comes back with what
staff typed (the photos kept on the server) and the open requests nearby; "Add to this request" joins the report
to one, "It is a new problem — save it" saves it on its own. The page is posted again as a browser would post it
(every field the returned page holds, plus the button pressed), so the test also shows that nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict

from factories import UNION_SQUARE, make_request, offset
from fieldops.activity.models import Activity
from fieldops.catalog.models import AttributeType, ServiceAttribute
from fieldops.db import utcnow
from fieldops.i18n import TRANSLATIONS_DIR
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.services import stage_photo
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.web.filters import ago
from helpers import csrf_token, login
from imagefactory import make_jpeg

NEAR = offset(UNION_SQUARE, 12, 0)  # 12 m north of the existing pothole
PRIVATE = ("Private Person", "617-555-0199", "private@example.org", "Joe")  # make_request's resident and words


class _FormFields(HTMLParser):
    """What a browser without JavaScript sends for #request-form (no button, no file), in the page's order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "request-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("file", "submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel] or [self._options[0][0]]
            self.fields.append((self._select, chosen[-1]))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


@pytest.fixture
def existing(session, city):  # type: ignore[no-untyped-def]
    """An open pothole at Union Square (default rule: 50 m, 168 h), reported by a resident whose details are private."""
    session.add_all(
        [
            ServiceAttribute(service_type=city.pothole, code="size", datatype=AttributeType.SINGLEVALUELIST, required=True, order=1,
                             description="How big is it?", values=[{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}]),
            ServiceAttribute(service_type=city.pothole, code="where", datatype=AttributeType.MULTIVALUELIST, order=2,
                             description="Where is it?", values=[{"key": "lane", "name": "Travel lane"}, {"key": "xwalk", "name": "Crosswalk"}]),
            ServiceAttribute(service_type=city.pothole, code="depth", datatype=AttributeType.NUMBER, order=3, description="Depth in inches"),
        ]
    )
    req = make_request(session, city, at=UNION_SQUARE, created_at=utcnow() - dt.timedelta(hours=5))
    req.address = "1 Union Sq"
    session.commit()
    return req


def _typed(token: str, at: tuple[float, float] = NEAR, service_type: str = "pothole") -> MultiDict[str, object]:
    return MultiDict(
        [
            ("csrf_token", token),
            ("duplicate_of", ""),
            ("not_duplicate", ""),
            ("service_type", service_type),
            (f"attr.{service_type}.size", "large"),
            (f"attr.{service_type}.where", "lane"),
            (f"attr.{service_type}.where", "xwalk"),
            (f"attr.{service_type}.depth", "4"),
            ("latitude", f"{at[0]:.6f}"),
            ("longitude", f"{at[1]:.6f}"),
            ("address", "Elm & Banks"),
            ("description", "Hoyo grande <cerca> de la escuela"),
            ("description_language", "es"),
            ("resident_name", "Rosa Nueva"),
            ("resident_phone", "617-555-0142"),
            ("resident_email", "rosa@example.org"),
            ("resident_language", "pt"),
            ("contact_consent", "1"),
            ("photos", (io.BytesIO(make_jpeg(lat=at[0], lon=at[1])), "hole.jpg")),
        ]
    )


def _count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))


def _ask(client, session, existing):  # type: ignore[no-untyped-def]
    """Post a report near the existing pothole; returns the page that comes back instead of a receipt."""
    login(client, "olga")
    resp = client.post("/requests/new", data=_typed(csrf_token(client, "/requests/new")), content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def test_a_report_near_an_open_request_of_its_type_is_not_saved_but_shown_again(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    html = _ask(client, session, existing)
    assert _count(session) == 1  # only the existing request
    # The candidates: tracking number, type, distance and age (the address only to who may open the request:
    # not outreach staff); the choice as buttons of this same form.
    section = html[html.index("data-server-duplicates"):]
    assert f'data-candidate="{existing.tracking_number}"' in section and "Pothole" in section and "1 Union Sq" not in section
    assert "12 m away · reported 5 h ago" in section
    assert f'name="duplicate_of" value="{existing.tracking_number}"' in section
    assert 'name="not_duplicate" value="1"' in section and "It is a new problem — save it" in section
    assert "Not saved yet" in html and 'href="#possible-duplicates"' in html
    # Nothing about the existing request's resident, nor their words.
    for private in PRIVATE:
        assert private not in html
    # Everything typed is in the form again (what a browser would send back).
    sent = MultiDict(form_fields(html))
    assert sent["service_type"] == "pothole" and sent.getlist("attr.pothole.size") == ["large"]
    assert sent.getlist("attr.pothole.where") == ["lane", "xwalk"] and sent["attr.pothole.depth"] == "4"
    assert (sent["latitude"], sent["longitude"]) == (f"{NEAR[0]:.6f}", f"{NEAR[1]:.6f}")
    assert sent["address"] == "Elm & Banks" and sent["description"] == "Hoyo grande <cerca> de la escuela"
    assert (sent["description_language"], sent["resident_language"]) == ("es", "pt")
    assert (sent["resident_name"], sent["resident_phone"], sent["resident_email"]) == ("Rosa Nueva", "617-555-0142", "rosa@example.org")
    assert sent["contact_consent"] == "1" and sent["duplicate_of"] == "" and sent["not_duplicate"] == ""
    # The photo could not be sent twice by the browser: it is staged on the server and named on the page.
    photo = session.scalars(sa.select(Photo)).one()
    assert (photo.request_id, photo.kind, photo.uploaded_by_id) == (None, PhotoKind.INTAKE, city.olga.id)
    assert sent.getlist("staged_photo") == [photo.id] and "hole.jpg" in html
    # Finished on the server: the page no longer sends the form through the tablet's outbox.
    assert 'data-outbox="request"' not in html
    assert 'data-outbox="request"' in client.get("/requests/new").get_data(as_text=True)


def test_add_to_this_request_joins_the_report_to_the_existing_one(session, client, city, existing, settings) -> None:  # type: ignore[no-untyped-def]
    html = _ask(client, session, existing)
    # Someone else's staged photo cannot be claimed by adding its id to the form.
    other, _ = stage_photo(session, settings, city.sam, photo_id=None, raw=make_jpeg(), kind=PhotoKind.INTAKE, filename="sam.jpg")
    session.commit()
    data = MultiDict([*form_fields(html), ("staged_photo", other.id), ("duplicate_of", existing.tracking_number)])
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/requests/{existing.tracking_number}/receipt?joined=1"
    report = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.id != existing.id)).one()
    # What join_as_duplicate records: the report closed as a duplicate, the resident kept privately on it, history on both.
    assert report.duplicate_of_id == existing.id and report.status == RequestStatus.CLOSED and report.due_at is None
    assert report.closure_reason == f"Duplicate of {existing.tracking_number}: this report was added to that request."
    assert (report.resident_name, report.resident_language, report.contact_consent) == ("Rosa Nueva", "pt", True)
    assert report.attributes == {"size": "large", "where": ["lane", "xwalk"], "depth": 4.0}
    assert (report.latitude, report.longitude) == pytest.approx(NEAR, abs=1e-6)
    session.refresh(existing)
    assert existing.status == RequestStatus.OPEN
    added = session.scalars(sa.select(Activity).where(Activity.request_id == existing.id, Activity.verb == "request:duplicate_merged")).one()
    assert added.detail["tracking_number"] == report.tracking_number
    assert session.scalar(sa.select(Activity.verb).where(Activity.request_id == report.id, Activity.verb == "request:merged"))
    # The staged photo joins the request that carries the work, like the tablet's; Sam's stays where it was.
    mine = session.scalars(sa.select(Photo).where(Photo.uploaded_by_id == city.olga.id)).one()
    assert mine.request_id == existing.id
    session.refresh(other)
    assert other.request_id is None
    receipt = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Added to the existing request" in receipt


def test_it_is_a_new_problem_saves_the_report_on_its_own(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    html = _ask(client, session, existing)
    resp = client.post("/requests/new", data=MultiDict([*form_fields(html), ("not_duplicate", "1")]), content_type="multipart/form-data")
    assert resp.status_code == 302 and "joined" not in resp.headers["Location"]
    report = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.id != existing.id)).one()
    assert resp.headers["Location"] == f"/requests/{report.tracking_number}/receipt"
    assert report.duplicate_of_id is None and report.status == RequestStatus.OPEN
    assert (report.description, report.resident_email) == ("Hoyo grande <cerca> de la escuela", "rosa@example.org")
    assert session.scalars(sa.select(Photo)).one().request_id == report.id


def test_pressing_save_request_again_asks_again(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    html = _ask(client, session, existing)
    again = client.post("/requests/new", data=MultiDict(form_fields(html)), content_type="multipart/form-data")
    assert again.status_code == 200 and f'data-candidate="{existing.tracking_number}"' in again.get_data(as_text=True)
    assert _count(session) == 1
    # The staged photo is still the one photo, still carried by the form.
    photo = session.scalars(sa.select(Photo)).one()
    assert MultiDict(form_fields(again.get_data(as_text=True))).getlist("staged_photo") == [photo.id]


def _closed(session, existing) -> None:  # type: ignore[no-untyped-def]
    existing.status = RequestStatus.CLOSED


def _old(session, existing) -> None:  # type: ignore[no-untyped-def]
    existing.created_at = utcnow() - dt.timedelta(hours=169)  # the pothole's window is 168 h


@pytest.mark.parametrize(
    "service_type,at,change",
    [
        ("streetlight", NEAR, None),  # another type at the same place
        ("pothole", offset(UNION_SQUARE, 0, 60), None),  # 60 m: outside the 50 m radius
        ("pothole", NEAR, _old),  # outside the time window
        ("pothole", NEAR, _closed),  # the existing request was closed
    ],
    ids=["other-type", "too-far", "too-old", "closed"],
)
def test_no_open_request_nearby_saves_at_once(session, client, city, existing, service_type, at, change) -> None:  # type: ignore[no-untyped-def]
    if change is not None:
        change(session, existing)
        session.commit()
    login(client, "olga")
    data = _typed(csrf_token(client, "/requests/new"), at=at, service_type=service_type)
    if service_type != "pothole":
        for key in [k for k in data if k.startswith("attr.")]:
            data.poplist(key)
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert _count(session) == 2
    report = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.id != existing.id)).one()
    assert report.duplicate_of_id is None and session.scalars(sa.select(Photo)).one().request_id == report.id


def test_a_report_without_a_point_is_saved_at_once(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    data = _typed(csrf_token(client, "/requests/new"))
    data.setlist("latitude", [""])
    data.setlist("longitude", [""])
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302 and _count(session) == 2


def test_coordinates_typed_without_the_map_are_checked_too(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    token = csrf_token(client, "/requests/new")
    # Without JavaScript the page offers a coordinates field in <noscript> (no map, no GPS there).
    assert 'name="coordinates"' in client.get("/requests/new").get_data(as_text=True)
    data = _typed(token)
    data.setlist("latitude", [""])
    data.setlist("longitude", [""])
    data["coordinates"] = f"{NEAR[0]:.6f}, {NEAR[1]:.6f}"
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200 and f'data-candidate="{existing.tracking_number}"' in resp.get_data(as_text=True)
    assert MultiDict(form_fields(resp.get_data(as_text=True)))["coordinates"] == f"{NEAR[0]:.6f}, {NEAR[1]:.6f}"
    data = _typed(token)
    data["coordinates"] = "north of the school"
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422 and "two numbers" in resp.get_data(as_text=True)
    assert _count(session) == 1


def test_a_report_that_would_be_refused_hears_why_first(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    data = _typed(csrf_token(client, "/requests/new"))
    data.setlist("attr.pothole.size", [""])  # a required question left unanswered
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422 and "How big is it?" in resp.get_data(as_text=True)
    assert _count(session) == 1 and session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0


def test_a_form_without_the_csrf_token_is_refused(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    data = _typed("")
    data.setlist("csrf_token", ["not-the-token"])
    resp = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400 and _count(session) == 1


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


def test_the_question_in_spanish(session, client, city, existing) -> None:  # type: ignore[no-untyped-def]
    login(client, "olga")
    client.get("/requests/new?lang=es")  # the app's language choice, kept for the session
    resp = client.post("/requests/new", data=_typed(csrf_token(client, "/requests/new")), content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and '<html lang="es">' in html
    section = html[html.index("data-server-duplicates"):]
    assert "¿Ya se reportó cerca?" in section and "Agregar a esta solicitud" in section
    assert re.search(r"a 12 m · reportado .*5 h", section)
    es = _catalog("es")
    # This feature's own sentences: in Spanish as soon as the catalogue has them (the check fails on English then).
    for msgid in ("It is a new problem — save it", "Not saved yet: this may already be reported.", "%(span)s ago"):
        message = es.get(msgid)
        if message is not None and message.string:
            assert msgid not in html
    new_problem = es.get("It is a new problem — save it")
    if new_problem is not None and new_problem.string:
        assert new_problem.string in section


@pytest.mark.parametrize(
    "minutes,text",
    [(0, "0 min ago"), (40, "40 min ago"), (60 * 5 + 10, "5 h ago"), (60 * 47, "47 h ago"), (60 * 72, "3 days ago")],
)
def test_how_long_ago(app, minutes: int, text: str) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with app.test_request_context("/?lang=en"):
        assert ago(now - dt.timedelta(minutes=minutes), now) == text
