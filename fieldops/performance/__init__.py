"""CitiStat performance figures, charts, hotspots and their page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.performance import views

    app.register_blueprint(views.bp)
