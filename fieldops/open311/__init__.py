"""Open311 GeoReport v2: the API other 311 apps use, and its API keys."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.catalog.changes import install_change_tracking
    from fieldops.open311 import views, cli

    install_change_tracking()  # discovery's changeset follows the catalogue
    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
