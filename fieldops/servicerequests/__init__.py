"""Service requests: residents' reports, intake, receipts and the public status page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.demo import register_demo_loader
    from fieldops.nav import NavEntry, everyone, register_nav_entry
    from fieldops.offline.services import register_offline_provider
    from fieldops.servicerequests import history, offline, services, sync, views
    from fieldops.sync.registry import register_kinds, register_paths

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_paths(app, offline.PATHS)
    history.install_updated_at_follows_history()
    register_offline_provider(app, "servicerequests", services.offline_part, order=10)
    # Last: once every other demo has written its history.
    register_demo_loader(app, "updated-at", history.demo_updated_at, order=1000)
    register_nav_entry(app, NavEntry("servicerequests.new", _l("New request"), order=70, visible=everyone))
