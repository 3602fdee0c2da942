"""Issue, revoke and check Open311 API keys; count each key's requests per minute."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.db import utcnow
from fieldops.i18n import format_locale
from fieldops.errors import DomainError, Forbidden, NotFound
from fieldops.open311.models import ApiKey

# Recognisable in logs and by secret scanners; the random part carries 256 bits.
KEY_PREFIX = "fo311_"
# How much of the key lists and logs show: the prefix plus 6 random characters (36 bits, not enough to guess from).
SHOWN_CHARS = len(KEY_PREFIX) + 6
MAX_RATE_PER_MINUTE = 100_000
WINDOW = dt.timedelta(minutes=1)


class RateLimited(DomainError):
    """The key made more requests this minute than it may."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_key(key: str) -> str:
    """The stored form of a key. SHA-256 suffices: keys are 256-bit random, so there is nothing to brute-force."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_key(
    session: Session, actor: User | None, *, name: str, contact: str = "", rate_limit_per_minute: int = 60
) -> tuple[ApiKey, str]:
    """Create a key for a client application; returns the record and the key itself, which is never stored."""
    name, contact = name.strip(), contact.strip()
    if not name:
        raise DomainError(_("Give the key a name: the application or organisation that will use it."))
    if len(name) > 120:
        raise DomainError(_("The name is longer than %(num)s characters.", num=120))
    if len(contact) > 254:
        raise DomainError(_("The contact is longer than %(num)s characters.", num=254))
    if not 1 <= rate_limit_per_minute <= MAX_RATE_PER_MINUTE:
        raise DomainError(_("The rate limit must be between 1 and %(max)s requests per minute.", max=format_decimal(MAX_RATE_PER_MINUTE, locale=format_locale())))
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        contact=contact,
        prefix=plaintext[:SHOWN_CHARS],
        key_hash=hash_key(plaintext),
        rate_limit_per_minute=rate_limit_per_minute,
        created_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key, plaintext


def revoke_key(session: Session, actor: User | None, key_id: int) -> ApiKey:
    """Stop a key working at once; revoking a revoked key changes nothing."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(_("There is no API key #%(id)s.", id=key_id))
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, working ones first, newest first."""
    return list(session.scalars(sa.select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())))


def authenticate(session: Session, presented: str | None) -> ApiKey:
    """The working key matching what the client sent; Forbidden if it is missing, unknown or revoked."""
    presented = (presented or "").strip()
    if not presented:
        raise Forbidden("api_key is required to submit requests.")
    # Looked up by hash, so the comparison never touches the key itself.
    key = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(presented)))
    if key is None:
        raise Forbidden("api_key is not valid.")
    if key.revoked_at is not None:
        raise Forbidden("api_key has been revoked.")
    return key


def consume(engine: sa.Engine, key: ApiKey, now: dt.datetime | None = None) -> None:
    """Count one request against the key's per-minute limit, in its own transaction; RateLimited if over."""
    now = now or utcnow()
    # Fixed one-minute windows aligned to the clock: one row update, no history to prune.
    window = now.replace(second=0, microsecond=0)
    table = ApiKey.__table__
    stmt = (
        sa.update(table)
        .where(table.c.id == key.id)
        .values(
            # Both right-hand sides read the row as it was, in PostgreSQL and SQLite alike.
            rate_window_count=sa.case((table.c.rate_window_start == window, table.c.rate_window_count + 1), else_=1),
            rate_window_start=window,
            last_used_at=now,
        )
        .returning(table.c.rate_window_count)
    )
    # Its own short transaction: refused and failed requests count too, and the row lock is held for microseconds.
    with engine.begin() as conn:
        count = conn.execute(stmt).scalar_one()
    if count > key.rate_limit_per_minute:
        retry_after = max(1, math.ceil((window + WINDOW - now).total_seconds()))
        raise RateLimited(
            f"This api_key may make {key.rate_limit_per_minute} requests per minute; try again in {retry_after} s.",
            retry_after,
        )
