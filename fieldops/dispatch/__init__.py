"""Dispatch: the supervisors' triage queue, assignment by district, merging duplicates, transfers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l

    from fieldops.demo import register_demo_loader
    from fieldops.dispatch import demo, views
    from fieldops.nav import NavEntry, register_nav_entry

    app.register_blueprint(views.bp)
    register_demo_loader(app, "dispatch", demo.seed_demo, order=10)
    register_nav_entry(
        app,
        NavEntry(
            "dispatch.triage",
            _l("Triage (%(n)s)"),
            order=30,
            visible=lambda user: user.is_supervisor,
            count=views.triage_badge,
            html_id="nav-triage",
        ),
    )
