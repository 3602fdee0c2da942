"""Service requests: residents' reports, intake, receipts and the public status page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.servicerequests import offline, sync, views
    from fieldops.sync.registry import register_kinds, register_paths

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_paths(app, offline.PATHS)
