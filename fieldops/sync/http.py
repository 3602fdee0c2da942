"""JSON answers of the sync API and of the offline JSON the features serve: one user's data at one moment."""

from __future__ import annotations

from typing import Any

from flask import jsonify, make_response
from werkzeug.wrappers import Response


def no_store_json(payload: Any, status: int = 200, key: str | None = None) -> Response:
    """`payload` as JSON, never from a cache; with the outbox item's Idempotency-Key echoed when given."""
    resp = make_response(jsonify(payload), status)
    resp.headers["Cache-Control"] = "no-store"
    if key is not None:
        resp.headers["Idempotency-Key"] = key
    return resp
