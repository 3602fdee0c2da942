"""The demo city speaks Open311: service definitions with questions and a documented client key."""

from __future__ import annotations

from fieldops.demo import load_demo
from fieldops.open311.demo import DEMO_KEY
from open311_helpers import BASE_URL, POST_RESPONSE, SERVICE_DEFINITION, json_of, post_request


def test_demo_key_submits_to_a_demo_service_with_questions(session, client) -> None:  # type: ignore[no-untyped-def]
    load_demo(session)
    session.commit()
    definition = json_of(client.get(f"{BASE_URL}/services/streetlight.json"), SERVICE_DEFINITION)
    assert {a["datatype"] for a in definition["attributes"]} == {"multivaluelist", "string", "datetime", "text"}
    fields = {"service_code": "pothole", "address_string": "1 City Hall Sq, Boston", "attribute[WHERE]": "crosswalk", "attribute[SIZE_IN]": "14"}
    assert json_of(post_request(client, DEMO_KEY, **fields), POST_RESPONSE)[0]["service_request_id"]
