"""Log a resident's request (outreach staff, crews who spot a problem, supervisors taking a call), the receipt with the
tracking number, the duplicate check, and the public status page residents reach from their QR code."""

from __future__ import annotations

from typing import Any

import segno
import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.catalog.models import ServiceType
from fieldops.catalog.services import active_service_types
from fieldops.districts.services import city_bounds
from fieldops.errors import DomainError, NotFound
from fieldops.extensions import db
from fieldops.i18n import LANGUAGES, RESIDENT_LANGUAGES, current_language
from fieldops.maps.builder import build_map, render_map
from fieldops.outreach import duplicates, intake
from fieldops.outreach.models import EventCheckin
from fieldops.outreach.public import public_status
from fieldops.outreach.services import current_checkin
from fieldops.outreach.views import checkin_json
from fieldops.photos import services as photos
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.uploads import form_photos
from fieldops.servicerequests import forms
from fieldops.servicerequests.models import Channel
from fieldops.web.access import public
from fieldops.web import validation
from fieldops.web.htmx import render
from fieldops.web.validation import FieldError

bp = Blueprint("servicerequests", __name__)

STREET_ZOOM = 16


def _channel() -> Channel:
    return Channel.OUTREACH if current_user.role.value == "outreach" else Channel.STAFF


def status_url(tracking_number: str, language: str = "") -> str:
    """The absolute URL of a request's public status page, in the resident's language when the site has it."""
    args = {"lang": language} if language in LANGUAGES and language != "en" else {}
    return url_for("servicerequests.status", tracking=tracking_number, _external=True, **args)


def qr_svg(url: str, title: str) -> Markup:
    """An inline SVG QR code (segno); the browser makes the same code itself offline (qrcode-generator)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=6, border=2, title=title, dark="#14202b"))


@bp.route("/requests/new", methods=["GET", "POST"])
def new() -> Response:
    settings = get_settings()
    types = active_service_types(db.session())
    checkin = current_checkin(db.session(), current_user)
    if request.method != "POST":  # GET, and HEAD (which Flask routes here too and must never save anything)
        return _intake_page(types, checkin)
    # The page normally saves through the offline outbox, which asks the duplicate question in the browser;
    # this is the path without JavaScript, where the server asks it.
    form = forms.intake_form(request.form)
    service_type = next((t for t in types if t.code == form.service_type_code), None)
    if service_type is None:
        raise DomainError(_("Choose what the request is about."))
    outcome = intake.log_unless_duplicate(
        db.session(),
        current_user,
        service_type=service_type,
        channel=_channel(),
        confirmed_new=form.confirmed_new,
        event=checkin.event if checkin is not None else None,
        attributes=form.attributes,
        duplicate_of=form.duplicate_of,
        latitude=form.latitude,
        longitude=form.longitude,
        **form.report,
    )
    # Photos chosen before the duplicate question were staged then; the browser cannot send them again.
    kept = intake.kept_photos(db.session(), current_user, form.staged_photo_ids)
    # Each photo stands alone: a bad or oversized file is named, the request and the good photos are kept.
    sent = form_photos(request.files.getlist("photos"), settings)
    refused = list(sent.refused)
    for upload in sent.accepted:
        try:
            photo, _created = photos.stage_photo(
                db.session(), settings, current_user, photo_id=None, raw=upload.data, kind=PhotoKind.INTAKE, filename=upload.filename
            )
        except DomainError as exc:
            refused.append(f"{upload.filename}: {exc.message}")
        else:
            kept.append(photo)
    if isinstance(outcome, intake.PossibleDuplicates):
        # Only the staged photos are stored (with this request's commit): the report waits for staff's answer.
        return _intake_page(types, checkin, typed=request.form, candidates=duplicates.for_viewer(current_user, outcome.candidates), kept=kept, refused=refused)
    if kept:
        photos.attach_photos(db.session(), current_user, [p.id for p in kept], request_id=outcome.follow.id)
    args: dict[str, Any] = {"refused": " ".join(refused)} if refused else {}
    if outcome.joined_existing:
        args["joined"] = "1"
    return redirect(url_for("servicerequests.receipt", tracking=outcome.follow.tracking_number, **args))


def _intake_page(
    types: list[ServiceType],
    checkin: EventCheckin | None,
    *,
    typed: MultiDict[str, str] | None = None,
    candidates: list[duplicates.Candidate] | None = None,
    kept: list[Photo] | None = None,
    refused: list[str] | None = None,
) -> Response:
    """The intake form: empty, or again with what staff typed and the open requests the report may repeat."""
    settings = get_settings()
    typed = typed if typed is not None else MultiDict()
    # The types' questions, loaded with the types (every type's questions are in the page, for offline use).
    db.session.scalars(sa.select(ServiceType).where(ServiceType.id.in_([t.id for t in types])).options(selectinload(ServiceType.attributes))).all()
    event = checkin.event if checkin is not None else None
    point = _typed_point(typed)
    if point is not None:
        m = build_map(settings, center=point, zoom=STREET_ZOOM)
    elif event is not None and event.latitude is not None and event.longitude is not None:
        # At an event, the map opens on it: most reports are around the corner.
        m = build_map(settings, center=(event.latitude, event.longitude), zoom=STREET_ZOOM)
    else:
        # Open on the whole city (its districts), so a tap anywhere in town is one gesture away.
        m = build_map(settings, bounds=city_bounds(db.session()))
    parts = render_map(m)
    return render(
        "servicerequests/new.html",
        types=types,
        languages=list(RESIDENT_LANGUAGES.items()),
        page_language=current_language(),
        map=parts,
        channel=_channel().value,
        checkin=checkin,
        checkin_json=checkin_json(checkin),
        status_url_template=url_for("servicerequests.status", tracking="XXXX-XXXX", _external=True),
        attr_prefix=forms.ATTR_PREFIX,
        typed=typed,
        point=point,
        candidates=candidates or [],
        kept_photos=kept or [],
        refused=refused or [],
        title=_("New request"),
    )


def _typed_point(typed: MultiDict[str, str]) -> tuple[float, float] | None:
    """The map picker's point from a form shown again, if it is one."""
    try:
        return validation.point(typed.get("latitude"), typed.get("longitude"))
    except FieldError:
        return None


