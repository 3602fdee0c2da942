"""Accounts: users, crews, roles, sign-in and revocable sessions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.accounts import views, cli

    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
