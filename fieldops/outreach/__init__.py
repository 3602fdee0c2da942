"""Mobile-311 outreach: community events, check-ins and quick intake."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.outreach import sync, views
    from fieldops.sync.registry import register_kinds

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
