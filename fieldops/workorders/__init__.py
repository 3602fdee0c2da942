"""Work orders: the crews' jobs, their status steps, My work and the supervisors' overview."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.sync.registry import register_kinds, register_paths
    from fieldops.workorders import offline, sync, views

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_paths(app, offline.PATHS)
