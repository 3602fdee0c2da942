"""Maps: the folium/Leaflet maps of work orders, requests and districts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.maps import views

    app.register_blueprint(views.bp)
