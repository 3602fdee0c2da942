"""Service requests: residents' reports, intake, receipts and the public status page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.servicerequests import history, views

    app.register_blueprint(views.bp)
    history.install_updated_at_follows_history()
