"""Mobile-311 outreach: community events, check-ins and quick intake."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.demo import register_demo_loader
    from fieldops.outreach import demo, views

    app.register_blueprint(views.bp)
    register_demo_loader(app, "outreach", demo.seed_demo, order=30)
