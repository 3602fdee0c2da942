"""Work orders: the crews' jobs, their status steps, My work and the supervisors' overview."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.accounts.models import Role
    from fieldops.demo import register_demo_loader
    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.offline.services import register_offline_provider
    from fieldops.sync.registry import register_kinds, register_paths
    from fieldops.workorders import demo, offline, services, sync, views

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_paths(app, offline.PATHS)
    register_demo_loader(app, "city", demo.seed_city, order=0)
    register_offline_provider(app, "workorders", services.offline_part, order=20)
    register_nav_entry(app, NavEntry("workorders.my_work", _l("My work"), order=10, visible=lambda user: user.role == Role.CREW))
    register_nav_entry(app, NavEntry("workorders.overview", _l("Work orders"), order=20, visible=lambda user: user.is_supervisor))
