"""An Open311 request's whole life: posted by a 311 app, triaged, worked and closed by a crew, read back closed."""

from __future__ import annotations

import importlib.util
import io
from urllib.parse import urlsplit

import sqlalchemy as sa
from PIL import Image

from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.workorders.models import WorkOrder
from fieldops.workorders.services import create_work_order
from helpers import csrf_token, login
from imagefactory import make_jpeg
from open311_helpers import BASE_URL, POST_RESPONSE, REQUESTS, add_tree_service, issue_key, json_of, xml_of


def _in_triage(session, req: ServiceRequest) -> bool:  # type: ignore[no-untyped-def]
    if importlib.util.find_spec("fieldops.dispatch.services") is not None:
        from fieldops.dispatch.services import TriageFilters, triage_queue

        return req.id in {r.id for r in triage_queue(session, TriageFilters(channel=Channel.OPEN311)).rows}
    # Before the dispatch feature: the queue is open requests without work orders.
    return req.status == RequestStatus.OPEN and not req.work_orders


def test_post_triage_assign_close_and_read_back(session, client, city) -> None:  # type: ignore[no-untyped-def]
    tree = add_tree_service(session, city)
    tree.requires_after_photo = True
    session.commit()
    key = issue_key(session)

    # 1. A 311 app posts a request with an answer and a photo.
    resp = client.post(
        f"{BASE_URL}/requests.json",
        data={
            "api_key": key,
            "service_code": "tree",
            "lat": "42.3876",
            "long": "-71.0995",
            "address_string": "93 Highland Ave, Somerville, MA 02143",
            "description": "Big limb hanging over the sidewalk",
            "attribute[WHERE]": "street",
            "email": "resident@example.org",
            "media": (io.BytesIO(make_jpeg(width=900, height=600)), "limb.jpg"),
        },
        content_type="multipart/form-data",
    )
    tracking = json_of(resp, POST_RESPONSE)[0]["service_request_id"]
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.tracking_number == tracking))

    # 2. It waits in the triage queue like a phoned-in request.
    assert _in_triage(session, req)
    login(client, "sam")
    triage = client.get("/triage")
    if triage.status_code == 200:  # the dispatch feature's page
        assert tracking in triage.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/work-orders")})

    # 3. A supervisor gives it to Alice's crew.
    wo = create_work_order(session, city.sam, req, assignee=city.alice)
    session.commit()
    wo_id = wo.id
    assert not _in_triage(session, req)
    opened = json_of(client.get(f"{BASE_URL}/requests/{tracking}.json?extensions=true"), REQUESTS)[0]
    assert opened["status"] == "open" and opened["status_notes"] == "Work scheduled"

    # 4. Alice works it in the crew app: en route, on site, after photo, complete.
    login(client, "alice")
    token = csrf_token(client, f"/work-orders/{wo_id}")
    for to in ("en_route", "on_site"):
        version = session.get(WorkOrder, wo_id).version
        assert client.post(f"/work-orders/{wo_id}/status", data={"to": to, "version": version, "csrf_token": token}).status_code == 302
        session.expire_all()
    on_site = json_of(client.get(f"{BASE_URL}/requests/{tracking}.json"), REQUESTS)[0]
    assert on_site["status"] == "open" and on_site["status_notes"] == "Crew on site"
    resp = client.post(
        f"/work-orders/{wo_id}/photos",
        data={"kind": "after", "csrf_token": token, "photos": [(io.BytesIO(make_jpeg(width=640, height=480, color=(40, 160, 60))), "after.jpg")]},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    session.expire_all()
    version = session.get(WorkOrder, wo_id).version
    resp = client.post(
        f"/work-orders/{wo_id}/status",
        data={"to": "completed", "version": version, "resolution": "Limb removed and chipped", "csrf_token": token},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})

    # 5. The app reads it back: closed, with the crew's resolution, the public timeline and the after photo.
    closed = json_of(client.get(f"{BASE_URL}/requests/{tracking}.json?extensions=true"), REQUESTS)[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "Limb removed and chipped"
    assert closed["attributes"] == {"WHERE": "street"} and closed["extended_attributes"]["channel"] == "open311"
    assert [n["type"] for n in closed["notes"]][-1] == "closed"
    summaries = [n["summary"] for n in closed["notes"]]
    assert summaries == ["Request opened", "Work scheduled", "Crew on the way", "Crew on site", "Work completed", "Request closed"]
    assert closed["notes"][-2]["description"] == "Limb removed and chipped"
    kinds = [p["kind"] for p in closed["extended_attributes"]["photos"]]
    assert kinds == ["intake", "after"]
    after_url = closed["extended_attributes"]["photos"][1]["url"]
    assert closed["media_url"] == closed["extended_attributes"]["photos"][0]["url"]
    assert closed["updated_datetime"] >= opened["updated_datetime"]
    image = client.get(urlsplit(after_url).path)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.get_data())).size == (640, 480)
    # The closed-request query finds it, in XML too.
    root = xml_of(client.get(f"{BASE_URL}/requests.xml", query_string={"status": "closed", "service_code": "tree", "extensions": "true"}), "service_requests")
    assert root.findtext("request/service_request_id") == tracking and root.findtext("request/status") == "closed"
    assert [p.findtext("kind") for p in root.findall("request/extended_attributes/photos/photo")] == ["intake", "after"]
    assert "resident@example.org" not in client.get(f"{BASE_URL}/requests/{tracking}.xml?extensions=true").get_data(as_text=True)
