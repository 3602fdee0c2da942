"""The OpenAPI 3.1 description of the sync API, served at /api/sync/openapi.json (signed in, like the API).

The outbox POST's body is a `oneOf` of the registered kinds (fieldops/sync/registry.py), each with its fields'
JSON Schema, so a kind a feature plugs in is documented by registering it. The offline JSON endpoints are the
path items the features registered with `register_paths`. Schemas are JSON Schema 2020-12, as OpenAPI 3.1 has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldops.sync.protocol import MAX_PHOTOS
from fieldops.sync.registry import OutboxKind

_ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time"}
_NSTR = {"type": ["string", "null"]}
_PHOTO_KINDS = ["before", "after", "intake", "visit"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def error(description: str) -> dict[str, Any]:
    """A refusal: {"error": message, ...} (sync refusals add the key, and "field" or "code" where they apply)."""
    return {"description": description, "content": json_content(ref("Error"))}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "For the person at the tablet"},
            "status": {"type": "integer"},
            "key": _UUID,
            "field": {"type": "string", "description": "The field to fix"},
            "code": {"type": "string", "description": "photos_missing: send these photos again, then the change"},
            "photo_ids": {"type": "array", "items": _UUID},
        },
    },
    "Applied": {
        "type": "object",
        "required": ["key", "kind", "result", "work_order", "request"],
        "properties": {
            "key": _UUID,
            "kind": {"type": "string"},
            "result": {"type": "object", "description": "What the kind did (see its summary)"},
            "work_order": {
                "type": ["object", "null"],
                "required": ["id", "status", "version"],
                "properties": {"id": {"type": "integer"}, "status": {"type": "string"}, "version": {"type": "integer"}},
            },
            "request": {
                "type": ["object", "null"],
                "required": ["id", "tracking_number", "status"],
                "properties": {"id": {"type": "integer"}, "tracking_number": {"type": "string"}, "status": {"type": "string"}},
            },
        },
    },
    "ConflictFiled": {
        "type": "object",
        "required": ["key", "error", "conflict_id", "kept"],
        "properties": {
            "key": _UUID,
            "error": {"type": "string", "description": "What happened meanwhile, and what was kept for a supervisor"},
            "conflict_id": {"type": ["integer", "null"], "description": "null when there is no work order to file it on"},
            "kept": {
                "type": "object",
                "required": ["photos", "fields"],
                "properties": {"photos": {"type": "integer"}, "fields": {"type": "boolean"}},
            },
        },
    },
    "Conflict": {
        "type": "object",
        "required": ["id", "key", "kind", "work_order_id", "reason", "user", "payload", "created_at", "url"],
        "properties": {
            "id": {"type": "integer"},
            "key": _UUID,
            "kind": {"type": "string"},
            "work_order_id": {"type": "integer"},
            "reason": {"type": "string"},
            "user": {"type": "object", "required": ["id", "full_name"], "properties": {"id": {"type": "integer"}, "full_name": {"type": "string"}}},
            "payload": {"type": "object", "description": "The action as the tablet sent it"},
            "created_at": _TIME,
            "url": {"type": "string"},
        },
    },
    "Photo": {
        "type": "object",
        "required": ["id", "sha256", "size", "content_type", "attached"],
        "properties": {
            "id": _UUID,
            "sha256": {"type": "string"},
            "size": {"type": "integer"},
            "content_type": {"type": "string"},
            "width": {"type": ["integer", "null"]},
            "height": {"type": ["integer", "null"]},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "taken_at": {"type": ["string", "null"], "format": "date-time"},
            "attached": {"type": "boolean"},
        },
    },
    "Session": {
        "type": "object",
        "required": ["user", "csrf_token", "server_time"],
        "properties": {
            "user": {
                "type": "object",
                "required": ["id", "username", "full_name", "role"],
                "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "full_name": {"type": "string"}, "role": {"type": "string"}},
            },
            "csrf_token": {"type": "string", "description": "Send it as X-CSRFToken with every write"},
            "server_time": _TIME,
        },
    },
}


def action_schema(kind: OutboxKind) -> dict[str, Any]:
    """The body of one kind of outbox action: the envelope the protocol checks, with the kind's fields."""
    required = ["kind"]
    properties: dict[str, Any] = {
        "kind": {"const": kind.name},
        "base_version": {**_ID, "type": ["integer", "null"], "description": "The record's version the tablet last saw"},
        "fields": dict(kind.fields_schema),
        "photo_ids": {
            "type": "array",
            "items": _UUID,
            "maxItems": MAX_PHOTOS,
            "description": "Photos staged with PUT /api/photos/{photo_id}",
            **({"minItems": 1} if kind.needs_photos else {}),
        },
        "captured_at": {"type": ["string", "null"], "format": "date-time", "description": "When it was done, by the tablet's clock"},
    }
    if kind.fields_schema.get("required"):
        required.append("fields")
    if kind.needs_work_order:
        properties["work_order_id"] = {**_ID, "description": "The work order the action is about"}
        required.append("work_order_id")
    if kind.needs_photos:
        required.append("photo_ids")
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if kind.summary:
        schema["description"] = kind.summary
    return schema


