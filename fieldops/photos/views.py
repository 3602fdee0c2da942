"""Serve stored photos to the people allowed to see them."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.extensions import db
from fieldops.photos.models import Photo
from fieldops.photos.services import photo_storage
from fieldops.access import policies

bp = Blueprint("photos", __name__)


@bp.route("/photos/<photo_id>/<any(full, thumb):variant>")
def show(photo_id: str, variant: str) -> Response:
    photo = db.session.get(Photo, photo_id)
    if photo is None or not policies.can_view_photo(current_user, photo):
        abort(404)  # do not confirm that someone else's photo exists
    key = photo.storage_key if variant == "full" else photo.thumbnail_key
    content_type = photo.content_type if variant == "full" else "image/jpeg"
    etag = f"{photo.sha256[:32]}-{variant}"
    if etag in request.if_none_match:
        return Response(status=304)
    data = photo_storage(get_settings()).read(key)
    resp = Response(data, content_type=content_type)
    resp.set_etag(etag)
    # A photo id never gets new bytes (evidence is append-only), so browsers may keep it.
    resp.headers["Cache-Control"] = "private, max-age=604800, immutable"
    return resp
