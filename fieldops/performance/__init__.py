"""CitiStat performance figures, charts, hotspots and their page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.performance import views

    app.register_blueprint(views.bp)
    register_nav_entry(app, NavEntry("performance.index", _l("Performance"), order=50, visible=lambda user: user.is_supervisor))