def _action_name(kind: OutboxKind) -> str:
    return "Action_" + "".join(c if c.isalnum() else "_" for c in kind.name)


def openapi_document(kinds: Mapping[str, OutboxKind], offline_paths: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The document for the app's registered kinds and offline JSON endpoints."""
    action_schemas = {_action_name(k): action_schema(k) for k in kinds.values()}
    schemas = {**SCHEMAS, **action_schemas}
    schemas["Action"] = {
        "oneOf": [ref(name) for name in action_schemas],
        "discriminator": {"propertyName": "kind", "mapping": {k.name: f"#/components/schemas/{_action_name(k)}" for k in kinds.values()}},
    }
    signed_in = {"description": "Not signed in", "content": json_content(ref("Error"))}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fieldops sync API",
            "version": "1",
            "description": (
                "What the tablet's outbox talks to. Sign in first (session cookie), then GET /api/session for the "
                "CSRF token, and send it as X-CSRFToken with every PUT and POST. Each outbox item is POSTed once or "
                "more under its own Idempotency-Key (a UUID): the first answer (2xx or a 409 conflict) is stored and "
                "replayed byte for byte; refusals (4xx) are not stored, so the same key is judged afresh when sent again."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"session": [], "csrf": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "The signed-in session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken", "description": "From GET /api/session; writes only"},
            },
            "schemas": schemas,
        },
        "paths": {
            "/api/session": {
                "get": {
                    "summary": "Who is signed in, the CSRF token and the server's clock",
                    "responses": {"200": {"description": "The session", "content": json_content(ref("Session"))}, "401": signed_in},
                }
            },
            "/api/photos/{photo_id}": {
                "put": {
                    "summary": "Stage a photo before the action that attaches it (the same bytes again: 200)",
                    "parameters": [
                        {"name": "photo_id", "in": "path", "required": True, "schema": _UUID, "description": "Chosen by the tablet"},
                        {"name": "kind", "in": "query", "required": True, "schema": {"type": "string", "enum": _PHOTO_KINDS}},
                        {"name": "filename", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 255}},
                    ],
                    "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                    "responses": {
                        "200": {"description": "Already staged with these bytes", "content": json_content(ref("Photo"))},
                        "201": {"description": "Staged", "content": json_content(ref("Photo"))},
                        "400": error("CSRF token missing or wrong"),
                        "401": signed_in,
                        "404": error("The photo id is not a UUID"),
                        "409": error("Another photo was already uploaded with this id"),
                        "413": error("Larger than the photo size limit"),
                        "422": error("Not an image the server can read, or an unknown kind"),
                        "503": error("The server is busy decoding photos; retry after Retry-After seconds"),
                    },
                }
            },
            "/api/sync/actions": {
                "post": {
                    "summary": "Apply one outbox action, exactly once",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": _UUID, "description": "The outbox item's UUID"}],
                    "requestBody": {"required": True, "content": json_content(ref("Action"))},
                    "responses": {
                        "200": {"description": "Applied (or the stored answer to this key)", "content": json_content(ref("Applied"))},
                        "201": {"description": "Created (a new request)", "content": json_content(ref("Applied"))},
                        "400": error("Idempotency-Key missing or not a UUID, body not JSON, or CSRF token wrong"),
                        "401": signed_in,
                        "403": error("Not yours to change (nothing stored)"),
                        "404": error("No such record (nothing stored)"),
                        "409": {
                            "description": "A conflict was filed (stored under the key), or the chosen tracking number is taken (not stored)",
                            # anyOf: a filed conflict carries an "error" too, so it is an Error as well (oneOf refused it).
                            "content": json_content({"anyOf": [ref("ConflictFiled"), ref("Error")]}),
                        },
                        "413": error("The body is too large"),
                        "422": error("Needs attention: malformed, or cannot apply (nothing stored), or the key was used for another change"),
                        "503": error("The record changed at the same moment; retry after Retry-After seconds"),
                    },
                }
            },
            "/api/sync/conflicts": {
                "get": {
                    "summary": "Open conflicts: a supervisor's all, anyone else's own",
                    "responses": {
                        "200": {"description": "Newest first", "content": json_content({"type": "array", "items": ref("Conflict")})},
                        "401": signed_in,
                    },
                }
            },
            "/api/sync/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1", "content": json_content({"type": "object"})}, "401": signed_in}}
            },
            **{path: dict(item) for path, item in offline_paths.items()},
        },
    }
