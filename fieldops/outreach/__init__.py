"""Mobile-311 outreach: community events, check-ins and quick intake."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.demo import register_demo_loader
    from fieldops.offline.services import register_offline_provider
    from fieldops.outreach import demo, services, views

    app.register_blueprint(views.bp)
    register_demo_loader(app, "outreach", demo.seed_demo, order=30)
    register_offline_provider(app, "outreach", services.offline_part, order=40)
