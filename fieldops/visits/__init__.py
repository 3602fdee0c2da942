"""Follow-up visits: confirming at the door that the work fixed the problem."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops import signals
    from fieldops.visits import services, views

    app.register_blueprint(views.bp)
    # Finished work plans the service type's follow-up visit (fieldops/signals.py).
    signals.request_closed.connect(services.on_request_closed, sender=app)
