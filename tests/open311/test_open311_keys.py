"""API keys: stored hashed, shown once, revocable from the admin page and the CLI, rate-limited per key."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from fieldops.accounts.models import Role
from fieldops.accounts.services import create_user
from fieldops.errors import DomainError, Forbidden
from fieldops.extensions import db
from fieldops.open311 import keys
from fieldops.open311.models import ApiKey
from helpers import csrf_token, login
from open311_helpers import BASE_URL, error_of, issue_key, post_request

POTHOLE = {"service_code": "pothole", "lat": "42.3795", "long": "-71.0937"}


def test_keys_are_stored_only_as_hashes_with_a_short_prefix(session, city) -> None:  # type: ignore[no-untyped-def]
    key, plaintext = keys.issue_key(session, city.sam, name="Acme 311", contact="ops@acme.example", rate_limit_per_minute=30)
    session.commit()
    assert plaintext.startswith("fo311_") and len(plaintext) > 40
    assert key.prefix == plaintext[:12] and key.key_hash == keys.hash_key(plaintext)
    row = session.execute(sa.select(ApiKey.__table__)).one()
    assert plaintext not in [str(v) for v in row]
    assert keys.authenticate(session, plaintext).id == key.id
    with pytest.raises(Forbidden):
        keys.authenticate(session, plaintext[:-1])
    _, other = keys.issue_key(session, None, name="Acme 311")
    assert other != plaintext


@pytest.mark.parametrize(("name", "rate"), [("", 60), ("x" * 121, 60), ("ok", 0), ("ok", 100_001)])
def test_issue_refuses_bad_values(session, city, name: str, rate: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError):
        keys.issue_key(session, None, name=name, rate_limit_per_minute=rate)


def test_rate_limit_per_key_answers_429_with_retry_after(session, client, city) -> None:  # type: ignore[no-untyped-def]
    slow = issue_key(session, rate=2, name="slow")
    fast = issue_key(session, rate=100, name="fast")
    assert post_request(client, slow, **POTHOLE).status_code == 200
    # A refused request counts too: a client cannot probe for free.
    assert post_request(client, slow, service_code="pothole").status_code == 400
    resp = post_request(client, slow, "xml", **POTHOLE)
    assert "2 requests per minute" in error_of(resp, 429, "xml")
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    # Reads with a key count against it as well; other keys and keyless reads are unaffected.
    error_of(client.get(f"{BASE_URL}/services.json", query_string={"api_key": slow}), 429)
    assert post_request(client, fast, **POTHOLE).status_code == 200
    assert client.get(f"{BASE_URL}/services.json").status_code == 200
    session.expire_all()
    assert session.scalar(sa.select(ApiKey.last_used_at).where(ApiKey.name == "slow")) is not None


def test_the_window_is_a_clock_minute(session, city) -> None:  # type: ignore[no-untyped-def]
    key, _ = keys.issue_key(session, None, name="w", rate_limit_per_minute=1)
    session.commit()
    t0 = dt.datetime(2025, 3, 3, 12, 0, 50, tzinfo=dt.UTC)
    keys.consume(db.engine, key, t0)
    with pytest.raises(keys.RateLimited) as caught:
        keys.consume(db.engine, key, t0 + dt.timedelta(seconds=5))
    assert caught.value.retry_after == 5
    keys.consume(db.engine, key, t0 + dt.timedelta(seconds=10))  # 12:01:00, a new window


def test_a_bad_key_on_a_read_is_refused(client, city) -> None:  # type: ignore[no-untyped-def]
    error_of(client.get(f"{BASE_URL}/requests.json", query_string={"api_key": "fo311_nope"}), 403)


# ---------------------------------------------------------------- admin page


@pytest.fixture
def admin(session, city):  # type: ignore[no-untyped-def]
    user = create_user(session, username="ada", full_name="Ada Admin", password="correct-horse-battery", role=Role.ADMIN)
    session.commit()
    return user


def test_admin_issues_sees_the_key_once_and_revokes_it(session, client, admin) -> None:  # type: ignore[no-untyped-def]
    login(client, "ada")
    page = client.get("/admin/api-keys").get_data(as_text=True)
    assert "No keys yet" in page and 'href="/admin/api-keys"' in page  # the nav link
    resp = client.post("/admin/api-keys", data={"name": "Acme 311", "contact": "ops@acme.example", "rate": "120", "csrf_token": csrf_token(client, "/admin/api-keys")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    plaintext = re.search(r"data-key-value>(fo311_[^<]+)<", html).group(1)  # type: ignore[union-attr]
    key = keys.authenticate(session, plaintext)
    assert key.rate_limit_per_minute == 120 and key.created_by_id == admin.id
    listing = client.get("/admin/api-keys").get_data(as_text=True)
    assert plaintext not in listing and key.prefix in listing and "never" in listing
    assert post_request(client, plaintext, **{"service_code": "pothole", "address_string": "1 Main St"}).status_code == 200
    assert "never" not in client.get("/admin/api-keys").get_data(as_text=True).split("<tbody>")[1]
    resp = client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf_token(client, "/admin/api-keys")}, follow_redirects=True)
    assert "is revoked" in resp.get_data(as_text=True)
    assert "revoked" in error_of(post_request(client, plaintext, service_code="pothole", address_string="1 Main St"), 403)


def test_admin_form_errors_keep_the_values(session, client, admin) -> None:  # type: ignore[no-untyped-def]
    login(client, "ada")
    resp = client.post("/admin/api-keys", data={"name": "Acme", "rate": "lots", "csrf_token": csrf_token(client, "/admin/api-keys")})
    assert resp.status_code == 422 and "whole number" in resp.get_data(as_text=True) and 'value="Acme"' in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


def test_only_admins_manage_keys(session, client, city) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/admin/api-keys").status_code == 302  # sign in first
    login(client, "sam")
    assert client.get("/admin/api-keys").status_code == 403
    assert "API keys" not in client.get("/work-orders").get_data(as_text=True)
    assert client.post("/admin/api-keys", data={"name": "x", "csrf_token": csrf_token(client, "/work-orders")}).status_code == 403


# ---------------------------------------------------------------- CLI


def test_cli_issue_list_revoke(app, session, city) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-keys", "issue", "Acme 311", "--rate", "90", "--contact", "ops@acme.example"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip().splitlines()[-1]
    assert plaintext.startswith("fo311_")
    key = keys.authenticate(session, plaintext)
    listing = runner.invoke(args=["api-keys", "list"]).output
    assert key.prefix in listing and "Acme 311" in listing and "90/min" in listing and plaintext not in listing
    assert runner.invoke(args=["api-keys", "revoke", str(key.id)]).exit_code == 0
    session.expire_all()
    assert "revoked" in runner.invoke(args=["api-keys", "list"]).output
    assert runner.invoke(args=["api-keys", "revoke", "999"]).exit_code != 0
    assert runner.invoke(args=["api-keys", "issue", "Bad", "--rate", "0"]).exit_code != 0


def test_admin_refusals_are_in_the_readers_language(session, client, admin) -> None:  # type: ignore[no-untyped-def]
    login(client, "ada")
    client.get("/admin/api-keys?lang=es")
    token = csrf_token(client, "/admin/api-keys")
    resp = client.post("/admin/api-keys", data={"name": "Acme", "rate": "0", "csrf_token": token})
    html = resp.get_data(as_text=True)
    # The number is written the Spanish way too.
    assert resp.status_code == 422 and "El límite de frecuencia debe estar entre 1 y 100.000 solicitudes por minuto." in html
    resp = client.post("/admin/api-keys", data={"name": " ", "rate": "60", "csrf_token": token})
    assert resp.status_code == 422 and "Póngale un nombre a la clave" in resp.get_data(as_text=True)
    # Open311 clients read the API's own refusals in English, whatever a browser asks for.
    assert "api_key is not valid" in error_of(post_request(client, "fo311_nope", **POTHOLE), 403)