@bp.route("/requests/<tracking>/receipt")
def receipt(tracking: str) -> Response:
    """What staff show the resident after logging: the tracking number, big, and its QR code."""
    req = duplicates.request_by_tracking(db.session(), tracking)
    url = status_url(req.tracking_number, req.resident_language)
    return render(
        "servicerequests/receipt.html",
        req=req,
        url=url,
        qr=qr_svg(url, _("Status page for %(number)s", number=req.tracking_number)),
        joined=request.args.get("joined") == "1",
        refused=request.args.get("refused", ""),
        title=_("Tracking number %(number)s", number=req.tracking_number),
    )


@bp.route("/api/requests/duplicates")
def duplicate_candidates() -> Response:
    """Open requests of the type near the point that the new report may duplicate (JSON, for the intake form)."""
    code = request.args.get("service_type", "")
    service_type = db.session.scalar(sa.select(ServiceType).where(ServiceType.code == code))
    if service_type is None:
        raise NotFound(_("Unknown service type."))
    point = validation.point(request.args.get("latitude"), request.args.get("longitude"))
    if point is None:
        raise DomainError(_("Give a latitude and a longitude."))
    lat, lon = point
    found = duplicates.for_viewer(current_user, duplicates.find_duplicates(db.session(), service_type, lat, lon))
    resp = current_app.response_class(
        current_app.json.dumps(
            {
                "service_type": code,
                "radius_m": service_type.duplicate_radius_m,
                "window_hours": service_type.duplicate_window_hours,
                "candidates": [duplicates.candidate_json(c) for c in found],
            }
        ),
        mimetype="application/json",
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/api/requests/open.json")
def open_requests() -> Response:
    """Open requests a new report could duplicate, for the tablet's offline check (kept by "Ready for offline")."""
    resp = current_app.response_class(current_app.json.dumps(duplicates.open_requests_json(db.session(), current_user)), mimetype="application/json")
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


# --- the public status page --------------------------------------------------------------------------------------


@bp.route("/status")
@public
def status_lookup() -> Response:
    """Residents type the tracking number they were given."""
    typed = request.args.get("tracking", "").strip()
    error = None
    if typed:
        try:
            found = duplicates.request_by_tracking(db.session(), typed)
        except NotFound:
            error = _("We could not find a request with the tracking number %(number)s. Check the number and try again.", number=typed[:20])
        else:
            return redirect(url_for("servicerequests.status", tracking=found.tracking_number))
    return render("servicerequests/status_lookup.html", typed=typed, error=error, title=_("Check a request"), status=404 if error else 200)


@bp.route("/status/<tracking>")
@public
def status(tracking: str) -> Response:
    try:
        info = public_status(db.session(), tracking)
    except NotFound:
        return render(
            "servicerequests/status_lookup.html",
            typed=tracking[:20],
            error=_("We could not find a request with the tracking number %(number)s. Check the number and try again.", number=tracking[:20]),
            title=_("Check a request"),
            status=404,
        )
    resp = render("servicerequests/status.html", info=info, title=_("Request %(number)s", number=info.tracking_number))
    # Public, but about one request at one moment: browsers revalidate, shared caches may not keep it.
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
