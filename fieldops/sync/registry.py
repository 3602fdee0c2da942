"""The outbox kinds the sync API accepts, each registered by the feature that owns it.

A feature's `init_app` calls `register_kinds(app, sync.KINDS)`; the protocol core (fieldops/sync/protocol.py)
looks the kind up here, checks its fields against its JSON Schema and hands the action to its handler. The OpenAPI
document of the sync API (fieldops/sync/openapi.py) is built from the same entries, so what is documented is what
is checked. Adding an outbox kind touches only the package of the feature that brings it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

if TYPE_CHECKING:
    from fieldops.accounts.models import User
    from fieldops.sync.protocol import Action, Outcome, SyncContext

EXTENSION = "fieldops.sync.kinds"

Handler = Callable[["SyncContext", "Action"], "Outcome"]


@dataclasses.dataclass(frozen=True)
class OutboxKind:
    """One kind of outbox action: its name, the JSON Schema of its `fields`, and what applies it.

    - `handler(ctx, action)` applies the action once the key is claimed, returning (HTTP status, answer); a
      refusal is a DomainError (nothing is stored), a conflict is `protocol.file_conflict`'s 409.
    - `needs_work_order`: the body must name a work order (`work_order_id`).
    - `needs_photos`: the body must carry at least one photo id.
    - `may_send(user)`: who may send this kind at all, asked before the fields are looked at ("who before what"),
      refused with 403 and `refusal` (a lazily translated message).
    - `label`: what supervisors read on the conflicts page (a lazily translated message; the name if empty).
    - `check_fields(fields)`: the feature's own checks, with messages written for the person at the tablet; they
      run before the schema, and what they return is the action's `parsed`.
    """

    name: str
    fields_schema: Mapping[str, Any]
    handler: Handler
    summary: str = ""
    needs_work_order: bool = False
    needs_photos: bool = False
    may_send: Callable[[User], bool] | None = None
    # Lazily translated: said in the sender's language when the 403 is raised.
    refusal: str | LazyString = _l("You cannot send this kind of change.")
    check_fields: Callable[[dict[str, Any]], Any] | None = None
    label: str | LazyString = ""


class DuplicateKind(RuntimeError):
    """Two features registered the same outbox kind: a programming error, found at start-up."""


def register_kinds(app: Flask, kinds: Iterable[OutboxKind]) -> None:
    """Add a feature's outbox kinds to the app; a name registered twice is an error."""
    registered: dict[str, OutboxKind] = app.extensions.setdefault(EXTENSION, {})
    for kind in kinds:
        if kind.name in registered:
            raise DuplicateKind(f"The outbox kind {kind.name!r} is registered twice.")
        registered[kind.name] = kind


def registered_kinds(app: Flask | None = None) -> Mapping[str, OutboxKind]:
    """The app's outbox kinds by name, in registration order (the order of fieldops/features.py)."""
    return (app or current_app).extensions.get(EXTENSION, {})  # type: ignore[no-any-return]


PATHS_EXTENSION = "fieldops.sync.paths"


def register_paths(app: Flask, paths: Mapping[str, Mapping[str, Any]]) -> None:
    """Add a feature's offline JSON endpoints (OpenAPI path items) to the sync API's document; a path twice is an error."""
    registered: dict[str, Mapping[str, Any]] = app.extensions.setdefault(PATHS_EXTENSION, {})
    for path, item in paths.items():
        if path in registered:
            raise DuplicateKind(f"The path {path!r} is documented twice.")
        registered[path] = item


def registered_paths(app: Flask | None = None) -> Mapping[str, Mapping[str, Any]]:
    """The offline JSON endpoints the features documented, by path."""
    return (app or current_app).extensions.get(PATHS_EXTENSION, {})  # type: ignore[no-any-return]
