"""Dispatch: the supervisors' triage queue, assignment by district, merging duplicates, transfers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.demo import register_demo_loader
    from fieldops.dispatch import demo, views

    app.register_blueprint(views.bp)
    register_demo_loader(app, "dispatch", demo.seed_demo, order=10)
