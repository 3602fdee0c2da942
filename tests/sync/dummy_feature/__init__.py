"""A test-only feature that plugs an outbox kind, "dummy:ping", into the sync API from its own package alone.

tests/sync/test_plug_in_kind.py builds the app with create_app(settings, extra_features=("sync.dummy_feature",)).
"""

from __future__ import annotations

from flask import Flask, current_app

from fieldops.sync import protocol
from fieldops.sync.protocol import Action, Outcome, SyncContext
from fieldops.sync.registry import OutboxKind, register_kinds

PINGS = "dummy_feature.pings"


def ping(ctx: SyncContext, action: Action) -> Outcome:
    """Remember the message (what the test observes) and echo it back."""
    pings: list[str] = current_app.extensions[PINGS]
    pings.append(action.fields["message"])
    return 200, protocol.ok(ctx, action, {"echo": action.fields["message"], "pings": len(pings)})


KINDS = (
    OutboxKind(
        name="dummy:ping",
        summary="Echo a message (test-only)",
        fields_schema={
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 40}},
            "additionalProperties": False,
        },
        handler=ping,
    ),
)


def init_app(app: Flask) -> None:
    app.extensions[PINGS] = []
    register_kinds(app, KINDS)
