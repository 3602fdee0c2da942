"""Test clients that talk like the tablet's outbox, and action bodies as it sends them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, has_app_context
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from helpers import login
from imagefactory import make_jpeg


class _OwnUser:
    """A test client that forgets the previous request's user first.

    Test-client requests share the test's app context, where Flask-Login caches the signed-in user and
    Flask-WTF the session's CSRF token in `g`; without this, a second tablet would act as whoever made the
    last request.
    """

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if has_app_context():  # a request from another thread gets an app context of its own
            for name in ("_login_user", "csrf_token", "csrf_valid"):
                g.pop(name, None)
        return self._client.open(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="PUT", **kwargs)


class Tablet:
    """A signed-in client holding the CSRF token from GET /api/session, as the outbox does."""

    def __init__(self, client: FlaskClient, username: str) -> None:
        self.client = _OwnUser(client)  # type: ignore[assignment]
        login(self.client, username)  # type: ignore[arg-type]
        resp = self.client.get("/api/session")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        self.session_info = resp.get_json()
        self.token = self.session_info["csrf_token"]

    def put_photo(self, data: bytes, *, photo_id: str | None = None, kind: str = "after") -> tuple[str, TestResponse]:
        pid = photo_id or str(uuid.uuid4())
        resp = self.client.put(
            f"/api/photos/{pid}?kind={kind}&filename=p.jpg",
            data=data,
            headers={"X-CSRFToken": self.token, "Content-Type": "image/jpeg"},
        )
        return pid, resp

    def photo(self, kind: str = "after", **image: Any) -> str:
        """Stage a fresh photo and return its id."""
        pid, resp = self.put_photo(make_jpeg(width=320, height=240, **image), kind=kind)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        return pid

    def action(self, body: dict[str, Any], key: str | None = None) -> TestResponse:
        headers = {"X-CSRFToken": self.token}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post("/api/sync/actions", json=body, headers=headers)


def wo_action(kind: str, wo_id: int, version: int | None, **extra: Any) -> dict[str, Any]:
    """An action body as the outbox sends it."""
    return {
        "kind": kind,
        "work_order_id": wo_id,
        "base_version": version,
        "fields": extra.pop("fields", {}),
        "photo_ids": extra.pop("photo_ids", []),
        "captured_at": extra.pop("captured_at", None),
        **extra,
    }
