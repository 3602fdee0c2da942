"""Work orders: the crews' jobs, their status steps, My work and the supervisors' overview."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.workorders import views

    app.register_blueprint(views.bp)
