"""Dispatch: the supervisors' triage queue, assignment by district, merging duplicates, transfers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.dispatch import views

    app.register_blueprint(views.bp)
