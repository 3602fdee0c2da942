"""The list the page walks through when getting ready for offline."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops.db import utcnow
from fieldops.extensions import db
from fieldops.offline.services import offline_manifest

bp = Blueprint("offline", __name__)


@bp.route("/api/offline/manifest")
def manifest() -> Response:
    result = asdict(offline_manifest(db.session(), current_user))
    result["generated_at"] = utcnow().isoformat()
    resp = jsonify(result)
    resp.headers["Cache-Control"] = "no-store"
    return resp
