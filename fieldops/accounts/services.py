"""Sign-in and account management."""

from __future__ import annotations

import functools
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from flask_babel import gettext as _

from fieldops.accounts import sessions as user_sessions
from fieldops.accounts.models import Crew, Role, User, UserSession
from fieldops.db import utcnow
from fieldops.errors import DomainError

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _unknown_user_hash() -> str:
    # Same method and cost as real accounts' hashes; made once per process, when first needed.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the caller shows one message for every failure)."""
    user = session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.strip().lower()))
    # Hash the password whether or not the account exists, so the time taken does not tell which usernames do.
    matches = user.check_password(password) if user is not None else check_password_hash(_unknown_user_hash(), password)
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    crew: Crew | None = None,
    language: str = "en",
) -> User:
    """Add an account; usernames are unique regardless of case."""
    username = username.strip()
    if not username:
        raise DomainError(_("A username is required."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("Passwords need at least %(num)s characters.", num=MIN_PASSWORD_LENGTH))
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username.lower())) is not None:
        raise DomainError(_("The username %(username)s is taken.", username=repr(username)))
    user = User(username=username, full_name=full_name.strip() or username, role=role, crew=crew, language=language)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, user: User, *, current: str, new: str, confirm: str, keep: UserSession | None) -> int:
    """The user's own password change (the current one is checked); ends every other session. Returns how many."""
    if not user.check_password(current):
        raise DomainError(_("Your current password is not right."))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("Passwords need at least %(num)s characters.", num=MIN_PASSWORD_LENGTH))
    if new != confirm:
        raise DomainError(_("The two new passwords are not the same."))
    user.set_password(new)
    return user_sessions.revoke_all(session, user, keep=keep)


def set_password(session: Session, user: User, password: str) -> int:
    """An administrator sets a password (e.g. a forgotten one): every session of the user ends."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("Passwords need at least %(num)s characters.", num=MIN_PASSWORD_LENGTH))
    user.set_password(password)
    return user_sessions.revoke_all(session, user)


def set_active(session: Session, user: User, active: bool) -> int:
    """Deactivate (or reactivate) an account; deactivating ends every session at once. Returns how many ended."""
    user.active = active
    return 0 if active else user_sessions.revoke_all(session, user)
