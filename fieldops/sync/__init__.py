"""Server side of offline sync: staged photo uploads, idempotent replay of outbox actions, conflicts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user

    from fieldops.extensions import db
    from fieldops.nav import NavEntry, register_nav_entry
    from fieldops.activity.verbs import Verb, register_render
    from fieldops.sync import reasons, services, views

    app.register_blueprint(views.bp)
    # A conflict's history line is said from the Reason its entry keeps, in the reader's language.
    register_render(Verb.SYNC_CONFLICT, reasons.describe_detail)
    register_nav_entry(
        app,
        NavEntry(
            "sync.conflicts",
            _l("Conflicts (%(n)s)"),
            order=60,
            visible=lambda user: user.is_supervisor,
            count=lambda: services.open_conflict_count(db.session(), current_user),
        ),
    )
