"""Follow-up visits: confirming at the door that the work fixed the problem."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.sync.registry import register_kinds
    from fieldops.visits import sync, views

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
