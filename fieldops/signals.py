"""Named signals between features: the side effects one feature has on another, without importing it.

A feature that causes something sends a signal; a feature that reacts connects a receiver from its own
`init_app`, for that app only (`signal.connect(receiver, sender=app)`). Connecting the same module-level receiver to
the same app again is a no-op, so building many apps (the tests do) never runs a receiver twice; an app without the
reacting feature simply has no receiver. Every signal is sent with the current Flask app as its sender (`send`),
inside the caller's transaction: receivers add to the same session and must not commit.

Signals, their sender and keyword arguments:

``request_closed``
    A service request has just closed because its last open job was completed (the work is done), not when it
    is merged as a duplicate. Sent by workorders. kwargs: ``session`` (the caller's SQLAlchemy ``Session``),
    ``request`` (the ``ServiceRequest``, status already closed), ``at`` (the ``datetime`` of the closing).
    Receivers: visits (plans the service type's follow-up visit).
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace, NamedSignal
from flask import current_app

fieldops_signals = Namespace()

request_closed: NamedSignal = fieldops_signals.signal(
    "request-closed",
    doc="A request closed because its work was completed. kwargs: session, request, at. Sender: the app.",
)


def send(signal: NamedSignal, **kwargs: Any) -> None:
    """Send `signal` from the current app to the receivers its features connected for it."""
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]


__all__ = ["fieldops_signals", "request_closed", "send"]
