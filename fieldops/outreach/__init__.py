"""Mobile-311 outreach: community events, check-ins and quick intake."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.accounts.models import Role
    from fieldops.demo import register_demo_loader
    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.offline.services import register_offline_provider
    from fieldops.outreach import demo, services, sync, views
    from fieldops.sync.registry import register_kinds

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_demo_loader(app, "outreach", demo.seed_demo, order=30)
    register_offline_provider(app, "outreach", services.offline_part, order=40)
    register_nav_entry(
        app, NavEntry("outreach.events", _l("Events"), order=80, visible=lambda user: user.role in (Role.OUTREACH, Role.SUPERVISOR, Role.ADMIN))
    )
