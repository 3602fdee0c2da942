"""Mobile-311 outreach: community events, check-ins and quick intake."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.outreach import views

    app.register_blueprint(views.bp)
