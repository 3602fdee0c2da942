"""Sessions are revocable: sign-out, sign out everywhere, a password change and deactivation end them on the server;
remember-me cookies are random per sign-in, rotate, are stored hashed and die with their session; the CSRF token
changes at sign-in; HEAD never signs in; redirects after sign-in and language changes stay on the site."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient

from factories import PASSWORD
from fieldops.accounts import services
from fieldops.accounts.models import LoginThrottle, User, UserSession
from fieldops.servicerequests.models import ServiceRequest
from fieldops.web.redirects import safe_next
from helpers import csrf_token, login


def _signed_in(client: FlaskClient) -> bool:
    resp = client.get("/account")
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


def _cookie(client: FlaskClient, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _with_cookie(app, name: str, value: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def _login(client: FlaskClient, username: str = "alice", *, remember: bool = False, password: str = PASSWORD) -> None:
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "1"
    resp = client.post("/login", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)


def _post(client: FlaskClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, "/account"), **data})


def test_the_old_session_cookie_is_refused_after_sign_out(app, client, city) -> None:  # type: ignore[no-untyped-def]
    _login(client)
    old = _cookie(client, "session")
    assert old and _signed_in(_with_cookie(app, "session", old))
    assert _post(client, "/logout").status_code == 302
    assert not _signed_in(client)
    replayed = _with_cookie(app, "session", old)
    assert not _signed_in(replayed)
    # An API client with the old cookie hears 401 (the outbox pauses and asks to sign in), not a redirect.
    assert replayed.get("/api/catalog.json").status_code == 401


def test_remember_me_cookies_are_random_rotated_hashed_lax_and_die_at_sign_out(app, client, session, city) -> None:  # type: ignore[no-untyped-def]
    _login(client, remember=True)
    first = _cookie(client, "remember_token")
    other = app.test_client()
    _login(other, remember=True)
    second = _cookie(other, "remember_token")
    assert first and second and first != second  # random per sign-in, not a function of the user
    # Stored hashed: the database holds no value a cookie carries.
    hashes = set(session.scalars(sa.select(UserSession.token_hash)))
    for cookie in (first, second):
        token = cookie.split("|")[0].split(":", 1)[1]
        assert token not in hashes and hashlib.sha256(token.encode()).hexdigest() in hashes
    # The cookie is SameSite=Lax and HttpOnly.
    fresh = app.test_client()
    resp = fresh.post("/login", data={"username": "alice", "password": PASSWORD, "remember": "1", "csrf_token": csrf_token(fresh)})
    remember_header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in remember_header and "HttpOnly" in remember_header
    # Used alone (the browser was restarted), the cookie signs in once and is replaced by a new one.
    restarted = _with_cookie(app, "remember_token", first)
    assert _signed_in(restarted)
    rotated = _cookie(restarted, "remember_token")
    assert rotated and rotated != first
    assert not _signed_in(_with_cookie(app, "remember_token", first))  # the used copy no longer works
    assert _signed_in(restarted)
    # Sign-out revokes the remember token too.
    assert _post(restarted, "/logout").status_code == 302
    assert not _signed_in(_with_cookie(app, "remember_token", rotated))


def test_sign_out_everywhere_ends_the_other_browsers_sessions(app, city) -> None:  # type: ignore[no-untyped-def]
    tablet, desktop = app.test_client(), app.test_client()
    _login(tablet, remember=True)
    _login(desktop)
    remembered = _cookie(tablet, "remember_token")
    page = desktop.get("/account").get_data(as_text=True)
    assert page.count('action="/account/sessions/') == 2 and "This device" in page
    assert _post(desktop, "/account/sign-out-everywhere").status_code == 302
    assert not _signed_in(desktop) and not _signed_in(tablet)
    assert remembered and not _signed_in(_with_cookie(app, "remember_token", remembered))


def test_signing_out_one_other_device_from_the_account_page(app, session, city) -> None:  # type: ignore[no-untyped-def]
    tablet, desktop = app.test_client(), app.test_client()
    _login(tablet)
    _login(desktop)
    rows = session.scalars(sa.select(UserSession).order_by(UserSession.id)).all()
    assert _post(desktop, f"/account/sessions/{rows[0].id}/revoke").status_code == 302
    assert not _signed_in(tablet) and _signed_in(desktop)
    # Nobody can end someone else's session by id.
    bob = app.test_client()
    _login(bob, "bob")
    assert _post(bob, f"/account/sessions/{rows[1].id}/revoke").status_code == 404
    assert _signed_in(desktop)


def test_a_password_change_ends_the_other_sessions(app, session, city) -> None:  # type: ignore[no-untyped-def]
    mine, other = app.test_client(), app.test_client()
    _login(mine)
    _login(other)
    wrong = _post(mine, "/account/password", current_password="not it", new_password="a-new-long-password", confirm_password="a-new-long-password")
    assert wrong.status_code == 422 and "Your current password is not right." in wrong.get_data(as_text=True)
    short = _post(mine, "/account/password", current_password=PASSWORD, new_password="short", confirm_password="short")
    assert short.status_code == 422
    assert _signed_in(other)
    ok = _post(mine, "/account/password", current_password=PASSWORD, new_password="a-new-long-password", confirm_password="a-new-long-password")
    assert ok.status_code == 302
    assert _signed_in(mine) and not _signed_in(other)
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(fresh)}).status_code == 401
    _login(fresh, password="a-new-long-password")


def test_an_administrator_setting_a_password_or_deactivating_ends_every_session(app, session, city) -> None:  # type: ignore[no-untyped-def]
    a, b = app.test_client(), app.test_client()
    _login(a, remember=True)
    _login(b, "bob")
    remembered = _cookie(a, "remember_token")
    runner = CliRunner()
    result = runner.invoke(app.cli, ["users", "deactivate", "alice"], obj=None)
    assert result.exit_code == 0, result.output
    assert "1 session ended" in result.output
    session.expire_all()
    assert not _signed_in(a) and remembered and not _signed_in(_with_cookie(app, "remember_token", remembered))
    assert _signed_in(b)
    bob = session.scalar(sa.select(User).where(User.username == "bob"))
    assert services.set_password(session, bob, "another-long-password") == 1
    session.commit()
    assert not _signed_in(b)


def test_the_csrf_token_from_before_sign_in_is_refused_after_it(client, city) -> None:  # type: ignore[no-untyped-def]
    before = csrf_token(client)
    resp = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": before})
    assert resp.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert _signed_in(client)
    assert _post(client, "/logout").status_code == 302


def test_head_never_signs_in_nor_counts_a_failure(client, session, city) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    resp = client.open("/login", method="HEAD", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 200 and not _signed_in(client)
    for _ in range(3):
        assert client.open("/login", method="HEAD").status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0
    # The same for the intake form: HEAD shows the page and saves nothing.
    login(client, "olga")
    token = csrf_token(client, "/requests/new")
    resp = client.open("/requests/new", method="HEAD", data={"service_type": "pothole", "address": "1 Union Sq", "csrf_token": token})
    assert resp.status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


GOOD = ["/my-work", "/requests/new?type=pothole", "/work-orders/12", "/status/7KQ2-M9XD?lang=es"]
BAD = [
    "//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
    "/%5Cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/\tevil", "/%09/evil.example", " /my-work",
    "evil.example", "", "/my-work\r\nSet-Cookie: x=1", "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", GOOD)
def test_safe_next_keeps_paths_on_this_site(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", BAD)
def test_safe_next_refuses_everything_else(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example/", "/%5Cevil.example"])
def test_sign_in_and_the_language_menu_never_redirect_off_the_site(client, city, target: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(f"/login?next={target}", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert resp.status_code == 302 and resp.headers["Location"] == "/my-work"
    resp = client.post("/language", data={"lang": "es", "next": target, "csrf_token": csrf_token(client, "/account")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    resp = client.post("/language", data={"lang": "es", "next": "/account", "csrf_token": csrf_token(client, "/account")})
    assert resp.headers["Location"] == "/account"


def test_purge_deletes_ended_and_long_unused_sessions_only(app, session, city) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from fieldops.accounts import sessions as user_sessions
    from fieldops.db import utcnow

    alice = session.scalar(sa.select(User).where(User.username == "alice"))
    now = utcnow()
    ended = user_sessions.start(session, alice, remember_for=dt.timedelta(days=30), user_agent="a", ip="1", now=now).row
    user_sessions.revoke(session, ended, now=now)
    idle = user_sessions.start(session, alice, remember_for=None, user_agent="b", ip="1", now=now - dt.timedelta(days=100)).row
    remembered = user_sessions.start(session, alice, remember_for=dt.timedelta(days=200), user_agent="c", ip="1", now=now - dt.timedelta(days=100)).row
    live = user_sessions.start(session, alice, remember_for=None, user_agent="d", ip="1", now=now).row
    session.commit()
    keep, gone = {remembered.id, live.id}, {ended.id, idle.id}
    result = CliRunner().invoke(app.cli, ["users", "purge-sessions", "--older-than-days", "90"])
    assert result.exit_code == 0 and "Deleted 2 old sessions." in result.output, result.output
    session.expire_all()
    assert set(session.scalars(sa.select(UserSession.id))) == keep
    assert gone.isdisjoint(keep)


def test_last_seen_is_written_at_most_every_few_minutes_without_committing_the_request(app, client, session, city) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    _login(client)
    row = session.scalar(sa.select(UserSession))
    session.execute(sa.update(UserSession).values(last_seen_at=row.created_at - dt.timedelta(minutes=10)))
    session.commit()
    assert _signed_in(client)
    session.expire_all()
    first = session.scalar(sa.select(UserSession.last_seen_at))
    assert first > row.created_at - dt.timedelta(minutes=1)
    assert _signed_in(client)
    session.expire_all()
    assert session.scalar(sa.select(UserSession.last_seen_at)) == first  # not again within SEEN_EVERY
