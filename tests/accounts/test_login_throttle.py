"""Sign-in throttling: per (username, address) and per address, in the database, with a 429 that says when."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from factories import PASSWORD
from fieldops import create_app
from fieldops.accounts import services, throttle, views
from fieldops.accounts.cli import sign_in_pauses
from fieldops.accounts.models import LoginThrottle, Role, ThrottleScope, User
from fieldops.accounts.throttle import Limits
from fieldops.settings import Settings, SettingsError
from helpers import csrf_token

HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"
NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
ERROR = re.compile(r'<p class="flash error" role="alert">([^<]*)</p>')


@pytest.fixture
def alice(session: Session) -> User:
    user = services.create_user(session, username="Alice", full_name="Alice Crew", password=PASSWORD, role=Role.CREW)
    session.commit()
    return user


def attempt(client: FlaskClient, username: str, password: str, ip: str = HOME, **headers: str):  # type: ignore[no-untyped-def]
    """One POST of the sign-in form from a client address."""
    token = csrf_token(client, "/status")  # public, and unlike /login not a redirect once signed in
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers,
    )


def error_of(resp) -> str:  # type: ignore[no-untyped-def]
    match = ERROR.search(resp.get_data(as_text=True))
    assert match, resp.get_data(as_text=True)
    return match.group(1)


def signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as sess:
        return "_user_id" in sess


def rows(session: Session) -> dict[tuple[str, str, str], int]:
    session.expire_all()
    return {(r.scope.value, r.ip, r.username): r.failures for r in session.scalars(sa.select(LoginThrottle))}


@pytest.fixture
def other_app(app: Flask, settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Another app (as another `fieldops serve` process would be) on the same database, with some settings changed."""
    made: list[Flask] = []

    def make(**changes: object) -> Flask:
        made.append(create_app(settings.with_(**changes)))
        return made[-1]

    yield make
    from fieldops.extensions import db

    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the view ---------------------------------------------------------------------------------------------------


def test_five_failures_pause_sign_in_with_429_retry_after_and_a_message(client, alice) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        resp = attempt(client, "alice", "wrong password")
        assert resp.status_code == 401 and "Retry-After" not in resp.headers
        assert error_of(resp) == "That username and password do not match an active account."
    fifth = attempt(client, "alice", "wrong password")
    assert fifth.status_code == 429
    assert fifth.headers["Retry-After"] == "900"
    assert error_of(fifth) == "Too many failed sign-ins. Try again in 15 minutes."
    assert 'value="alice"' in fifth.get_data(as_text=True)  # the typed username is kept
    again = attempt(client, "ALICE ", "wrong password")  # same username as sign-in compares it
    assert again.status_code == 429 and 'value="ALICE "' in again.get_data(as_text=True)


