"""CSV and GeoJSON downloads of requests and work orders for a filter (staff only, no personal data)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.exports import views

    app.register_blueprint(views.bp)
