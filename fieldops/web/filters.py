"""Template filters and globals: local times, relative due times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from fieldops.db import utcnow
from fieldops.settings import Settings


def register(app: Flask, settings: Settings) -> None:
    """Install filters that show UTC-stored times in the city's zone."""
    zone = ZoneInfo(settings.timezone)

    def local(value: dt.datetime | None, fmt: str = "%a %b %-d, %-I:%M %p") -> str:
        if value is None:
            return "—"
        return value.astimezone(zone).strftime(fmt)

    def due_in(value: dt.datetime | None) -> str:
        if value is None:
            return "no due time"
        delta = value - utcnow()
        hours = abs(delta.total_seconds()) / 3600
        span = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
        return f"due in {span}" if delta.total_seconds() >= 0 else f"overdue by {span}"

    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["due_in"] = due_in
    app.jinja_env.globals["settings"] = settings
    app.jinja_env.globals["utcnow"] = utcnow
