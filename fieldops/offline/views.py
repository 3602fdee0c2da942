"""The list the page walks through when getting ready for offline, and where the app starts (`/`)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops.db import utcnow
from fieldops.extensions import db
from fieldops.nav import nav_entries_for
from fieldops.offline.services import offline_manifest, role_start, start_page
from fieldops.pwa.build import START_DATA_URL

bp = Blueprint("offline", __name__)


@bp.route("/")
def start() -> Response:
    # The installed app's start URL (manifest.webmanifest): the same page the service worker opens offline.
    return redirect(start_page(db.session(), current_user))


@bp.route("/api/offline/manifest")
def manifest() -> Response:
    result = asdict(offline_manifest(db.session(), current_user))
    result["generated_at"] = utcnow().isoformat()
    resp = jsonify(result)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route(START_DATA_URL)
def start_record() -> Response:
    """What the service worker needs to open `/` with no signal, kept by "Ready for offline" with the user's data
    (dropped on sign-out): the start page, the role's own start page (an outreach worker who checks out of an
    event offline goes back to it), and the top-bar links this user has offline, in their language, for the
    offline page."""
    user = current_user._get_current_object()
    day = offline_manifest(db.session(), user)
    kept = set(day.pages)
    links = []
    for entry in nav_entries_for(user):
        url = url_for(entry.endpoint)
        if url in kept:
            links.append({"url": url, "label": entry.text()})
    return jsonify({"user_id": user.id, "start": day.start, "home": role_start(user), "links": links})
