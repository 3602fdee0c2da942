"""Sign-in throttling: failed sign-ins counted in the database per (username, address) and per address.

Two counters, because one is not enough either way round:
- per typed username from one client address (default 5 failures): stops guessing one person's password, yet an
  attacker elsewhere cannot lock that person out, since the pause holds only for the attacker's address;
- per address for every username (default 50): stops one address trying a few passwords on many usernames,
  high enough that a shared city Wi-Fi at a community event does not lock everyone out after a few typos.

Each failure is one upsert per counter (one SQL statement, atomic in PostgreSQL and SQLite), so every
`fieldops serve` process shares the counts. Counting starts at the first failure and lasts a window (default 15
minutes); reaching the limit pauses sign-in from there for the window's length, and the password is then not
even checked, so a paused answer never tells whether it was right. Failures are not counted while paused (the
pause ends when it said it would). Rows that have run out are deleted on later failures, a bounded batch at a
time, so the table holds only the last window's worth of failing addresses.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fieldops.accounts.models import LoginThrottle, ThrottleScope
from fieldops.db import UTCDateTime
from fieldops.settings import Settings

log = logging.getLogger(__name__)

UNKNOWN_ADDRESS = "unknown"
USERNAME_CHARS = 80  # LoginThrottle.username; no account has a longer one, so longer typed names may share a row
ADDRESS_CHARS = 64  # LoginThrottle.ip
PRUNE_BATCH = 200
_INSERTS: dict[str, Callable[[sa.Table], postgresql.Insert | sqlite.Insert]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Limits:
    """How many failures pause sign-in, and for how long."""

    per_user_ip: int = 5
    per_ip: int = 50
    window: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits a city configured (FIELDOPS_LOGIN_*)."""
        return cls(
            per_user_ip=settings.login_max_failures,
            per_ip=settings.login_max_failures_per_ip,
            window=dt.timedelta(minutes=settings.login_throttle_minutes),
        )


def client_address(remote_addr: str | None) -> str:
    """The key for a client address: IPv4 as it is, IPv6 as its /64 (one subscriber holds all of it)."""
    text = (remote_addr or "").strip()
    if not text:
        return UNKNOWN_ADDRESS
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text[:ADDRESS_CHARS]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def normalise_username(username: str) -> str:
    """The username as sign-in compares it (case and surrounding spaces ignored)."""
    return username.strip().lower()[:USERNAME_CHARS]


def seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds from now until the moment, at least 1 (a Retry-After value)."""
    return max(1, math.ceil((moment - now).total_seconds()))


def paused_for(session: Session, *, username: str, ip: str, now: dt.datetime) -> int | None:
    """Seconds until this username may try to sign in from this address again, or None if it may now."""
    t = LoginThrottle
    mine = sa.or_(
        sa.and_(t.scope == ThrottleScope.USER_IP, t.username == normalise_username(username)),
        sa.and_(t.scope == ThrottleScope.IP, t.username == ""),
    )
    until = session.scalar(sa.select(sa.func.max(t.paused_until)).where(t.ip == ip, mine, t.paused_until > now))
    return seconds_until(until, now) if until is not None else None


def record_failure(session: Session, limits: Limits, *, username: str, ip: str, now: dt.datetime) -> int | None:
    """Count a failed sign-in (account or not); seconds of the pause it started, or None if it started none."""
    name = normalise_username(username)
    # Always in this order (the username's row, then the address's), so concurrent failures cannot deadlock.
    counters = ((ThrottleScope.USER_IP, name, limits.per_user_ip), (ThrottleScope.IP, "", limits.per_ip))
    pauses = []
    for scope, key, limit in counters:
        failures, paused_until = _count(session, scope=scope, ip=ip, username=key, limit=limit, window=limits.window, now=now)
        if paused_until is not None and paused_until > now:
            pauses.append(paused_until)
            # Reached just now: failures are not counted while paused, so this is the start of a pause.
            if scope == ThrottleScope.USER_IP:
                log.warning("Sign-in paused for username %r from %s until %s after %d failed attempts", name, ip, paused_until.isoformat(timespec="seconds"), failures)
            else:
                log.warning("Sign-in paused for every username from %s until %s after %d failed attempts", ip, paused_until.isoformat(timespec="seconds"), failures)
    prune(session, now)
    return seconds_until(max(pauses), now) if pauses else None


def record_success(session: Session, *, username: str, ip: str) -> None:
    """Forget the username's failures from this address (the address's own count stays: one good account must not
    let an address go on guessing others)."""
    t = LoginThrottle
    session.execute(sa.delete(t).where(t.scope == ThrottleScope.USER_IP, t.ip == ip, t.username == normalise_username(username)))


def prune(session: Session, now: dt.datetime) -> int:
    """Delete up to a batch of rows that have run out; how many went."""
    t = LoginThrottle.__table__
    # SKIP LOCKED (PostgreSQL; SQLite locks the whole file instead): never wait for, or deadlock with, another
    # process counting a failure on a row that has just run out.
    doomed = (
        sa.select(t.c.scope, t.c.ip, t.c.username)
        .where(t.c.expires_at <= now)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(sa.delete(t).where(sa.tuple_(t.c.scope, t.c.ip, t.c.username).in_(doomed)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def clear(session: Session, *, username: str | None = None, ip: str | None = None) -> int:
    """Lift pauses and forget failures: of one username (from every address), of one address, or both; how many rows went."""
    t = LoginThrottle
    stmt = sa.delete(t)
    if username is not None:
        stmt = stmt.where(t.scope == ThrottleScope.USER_IP, t.username == normalise_username(username))
    if ip is not None:
        stmt = stmt.where(t.ip == client_address(ip))
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def paused(session: Session, now: dt.datetime) -> list[LoginThrottle]:
    """Every pause in effect, the longest first."""
    t = LoginThrottle
    return list(session.scalars(sa.select(t).where(t.paused_until > now).order_by(t.paused_until.desc(), t.ip, t.username)))


def _count(
    session: Session, *, scope: ThrottleScope, ip: str, username: str, limit: int, window: dt.timedelta, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """Add one failure to a counter in one statement; its count and pause end afterwards."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"sign-in throttling supports PostgreSQL and SQLite, not {dialect}")
    t = LoginThrottle.__table__
    end = sa.literal(now + window, UTCDateTime())
    # The right-hand sides all read the row as it was before this failure.
    counting = t.c.expires_at > sa.literal(now, UTCDateTime())
    failures = sa.case((counting, t.c.failures + 1), else_=1)
    reached = failures >= limit
    stmt = _INSERTS[dialect](t).values(
        scope=scope,
        ip=ip,
        username=username,
        failures=1,
        paused_until=now + window if limit <= 1 else None,
        expires_at=now + window,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[t.c.scope, t.c.ip, t.c.username],
        set_={
            "failures": failures,
            "paused_until": sa.case((reached, end), else_=sa.null()),
            # A pause keeps the count until it ends, so the next failure after it starts again from 1.
            "expires_at": sa.case((reached, end), (counting, t.c.expires_at), else_=end),
        },
    ).returning(t.c.failures, t.c.paused_until)
    row = session.execute(upsert).one()
    return int(row.failures), row.paused_until
