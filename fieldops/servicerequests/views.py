"""Log a resident's request (outreach staff, crews who spot a problem, supervisors taking a call)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.catalog.services import active_service_types
from fieldops.districts.services import city_bounds
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.maps.builder import build_map, render_parts
from fieldops.photos import services as photos
from fieldops.photos.models import PhotoKind
from fieldops.servicerequests import services
from fieldops.servicerequests.models import Channel
from fieldops.web.htmx import render

bp = Blueprint("servicerequests", __name__)

LANGUAGES = [("en", "English"), ("es", "Español"), ("pt", "Português"), ("ht", "Kreyòl ayisyen"), ("zh", "中文"), ("vi", "Tiếng Việt"), ("other", "Other")]


def _float(name: str) -> float | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise DomainError(f"The {name} is not a number.") from exc


@bp.route("/requests/new", methods=["GET", "POST"])
def new() -> Response:
    settings = get_settings()
    types = active_service_types(db.session)
    if request.method == "POST":
        # The page normally saves through the offline outbox; this is the path without JavaScript.
        code = request.form.get("service_type", "")
        service_type = next((t for t in types if t.code == code), None)
        if service_type is None:
            raise DomainError("Choose what the request is about.")
        req = services.create_request(
            db.session,
            current_user,
            service_type=service_type,
            channel=Channel.OUTREACH if current_user.role.value == "outreach" else Channel.STAFF,
            description=request.form.get("description", ""),
            latitude=_float("latitude"),
            longitude=_float("longitude"),
            address=request.form.get("address", ""),
            resident_name=request.form.get("resident_name", ""),
            resident_phone=request.form.get("resident_phone", ""),
            resident_email=request.form.get("resident_email", ""),
            resident_language=request.form.get("resident_language", "en"),
            contact_consent=bool(request.form.get("contact_consent")),
        )
        refused = []
        for f in request.files.getlist("photos"):
            if not f or not f.filename:
                continue
            # Each photo stands alone: a bad file is named, the request and the good photos are kept.
            try:
                photo, _ = photos.stage_photo(
                    db.session, settings, current_user, photo_id=None, raw=f.read(), kind=PhotoKind.INTAKE, filename=f.filename
                )
                photos.attach_photos(db.session, current_user, [photo.id], request_id=req.id)
            except DomainError as exc:
                refused.append(f"{f.filename}: {exc.message}")
        db.session.commit()
        flash(f"Request saved. Tracking number: {req.tracking_number}", "success")
        if refused:
            flash("Photos not added — " + " ".join(refused), "warning")
        return redirect(url_for("servicerequests.new"))
    # Open on the whole city (its districts), so a tap anywhere in town is one gesture away.
    m = build_map(settings, bounds=city_bounds(db.session))
    parts = render_parts(m, current_app.extensions["fieldops.assets"].url)
    return render(
        "servicerequests/new.html",
        types=types,
        languages=LANGUAGES,
        map=parts,
        channel="outreach" if current_user.role.value == "outreach" else "staff",
        title="New request",
    )