def test_the_right_password_is_not_even_checked_while_paused(client, alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        attempt(client, "alice", "wrong password")

    def must_not_run(*args: object) -> None:
        raise AssertionError("the password was checked while sign-in was paused")

    monkeypatch.setattr(services, "authenticate", must_not_run)
    resp = attempt(client, "alice", PASSWORD)
    assert resp.status_code == 429 and "Try again in 15 minutes" in error_of(resp)
    assert not signed_in(client)


def test_unknown_usernames_are_answered_and_counted_like_wrong_passwords(client, session, alice) -> None:  # type: ignore[no-untyped-def]
    wrong = attempt(client, "alice", "wrong password")
    unknown = attempt(client, "nobody", "wrong password")
    assert (wrong.status_code, error_of(wrong)) == (unknown.status_code, error_of(unknown)) == (401, error_of(wrong))
    for _ in range(3):
        assert attempt(client, "nobody", "wrong password").status_code == 401
    paused = attempt(client, "nobody", "wrong password")
    assert paused.status_code == 429 and paused.headers["Retry-After"] == "900"
    assert rows(session) == {("user_ip", HOME, "alice"): 1, ("user_ip", HOME, "nobody"): 5, ("ip", HOME, ""): 6}
    assert attempt(client, "alice", PASSWORD).status_code == 302  # only "nobody" is paused


def test_unknown_usernames_cost_a_password_hash_too(session, alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Otherwise the quicker answer would tell an attacker which usernames exist.
    checked: list[str] = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, pw: checked.append(pw) or real(h, pw))
    assert services.authenticate(session, "nobody", "guess-1") is None
    assert checked == ["guess-1"]


def test_deactivated_accounts_are_counted_like_wrong_passwords(client, session, alice) -> None:  # type: ignore[no-untyped-def]
    alice.active = False
    session.commit()
    resp = attempt(client, "alice", PASSWORD)
    assert resp.status_code == 401 and "do not match" in error_of(resp)
    assert rows(session)[("user_ip", HOME, "alice")] == 1


def test_success_clears_the_usernames_failures_but_not_the_addresss(client, session, alice) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        attempt(client, "alice", "wrong password")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    assert rows(session) == {("ip", HOME, ""): 4}
    for _ in range(4):
        assert attempt(client, "alice", "wrong password").status_code == 401  # counting started again
    assert rows(session) == {("user_ip", HOME, "alice"): 4, ("ip", HOME, ""): 8}


def test_a_pause_holds_only_for_the_address_it_came_from(client, alice) -> None:  # type: ignore[no-untyped-def]
    # Someone elsewhere guessing at alice's account cannot lock her out.
    for _ in range(5):
        attempt(client, "alice", "wrong password", ip=ELSEWHERE)
    assert attempt(client, "alice", PASSWORD, ip=ELSEWHERE).status_code == 429
    resp = attempt(client, "alice", PASSWORD, ip=HOME)
    assert resp.status_code == 302 and signed_in(client)


def test_the_address_limit_covers_every_username(client, session, alice, other_app) -> None:  # type: ignore[no-untyped-def]
    small = other_app(login_max_failures_per_ip=8).test_client()
    for i in range(7):
        assert attempt(small, f"guess{i}", "wrong password").status_code == 401
    eighth = attempt(small, "guess7", "wrong password")
    assert eighth.status_code == 429 and eighth.headers["Retry-After"] == "900"
    # Now every username from there waits, even with its right password; other addresses do not.
    assert attempt(small, "alice", PASSWORD).status_code == 429 and not signed_in(small)
    assert attempt(small, "alice", PASSWORD, ip=ELSEWHERE).status_code == 302


def test_a_shared_address_tolerates_many_peoples_typos(session) -> None:  # type: ignore[no-untyped-def]
    # A community event's Wi-Fi: 49 people each mistyping once pause nobody; the 50th failure pauses the address.
    limits = Limits()
    for i in range(49):
        assert throttle.record_failure(session, limits, username=f"worker{i}", ip=HOME, now=NOW) is None
    assert throttle.paused_for(session, username="worker0", ip=HOME, now=NOW) is None
    assert throttle.record_failure(session, limits, username="worker49", ip=HOME, now=NOW) == 900
    assert throttle.paused_for(session, username="someone-else", ip=HOME, now=NOW) == 900
    assert throttle.paused_for(session, username="someone-else", ip=ELSEWHERE, now=NOW) is None


def test_the_pause_ends_after_the_window_and_the_message_counts_down(client, alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = [NOW]
    monkeypatch.setattr(views, "utcnow", lambda: clock[0])
    for _ in range(5):
        attempt(client, "alice", "wrong password")
    clock[0] = NOW + dt.timedelta(minutes=14, seconds=10)
    resp = attempt(client, "alice", PASSWORD)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "50"
    assert error_of(resp) == "Too many failed sign-ins. Try again in 1 minute."
    clock[0] = NOW + dt.timedelta(minutes=15)
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_counting_restarts_after_the_window(session) -> None:  # type: ignore[no-untyped-def]
    limits = Limits()
    for minute in range(4):
        throttle.record_failure(session, limits, username="alice", ip=HOME, now=NOW + dt.timedelta(minutes=minute))
    # The window runs from the first failure: 15 minutes later the four are forgotten.
    later = NOW + dt.timedelta(minutes=15)
    assert throttle.record_failure(session, limits, username="alice", ip=HOME, now=later) is None
    assert rows(session)[("user_ip", HOME, "alice")] == 1
    for _ in range(3):
        assert throttle.record_failure(session, limits, username="alice", ip=HOME, now=later) is None
    assert throttle.record_failure(session, limits, username="alice", ip=HOME, now=later) == 900
    assert throttle.paused_for(session, username="alice", ip=HOME, now=later + dt.timedelta(seconds=899)) == 1
    after = later + dt.timedelta(seconds=900)
    assert throttle.paused_for(session, username="alice", ip=HOME, now=after) is None
    # After a pause the next failure counts from 1 again, not straight back into a pause.
    assert throttle.record_failure(session, limits, username="alice", ip=HOME, now=after) is None
    assert rows(session)[("user_ip", HOME, "alice")] == 1


def test_limits_and_window_come_from_the_settings(session, settings) -> None:  # type: ignore[no-untyped-def]
    limits = Limits.from_settings(settings.with_(login_max_failures=2, login_max_failures_per_ip=3, login_throttle_minutes=1))
    assert limits == Limits(per_user_ip=2, per_ip=3, window=dt.timedelta(minutes=1))
    assert throttle.record_failure(session, limits, username="a", ip=HOME, now=NOW) is None
    assert throttle.record_failure(session, limits, username="a", ip=HOME, now=NOW) == 60


def test_run_out_rows_are_pruned_on_later_failures(session) -> None:  # type: ignore[no-untyped-def]
    limits = Limits()
    for i in range(5):
        throttle.record_failure(session, limits, username="alice", ip=f"10.9.0.{i}", now=NOW)
    throttle.record_failure(session, limits, username="bob", ip=HOME, now=NOW + dt.timedelta(minutes=10))
    assert len(rows(session)) == 12
    # Alice's rows ran out at NOW + 15 min; bob's run until NOW + 25.
    throttle.record_failure(session, limits, username="carol", ip=ELSEWHERE, now=NOW + dt.timedelta(minutes=16))
    assert set(rows(session)) == {("user_ip", HOME, "bob"), ("ip", HOME, ""), ("user_ip", ELSEWHERE, "carol"), ("ip", ELSEWHERE, "")}
    # A pause keeps its row until it ends, even past the window it started in.
    for _ in range(5):
        throttle.record_failure(session, limits, username="dave", ip=HOME, now=NOW + dt.timedelta(minutes=20))
    throttle.record_failure(session, limits, username="erin", ip=ELSEWHERE, now=NOW + dt.timedelta(minutes=34))
    assert ("user_ip", HOME, "dave") in rows(session) and ("user_ip", HOME, "bob") not in rows(session)
    throttle.record_failure(session, limits, username="erin", ip=ELSEWHERE, now=NOW + dt.timedelta(minutes=35))
    assert ("user_ip", HOME, "dave") not in rows(session)


def test_a_pause_starting_is_logged_without_the_password(client, alice, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="fieldops.accounts.throttle")
    for _ in range(4):
        attempt(client, "alice", "hunter2-secret")
    assert caplog.records == []
    attempt(client, "alice", "hunter2-secret")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "'alice'" in record.getMessage() and HOME in record.getMessage() and "5 failed" in record.getMessage()
    assert "hunter2" not in caplog.text


# --- client addresses and proxies ---------------------------------------------------------------------------------


def test_without_proxy_hops_forwarded_for_headers_are_ignored(client, session, alice) -> None:  # type: ignore[no-untyped-def]
    # Otherwise a client could escape its pause by sending a new made-up address each time.
    for i in range(5):
        attempt(client, "alice", "wrong password", **{"X-Forwarded-For": f"198.51.100.{i}"})
    assert attempt(client, "alice", PASSWORD, **{"X-Forwarded-For": "198.51.100.99"}).status_code == 429
    assert set(rows(session)) == {("user_ip", HOME, "alice"), ("ip", HOME, "")}


def test_behind_a_proxy_the_forwarded_client_address_is_throttled(session, alice, other_app) -> None:  # type: ignore[no-untyped-def]
    proxied = other_app(proxy_hops=1).test_client()
    proxy = "192.168.0.10"  # every request arrives from the reverse proxy
    for _ in range(5):
        # The left entry is what the client claimed; the proxy appended the address it really saw.
        attempt(proxied, "alice", "wrong password", ip=proxy, **{"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
    assert set(rows(session)) == {("user_ip", "203.0.113.7", "alice"), ("ip", "203.0.113.7", "")}
    assert attempt(proxied, "alice", PASSWORD, ip=proxy, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    # A crew member on another network, through the same proxy, is not paused.
    assert attempt(proxied, "alice", PASSWORD, ip=proxy, **{"X-Forwarded-For": "203.0.113.8"}).status_code == 302


def test_two_processes_share_the_count(client, alice, other_app) -> None:  # type: ignore[no-untyped-def]
    second = other_app().test_client()
    for i in range(5):
        attempt(client if i % 2 else second, "alice", "wrong password")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    assert attempt(second, "alice", PASSWORD).status_code == 429


def test_concurrent_failures_are_all_counted(app, session) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    limits = Limits(per_user_ip=1000, per_ip=1000)
    engine = db.engine  # threads have no app context
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def fail_ten_times() -> None:
        try:
            start.wait()
            for _ in range(10):
                with Session(engine) as own:
                    throttle.record_failure(own, limits, username="alice", ip=HOME, now=NOW)
                    own.commit()
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)

    threads = [threading.Thread(target=fail_ten_times) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert rows(session) == {("user_ip", HOME, "alice"): 80, ("ip", HOME, ""): 80}


@pytest.mark.parametrize(
    ("remote_addr", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),  # same household, same counter
        ("::ffff:10.1.1.1", "10.1.1.1"),
        (None, "unknown"),
        ("", "unknown"),
        ("not an address", "not an address"),
    ],
)
def test_client_addresses_are_normalised(remote_addr: str | None, key: str) -> None:
    assert throttle.client_address(remote_addr) == key


def test_settings_are_read_from_the_environment_and_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings.from_env(
        {
            "FIELDOPS_INSTANCE_PATH": str(tmp_path),
            "FIELDOPS_LOGIN_MAX_FAILURES": "3",
            "FIELDOPS_LOGIN_MAX_FAILURES_PER_IP": "100",
            "FIELDOPS_LOGIN_THROTTLE_MINUTES": "30",
            "FIELDOPS_PROXY_HOPS": "2",
        }
    )
    assert (s.login_max_failures, s.login_max_failures_per_ip, s.login_throttle_minutes, s.proxy_hops) == (3, 100, 30, 2)
    defaults = Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path)})
    assert (defaults.login_max_failures, defaults.login_max_failures_per_ip, defaults.login_throttle_minutes, defaults.proxy_hops) == (5, 50, 15, 0)
    with pytest.raises(SettingsError, match="FIELDOPS_LOGIN_MAX_FAILURES must be at least 1"):
        Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path), "FIELDOPS_LOGIN_MAX_FAILURES": "0"})
    with pytest.raises(SettingsError, match="FIELDOPS_PROXY_HOPS"):
        Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path), "FIELDOPS_PROXY_HOPS": "one"})


# --- lifting a pause ------------------------------------------------------------------------------------------------


def test_an_administrator_can_list_and_lift_pauses(app, client, session, alice) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    assert "No sign-in is paused." in runner.invoke(sign_in_pauses, ["list"]).output
    for _ in range(5):
        attempt(client, "alice", "wrong password")
    listed = runner.invoke(sign_in_pauses, ["list"])
    assert HOME in listed.output and "alice" in listed.output and "5 failures" in listed.output
    assert runner.invoke(sign_in_pauses, ["clear"]).exit_code == 2
    result = runner.invoke(sign_in_pauses, ["clear", "--username", "Alice"])
    assert result.exit_code == 0 and "Cleared 1 sign-in counter." in result.output
    assert rows(session) == {("ip", HOME, ""): 5}
    assert attempt(client, "alice", PASSWORD).status_code == 302
    runner.invoke(sign_in_pauses, ["clear", "--ip", HOME])
    assert rows(session) == {}
