"""Append-only history of every request and its work orders, read in each reader's language."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Templates show history through `entry|history_line` (activity.services.describe)."""
    from fieldops.activity.services import describe

    app.jinja_env.filters["history_line"] = describe
