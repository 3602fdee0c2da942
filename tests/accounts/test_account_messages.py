"""Account refusals are written for the person who tried, in their language."""

from __future__ import annotations

import pytest

from fieldops.accounts.models import Role
from fieldops.accounts.services import MIN_PASSWORD_LENGTH, create_user, set_password
from fieldops.errors import DomainError
from helpers import csrf_token, login


def test_a_short_new_password_is_refused_in_spanish(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    client.get("/account?lang=es")
    data = {"current_password": "correct-horse-battery", "new_password": "short", "confirm_password": "short", "csrf_token": csrf_token(client, "/account")}
    resp = client.post("/account/password", data=data)
    assert resp.status_code == 422
    assert f"Las contraseñas necesitan al menos {MIN_PASSWORD_LENGTH} caracteres." in resp.get_data(as_text=True)


def test_new_accounts_and_set_passwords_refuse_in_the_readers_language(app, session, city) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        with pytest.raises(DomainError, match=r"^El nombre de usuario 'Alice' ya está en uso\.$"):
            create_user(session, username="Alice", full_name="", password="long-enough-password", role=Role.CREW)
        with pytest.raises(DomainError, match="^Se necesita un nombre de usuario"):
            create_user(session, username=" ", full_name="", password="long-enough-password", role=Role.CREW)
        with pytest.raises(DomainError, match="^Las contraseñas necesitan al menos"):
            set_password(session, city.alice, "short")
