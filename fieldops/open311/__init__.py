"""Open311 GeoReport v2: the API other 311 apps use, and its API keys."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.open311 import views, cli

    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
