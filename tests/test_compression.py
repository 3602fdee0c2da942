"""Pages and JSON travel compressed (brotli where the browser takes it, else gzip); photos and tiny answers don't."""

from __future__ import annotations

import gzip
import json

import brotli
from factories import make_job
from helpers import login


def test_pages_and_json_are_compressed_as_the_browser_asks(client, session, city) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        make_job(session, city)
    session.commit()
    login(client, "alice")
    page = client.get("/my-work", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]
    html = brotli.decompress(page.get_data()).decode()
    assert "<html" in html and len(page.get_data()) < len(html.encode()) / 3

    data = client.get("/api/my-work.json", headers={"Accept-Encoding": "gzip"})
    assert data.status_code == 200 and data.headers["Content-Encoding"] == "gzip"
    sent = json.loads(gzip.decompress(data.get_data()))
    plain = json.loads(client.get("/api/my-work.json").get_data())
    assert sent.keys() == plain.keys() and len(sent["work_orders"]) == len(plain["work_orders"]) == 5
    # Private pages stay private when compressed.
    assert page.headers["Cache-Control"] == "private, no-cache"


def test_nothing_is_compressed_for_a_client_that_does_not_ask(client, session, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    page = client.get("/my-work", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in page.headers and b"<html" in page.get_data()
