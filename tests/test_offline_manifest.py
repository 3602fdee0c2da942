from factories import make_job
from helpers import login


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
