"""Server side of offline sync: staged photo uploads, idempotent replay of outbox actions, conflicts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.sync import views

    app.register_blueprint(views.bp)
