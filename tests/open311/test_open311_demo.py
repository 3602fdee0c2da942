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


def test_demo_history_never_runs_ahead_and_updated_datetime_is_the_latest_note(session, client) -> None:  # type: ignore[no-untyped-def]
    # What Open311 clients paging with updated_after rely on: no time after now, a closed request's last note is its
    # closure, updated_datetime equals the request's latest note.
    import datetime as dt

    import sqlalchemy as sa

    from fieldops.activity.models import Activity
    from fieldops.db import utcnow
    from fieldops.servicerequests.models import ServiceRequest

    load_demo(session)
    session.commit()
    now = utcnow()
    for column in (Activity.created_at, ServiceRequest.created_at, ServiceRequest.updated_at, ServiceRequest.closed_at):
        assert session.scalar(sa.select(sa.func.count()).where(column > now)) == 0, column
    total = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))
    seen = closed = 0
    page = 1
    while True:
        resp = client.get(f"{BASE_URL}/requests.json?extensions=true&page_size=500&page={page}")
        items = resp.get_json()
        for item in items:
            seen += 1
            notes = item["notes"]
            times = [dt.datetime.fromisoformat(n["datetime"]) for n in notes]
            assert times == sorted(times), item["service_request_id"]
            assert dt.datetime.fromisoformat(item["updated_datetime"]) == times[-1], (item["status"], item["updated_datetime"], notes)
            assert max(times) <= now
            if item["status"] == "closed":
                closed += 1
                # Its own history ends with its closure; only follow-on requests (further work) may come after.
                own = [n for n in notes if not n["type"].startswith("follow_on")]
                assert own[-1]["type"] == "closed", item
                assert own[-2]["summary"] in {"Work completed", "Merged into an earlier report of the same problem"}, item
        if len(items) < 500:
            break
        page += 1
    assert seen == total and closed > 400
