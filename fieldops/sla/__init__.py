"""Service level agreements: due times from each service type's target and business calendar."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.sla import views, cli

    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
    register_nav_entry(app, NavEntry("sla.admin", _l("Standards"), order=40, visible=lambda user: user.is_supervisor))
