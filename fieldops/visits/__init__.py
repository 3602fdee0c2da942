"""Follow-up visits: confirming at the door that the work fixed the problem."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops import signals
    from fieldops.accounts.models import Role
    from fieldops.demo import register_demo_loader
    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.offline.services import register_offline_provider
    from fieldops.sync.registry import register_kinds
    from fieldops.visits import demo, services, sync, views

    app.register_blueprint(views.bp)
    register_kinds(app, sync.KINDS)
    register_demo_loader(app, "visits", demo.seed_demo, order=20)
    register_offline_provider(app, "visits", services.offline_part, order=30)
    # Finished work plans the service type's follow-up visit (fieldops/signals.py).
    signals.request_closed.connect(services.on_request_closed, sender=app)
    register_nav_entry(
        app, NavEntry("visits.my_visits", _l("My visits"), order=90, visible=lambda user: user.role in (Role.OUTREACH, Role.SUPERVISOR, Role.ADMIN))
    )
