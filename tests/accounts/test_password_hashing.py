"""The production hasher, uncached: the rest of the suite reuses one hash per password (tests/conftest.py)."""

from __future__ import annotations

import pytest

from fieldops.accounts.models import Role
from fieldops.accounts.services import authenticate, create_user


@pytest.mark.real_password_hashing
def test_passwords_are_stored_as_salted_scrypt_hashes(session) -> None:  # type: ignore[no-untyped-def]
    ada = create_user(session, username="ada", full_name="Ada", password="correct-horse-battery", role=Role.CREW)
    bea = create_user(session, username="bea", full_name="Bea", password="correct-horse-battery", role=Role.CREW)
    session.commit()

    assert ada.password_hash.startswith("scrypt:") and "correct-horse-battery" not in ada.password_hash
    assert ada.password_hash != bea.password_hash  # a fresh salt per account
    assert authenticate(session, "ada", "correct-horse-battery") is ada
    assert authenticate(session, "ada", "correct-horse-batterY") is None
