"""Import residents' request history from cities' 311 exports (Boston 311, SeeClickFix, mapping files)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.imports import cli

    for command in cli.commands:
        app.cli.add_command(command)
