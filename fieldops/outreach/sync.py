"""The event outbox kinds: "checkin" (in/out) and "residents" (count met), at the tablet's time (clamped to now)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldops.db import utcnow
from fieldops.outreach import services
from fieldops.sync import protocol
from fieldops.sync.protocol import Action, Outcome, SyncContext
from fieldops.sync.registry import OutboxKind

_EVENT_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "The outreach event's id"}


def apply_event_action(ctx: SyncContext, action: Action) -> Outcome:
    result = services.apply_sync_action(ctx.session, ctx.user, action.kind, action.fields, protocol.clamp(action.captured_at, utcnow()))
    return 200, protocol.ok(ctx, action, result)


def _checks(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda fields: services.check_sync_fields(kind, fields)


KINDS = (
    OutboxKind(
        name="checkin",
        summary="Check in at an event, or out of it",
        fields_schema={
            "type": "object",
            "required": ["event_id", "action"],
            "properties": {"event_id": _EVENT_ID, "action": {"type": "string", "enum": ["in", "out"]}},
        },
        handler=apply_event_action,
        check_fields=_checks("checkin"),
    ),
    OutboxKind(
        name="residents",
        summary="Count residents met at an event (a negative count corrects a mistaken tap)",
        fields_schema={
            "type": "object",
            "required": ["event_id"],
            "properties": {
                "event_id": _EVENT_ID,
                "count": {
                    "type": "integer",
                    "default": 1,
                    "description": f"1 to {services.MAX_RESIDENTS_STEP} residents, or a negative count to correct a mistaken tap",
                },
            },
        },
        handler=apply_event_action,
        check_fields=_checks("residents"),
    ),
)
