"""Template filters and globals: local times, relative due times, how long ago."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _

from fieldops.db import utcnow
from fieldops.i18n import local_datetime, local_day, local_number, local_percent
from fieldops.settings import Settings


def register(app: Flask, settings: Settings) -> None:
    """Install filters that show UTC-stored times in the city's zone."""
    zone = ZoneInfo(settings.timezone)

    def local(value: dt.datetime | None, kind: str = "datetime") -> str:
        """A stored time in the city's zone, written the page's language's way: |local, |local('date'), |local('time')."""
        return local_datetime(value, zone, kind)

    def due_in(value: dt.datetime | None) -> str:
        if value is None:
            return _("no due time")
        delta = value - utcnow()
        hours = abs(delta.total_seconds()) / 3600
        span = _("%(n)s h", n=f"{hours:.0f}") if hours < 48 else _("%(n)s days", n=f"{hours / 24:.0f}")
        return _("due in %(span)s", span=span) if delta.total_seconds() >= 0 else _("overdue by %(span)s", span=span)

    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["due_in"] = due_in
    app.jinja_env.filters["local_day"] = local_day
    app.jinja_env.filters["number"] = local_number
    app.jinja_env.filters["percent"] = local_percent
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["settings"] = settings
    app.jinja_env.globals["utcnow"] = utcnow


def ago(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long ago, in the page's language: "40 min ago", "5 h ago", "3 days ago" (days from 48 h, so never "1 days")."""
    minutes = max((now or utcnow()) - value, dt.timedelta(0)).total_seconds() / 60
    if minutes < 60:
        span = _("%(n)s min", n=f"{minutes:.0f}")
    elif minutes < 48 * 60:
        span = _("%(n)s h", n=f"{minutes / 60:.0f}")
    else:
        span = _("%(n)s days", n=f"{minutes / 1440:.0f}")
    return _("%(span)s ago", span=span)
