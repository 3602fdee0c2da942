"""Outreach events: the list, creating one, checking in and out, the per-event summary."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.db import utcnow
from fieldops.districts.services import city_bounds
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.maps.builder import build_map, render_map
from fieldops.outreach import forms, services
from fieldops.outreach.models import EventCheckin
from fieldops.web.htmx import render

bp = Blueprint("outreach", __name__)

UPCOMING_DAYS = 14
RECENT_DAYS = 7


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def checkin_json(checkin: EventCheckin | None) -> str:
    """The server's view of the user's check-in (JSON for a data- attribute), which outreach.js reconciles with the tablet's."""
    if checkin is None:
        return "null"
    return json.dumps({"event": services.event_json(checkin.event), "at": checkin.checked_in_at.isoformat()})


@bp.route("/events", methods=["GET", "POST"])
def events() -> Response:
    settings = get_settings()
    if request.method == "POST":
        if not services.may_run_events(current_user):
            abort(403)  # before reading the form, so a refused caller learns nothing from validation messages
        form = forms.event_form(request.form, _zone(), utcnow())
        event = services.create_event(
            db.session(),
            current_user,
            name=form.name,
            place=form.place,
            latitude=form.latitude,
            longitude=form.longitude,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
            notes=form.notes,
        )
        flash(_("Event “%(name)s” created.", name=event.name), "success")
        return redirect(url_for("outreach.event", event_id=event.id))
    now = utcnow()
    today = now.astimezone(_zone()).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    upcoming = services.events_between(db.session(), today, today + dt.timedelta(days=UPCOMING_DAYS))
    recent = [e for e in services.events_between(db.session(), today - dt.timedelta(days=RECENT_DAYS), today) if e.ends_at <= today]
    checkin = services.current_checkin(db.session(), current_user)
    parts = None
    if services.may_run_events(current_user):
        m = build_map(settings, bounds=city_bounds(db.session()))
        parts = render_map(m)
    return render(
        "outreach/events.html",
        upcoming=upcoming,
        recent=recent[::-1],
        now=now,
        checkin=checkin,
        checkin_json=checkin_json(checkin),
        event_json=services.event_json,
        map=parts,
        today_local=now.astimezone(_zone()).date().isoformat(),
        title=_("Outreach events"),
    )


def _event_id(event_id: str) -> int:
    if not event_id.isdigit():
        raise DomainError(_("There is no such event."))
    return int(event_id)


# Plain <event_id> (not <int:>) so a malformed id is our 404 after the sign-in check.
@bp.route("/events/<event_id>")
def event(event_id: str) -> Response:
    ev = services.get_event(db.session(), _event_id(event_id))
    summary = services.event_summary(db.session(), ev)
    checkin = services.current_checkin(db.session(), current_user)
    return render(
        "outreach/event.html",
        "summary",
        ev=ev,
        s=summary,
        checkin=checkin,
        checkin_json=checkin_json(checkin),
        event_json=services.event_json,
        languages=current_app.jinja_env.globals["RESIDENT_LANGUAGES"],
        title=ev.name,
    )


@bp.route("/events/<event_id>/checkin", methods=["POST"])
def check_in(event_id: str) -> Response:
    # The page normally checks in through the offline outbox ("checkin"); this is the path without JavaScript.
    ev = services.get_event(db.session(), _event_id(event_id))
    if request.form.get("action") == "out":
        services.check_out(db.session(), current_user, ev)
        flash(_("Checked out of “%(name)s”.", name=ev.name), "success")
        return redirect(url_for("outreach.event", event_id=ev.id))
    services.check_in(db.session(), current_user, ev)
    flash(_("Checked in to “%(name)s”: requests you log now are recorded at this event.", name=ev.name), "success")
    return redirect(url_for("servicerequests.new"))


@bp.route("/events/<event_id>/residents", methods=["POST"])
def residents(event_id: str) -> Response:
    ev = services.get_event(db.session(), _event_id(event_id))
    services.add_residents(db.session(), current_user, ev, forms.resident_count(request.form))
    return redirect(url_for("outreach.event", event_id=ev.id))
