"""Server-side sign-in sessions: what makes sign-out, "sign out everywhere", a password change and deactivation
end a session at once, on every process.

Flask-Login's "alternative tokens" (its documented way to make sessions revocable): the id it keeps in the signed
session cookie, and in the remember-me cookie, is `<user id>:<random token>` instead of the bare user id. The
loader accepts it only while the `user_session` row with that token's sha256 is live. A new token is made at
every sign-in and whenever the remember-me cookie is used, so the remember cookie differs per sign-in, rotates,
and dies with the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import User, UserSession
from fieldops.db import utcnow

# last_seen_at is refreshed at most this often: a write per request would serialise every tablet on SQLite.
SEEN_EVERY = dt.timedelta(minutes=5)


def current() -> UserSession | None:
    """The session row of the request being handled (set by the user loader or at sign-in)."""
    from flask import request

    row: UserSession | None = request.environ.get("fieldops.user_session")
    return row


def set_current(row: UserSession | None) -> None:
    """Remember the request's session row. Kept on the request, not in `g`: `g` belongs to the app context, which a
    test (or a CLI command) may keep open across many requests."""
    from flask import request

    request.environ["fieldops.user_session"] = row


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    row: UserSession
    token: str

    @property
    def login_id(self) -> str:
        """What Flask-Login stores in the cookies (User.get_id)."""
        return f"{self.row.user_id}:{self.token}"


def start(session: Session, user: User, *, remember_for: dt.timedelta | None, user_agent: str, ip: str, now: dt.datetime | None = None) -> Issued:
    """A new live session for the user (at sign-in, or to rotate a remember-me cookie)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        remember_until=now + remember_for if remember_for else None,
        user_agent=user_agent[:200],
        ip=ip[:64],
    )
    session.add(row)
    session.flush()
    user.session_token = token
    return Issued(row, token)


def load(session: Session, login_id: str, *, now: dt.datetime | None = None, from_remember_cookie: bool = False) -> tuple[User, UserSession] | None:
    """The user and live session behind a cookie's id, or None (revoked, expired, deactivated, malformed, legacy)."""
    user_part, sep, token = login_id.partition(":")
    if not sep or not user_part.isdigit() or not token:
        return None  # a cookie from before revocable sessions: sign in again
    row = session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(token)))
    now = now or utcnow()
    if row is None or row.revoked_at is not None or row.user_id != int(user_part):
        return None
    if from_remember_cookie and (row.remember_until is None or row.remember_until <= now):
        return None
    user = row.user
    if not user.active:
        return None
    user.session_token = token
    return user, row


def due_for_touch(row: UserSession, now: dt.datetime | None = None) -> bool:
    """True when last_seen_at is older than SEEN_EVERY (so it is written at most that often)."""
    return (now or utcnow()) - row.last_seen_at >= SEEN_EVERY


def touch(connection: sa.Connection, row: UserSession, now: dt.datetime | None = None) -> None:
    """Note that the session was used, on a connection of its own: the user loader runs inside whatever request
    asked for the user, whose own changes must not be committed with it."""
    connection.execute(sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now or utcnow()))


def revoke(session: Session, row: UserSession, now: dt.datetime | None = None) -> None:
    """End one session (sign-out, or "sign out" next to it on the account page)."""
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()


def revoke_all(session: Session, user: User, *, keep: UserSession | None = None, now: dt.datetime | None = None) -> int:
    """End every live session of the user but `keep`; returns how many ended."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    result = session.execute(stmt.values(revoked_at=now or utcnow()).execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live(session: Session, user: User) -> list[UserSession]:
    """The user's live sessions, most recently used first (the account page)."""
    return list(
        session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def purge(session: Session, *, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete ended sessions, and sessions unused for `older_than` whose remember-me has run out (their cookies
    no longer work, or would only sign in to a row this leaves alone). Returns how many rows went."""
    now = now or utcnow()
    stale = sa.and_(
        UserSession.last_seen_at < now - older_than,
        sa.or_(UserSession.remember_until.is_(None), UserSession.remember_until < now),
    )
    result = session.execute(sa.delete(UserSession).where(sa.or_(UserSession.revoked_at.is_not(None), stale)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
