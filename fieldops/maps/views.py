"""Map data for pages and the offline cache."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from fieldops.districts.services import districts_geojson
from fieldops.extensions import db

bp = Blueprint("maps", __name__)


@bp.route("/api/districts.geojson")
def districts() -> Response:
    resp = jsonify(districts_geojson(db.session()))
    resp.mimetype = "application/geo+json"
    return resp
