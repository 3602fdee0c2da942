"""Offline: what a tablet keeps to work a whole day without signal."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.offline import views

    app.register_blueprint(views.bp)
