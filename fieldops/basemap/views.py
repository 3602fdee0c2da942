"""The installed basemap over HTTP: its description, and the archive itself with Range support."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, send_file, url_for
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from fieldops.basemap import run_build, services

bp = Blueprint("basemap", __name__)

YEAR = 365 * 24 * 3600


@bp.route("/basemap/current.json")
def current() -> Response:
    """What the installed basemap is, where to fetch it, how big it is; 404 when none is installed."""
    basemap = services.current(run_build.storage())
    if basemap is None:
        resp = jsonify({"error": "no basemap is installed"})
        resp.status_code = 404
    else:
        resp = jsonify(services.as_json(basemap, url_for("basemap.archive", version=basemap.version)))
    # Changes whenever a basemap is built or imported: revalidate every time.
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@bp.route("/basemap/<version>.pmtiles")
def archive(version: str) -> Response:
    """The archive; Werkzeug answers Range requests (206, 416) and conditional ones. The URL names the content,
    so it may be kept for good."""
    path = services.archive_path(run_build.storage(), version)
    if path is None:
        abort(404)
    try:
        resp = send_file(
            path, mimetype="application/vnd.pmtiles", conditional=True, etag=version, max_age=YEAR, last_modified=None
        )
    except RequestedRangeNotSatisfiable as exc:
        # The app's error pages drop an exception's headers; a 416 must still say how long the file is.
        resp = jsonify({"error": "requested range not satisfiable"})
        resp.status_code = 416
        resp.headers["Content-Range"] = f"bytes */{exc.length}"
        resp.headers["Accept-Ranges"] = "bytes"
        return resp
    resp.headers["Cache-Control"] = f"private, max-age={YEAR}, immutable"
    resp.headers["Accept-Ranges"] = "bytes"
    return resp
