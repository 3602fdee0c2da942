"""Fuzz the sync API from its OpenAPI document (/api/sync/openapi.json), signed in as the tablet is: no 500s,
answers as documented, for every operation and every registered outbox kind."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from factories import make_event, make_job
from sync_helpers import Tablet

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and mode; the outbox POST (one body schema per kind) gets more. Well under a minute on two cores.
EXAMPLES = 10
ACTION_EXAMPLES = 100


def test_fuzz_the_sync_api_finds_no_server_errors(app, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    event = make_event(session, city)
    session.commit()
    job_id, event_id = job.id, event.id
    # A supervisor may send every kind, so generated actions reach the handlers instead of stopping at 403.
    sam = Tablet(app.test_client(), "sam")
    cookie = sam.client._client.get_cookie("session")  # type: ignore[attr-defined]
    assert cookie is not None
    session_cookie, csrf = {"session": cookie.value}, {"X-CSRFToken": sam.token}
    # The document is for signed-in users only: read it as Sam, then let schemathesis call the app (WSGI) as Sam.
    resp = sam.client.get("/api/sync/openapi.json")
    assert resp.status_code == 200
    schema = schemathesis.openapi.from_dict(resp.get_json())
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /api/session",
        "PUT /api/photos/{photo_id}",
        "POST /api/sync/actions",
        "GET /api/sync/conflicts",
        "GET /api/sync/openapi.json",
        "GET /api/my-work.json",
        "GET /api/catalog.json",
    }
    keys = (str(uuid.UUID(int=n)) for n in itertools.count(1))
    seen: dict[tuple[str, int], int] = {}
    for operation in operations:
        is_action = operation.label == "POST /api/sync/actions"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=ACTION_EXAMPLES if is_action else EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                if is_action and mode is GenerationMode.POSITIVE and isinstance(case.body, dict):
                    _aim(case.body, job_id, event_id)
                    # A fresh key per case: generated keys repeat, and a repeated key with another body is only
                    # ever "key reused" (422), which would hide the kinds' handlers.
                    case.headers = {**(case.headers or {}), "Idempotency-Key": next(keys)}
                # Identity: schemathesis' WSGI client does not decompress (compression has its own tests/test_compression.py).
                response = case.call_and_validate(headers={**csrf, "Accept-Encoding": "identity"}, cookies=session_cookie, checks=CHECKS)
                seen[(case.operation.label, response.status_code)] = seen.get((case.operation.label, response.status_code), 0) + 1

            fuzz()
    # The fuzzing reached past validation: actions applied, refused, and documents served.
    assert seen.get(("POST /api/sync/actions", 422), 0) > 0, seen
    assert seen.get(("POST /api/sync/actions", 200), 0) + seen.get(("POST /api/sync/actions", 201), 0) > 0, seen
    assert seen.get(("GET /api/my-work.json", 200), 0) > 0, seen


def _aim(body: dict[str, Any], job_id: int, event_id: int) -> None:
    """Point a generated action at records that exist, so it gets past "no such record" to the rules."""
    if "work_order_id" in body:
        body["work_order_id"] = job_id
    fields = body.get("fields")
    if isinstance(fields, dict):
        if "event_id" in fields:
            fields["event_id"] = event_id
        if body.get("kind") == "request":
            fields["service_type"] = "pothole"
