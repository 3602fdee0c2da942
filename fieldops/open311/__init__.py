"""Open311 GeoReport v2: the API other 311 apps use, and its API keys."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.accounts.models import Role
    from fieldops.catalog.changes import install_change_tracking
    from fieldops.demo import register_demo_loader
    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.open311 import cli, demo, views

    install_change_tracking()  # discovery's changeset follows the catalogue
    app.register_blueprint(views.bp)
    register_demo_loader(
        app,
        "open311",
        demo.seed_demo,
        order=40,
        notes=(f"Open311 demo API key: {demo.DEMO_KEY}  (GeoReport v2 at /open311/v2/; revoke it on anything real)",),
    )
    for command in cli.commands:
        app.cli.add_command(command)
    register_nav_entry(app, NavEntry("open311.admin.index", _l("API keys"), order=100, visible=lambda user: user.role == Role.ADMIN))
