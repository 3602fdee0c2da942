import datetime as dt

from factories import make_job
from fieldops.db import utcnow
from fieldops.outreach import services as outreach
from helpers import csrf_token, login


def test_offline_manifest_lists_my_day_and_nothing_of_others(session, client, city) -> None:  # type: ignore[no-untyped-def]
    mine = make_job(session, city)
    theirs = make_job(session, city, assignee=city.bob)
    session.commit()
    login(client, "alice")
    body = client.get("/api/offline/manifest").get_json()
    assert body["pages"][0] == "/my-work" and f"/work-orders/{mine.id}" in body["pages"]
    assert f"/work-orders/{theirs.id}" not in body["pages"]
    assert {"/api/my-work.json", "/api/catalog.json", "/api/districts.geojson"} <= set(body["data"])
    # Every listed URL really loads for this user (so the tablet caches pages, not error pages).
    for url in body["pages"] + body["data"]:
        assert client.get(url).status_code == 200, url


def test_offline_manifest_needs_a_signed_in_user(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/offline/manifest").status_code == 401


def test_each_role_starts_on_its_own_page_and_keeps_it_offline(session, client, city) -> None:  # type: ignore[no-untyped-def]
    make_job(session, city)
    session.commit()
    for username, start in (("alice", "/my-work"), ("olga", "/requests/new"), ("sam", "/work-orders")):
        login(client, username)
        body = client.get("/api/offline/manifest").get_json()
        assert body["start"] == start and start in body["pages"], username
        assert "/api/offline/start.json" in body["data"]
        assert client.get("/").headers["Location"] == start
        record = client.get("/api/offline/start.json").get_json()
        assert record["start"] == start and record["home"] == start
        # The offline page's links: only the top-bar pages this user has offline.
        assert all(link["url"] in body["pages"] for link in record["links"]), record["links"]
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_offline_page_links_follow_the_role(session, client, city) -> None:  # type: ignore[no-untyped-def]
    links = {}
    for username in ("alice", "olga"):
        login(client, username)
        links[username] = [link["url"] for link in client.get("/api/offline/start.json").get_json()["links"]]
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert links["alice"] == ["/my-work", "/requests/new"]
    assert "/my-work" not in links["olga"] and "/events" not in links["alice"]
    assert links["olga"][:2] == ["/requests/new", "/events"]


def test_outreach_checked_in_to_an_event_starts_on_it(session, client, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    event = outreach.create_event(session, city.sam, name="Fair", place="Union Sq", starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2))
    outreach.check_in(session, city.olga, event)
    session.commit()
    login(client, "olga")
    assert client.get("/").headers["Location"] == f"/events/{event.id}"
    record = client.get("/api/offline/start.json").get_json()
    assert record["start"] == f"/events/{event.id}" and record["home"] == "/requests/new"
    assert f"/events/{event.id}" in client.get("/api/offline/manifest").get_json()["pages"]
