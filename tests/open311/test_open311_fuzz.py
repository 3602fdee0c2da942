"""Fuzz every Open311 operation from the OpenAPI document the app serves: no 500s, answers as documented."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from factories import make_job
from open311_helpers import add_tree_service, issue_key

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and mode: 7 operations x 2 modes x 25 cases stay well under a minute on two cores.
EXAMPLES = 25


def test_fuzz_every_operation_finds_no_server_errors(app, session, city) -> None:  # type: ignore[no-untyped-def]
    add_tree_service(session, city)
    for _ in range(3):
        make_job(session, city)
    session.commit()
    key = issue_key(session, rate=100_000)
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /discovery.{format}",
        "GET /services.{format}",
        "GET /services/{service_code}.{format}",
        "GET /requests.{format}",
        "POST /requests.{format}",
        "GET /requests/{service_request_id}.{format}",
        "GET /tokens/{token}.{format}",
    }
    seen: dict[tuple[str, int], int] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                if mode is GenerationMode.POSITIVE:
                    # A made-up api_key is rightly refused (403) before anything else is looked at; the real key
                    # goes in the header so positive cases reach the validation and the database.
                    if isinstance(case.body, dict):
                        case.body.pop("api_key", None)
                    if case.query:
                        case.query.pop("api_key", None)
                # Identity: schemathesis' WSGI client does not decompress (compression has its own tests/test_compression.py).
                response = case.call_and_validate(headers={"X-Api-Key": key, "Accept-Encoding": "identity"}, checks=CHECKS)
                seen[(case.operation.label, response.status_code)] = seen.get((case.operation.label, response.status_code), 0) + 1

            fuzz()
    # The fuzzing reached past validation: reads answered, requests created, bad input refused.
    statuses = {status for (_, status) in seen}
    assert {200, 400, 404} <= statuses, seen
    assert seen.get(("POST /requests.{format}", 200), 0) > 0 and seen.get(("POST /requests.{format}", 400), 0) > 0, seen
    assert seen.get(("GET /services/{service_code}.{format}", 200), 0) > 0, seen
