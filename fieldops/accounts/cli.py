"""`fieldops sign-in-pauses ...`: see and lift sign-in throttling pauses (fieldops/accounts/throttle.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

if TYPE_CHECKING:
    from fieldops.accounts.models import User


@click.group("sign-in-pauses")
def sign_in_pauses() -> None:
    """Pauses after too many failed sign-ins: list them, or lift one for a person who is locked out."""


@sign_in_pauses.command("list")
@with_appcontext
def list_() -> None:
    """Every pause in effect: address, username (blank: every username from there), failures, until when."""
    from fieldops.accounts import throttle
    from fieldops.db import utcnow
    from fieldops.extensions import db

    rows = throttle.paused(db.session(), utcnow())
    if not rows:
        click.echo("No sign-in is paused.")
        return
    for row in rows:
        assert row.paused_until is not None
        who = row.username or "(every username)"
        click.echo(f"{row.ip:<24}  {who:<30}  {row.failures:>4} failures  until {row.paused_until.isoformat(timespec='seconds')}")


@sign_in_pauses.command("clear")
@click.option("--username", help="Lift this username's pauses and forget its failures, from every address.")
@click.option("--ip", help="Lift every pause of this address (IPv6: its /64) and forget its failures.")
@with_appcontext
def clear(username: str | None, ip: str | None) -> None:
    """Lift pauses at once (give --username, --ip or both)."""
    from fieldops.accounts import throttle
    from fieldops.extensions import db

    if username is None and ip is None:
        raise click.UsageError("Give --username, --ip or both.")
    removed = throttle.clear(db.session(), username=username, ip=ip)
    db.session.commit()
    click.echo(f"Cleared {removed} sign-in counter{'s' if removed != 1 else ''}.")


commands: list[click.Command] = [sign_in_pauses]


@click.group("users")
def users() -> None:
    """Accounts: set a password, deactivate or reactivate (each ends the person's sessions where it should)."""


def _user(username: str) -> User:
    import sqlalchemy as sa

    from fieldops.accounts.models import User
    from fieldops.extensions import db

    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account is called {username!r}.")
    return user


@users.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def set_password(username: str, password: str) -> None:
    """Set USERNAME's password; every session of theirs ends (they sign in again everywhere)."""
    from fieldops.accounts import services
    from fieldops.errors import DomainError
    from fieldops.extensions import db

    try:
        ended = services.set_password(db.session(), _user(username), password)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Password set; {ended} session{'s' if ended != 1 else ''} ended.")


@users.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username: str) -> None:
    """Deactivate USERNAME: they cannot sign in, and every session of theirs ends at once."""
    from fieldops.accounts import services
    from fieldops.extensions import db

    ended = services.set_active(db.session(), _user(username), False)
    db.session.commit()
    click.echo(f"{username} deactivated; {ended} session{'s' if ended != 1 else ''} ended.")


@users.command("activate")
@click.argument("username")
@with_appcontext
def activate(username: str) -> None:
    """Let USERNAME sign in again."""
    from fieldops.accounts import services
    from fieldops.extensions import db

    services.set_active(db.session(), _user(username), True)
    db.session.commit()
    click.echo(f"{username} may sign in again.")



@users.command("purge-sessions")
@click.option("--older-than-days", default=90, show_default=True, type=click.IntRange(min=1), help="Unused for this long.")
@with_appcontext
def purge_sessions(older_than_days: int) -> None:
    """Delete ended sign-in sessions and ones unused for N days (nobody is signed out by it; run it from cron)."""
    import datetime as dt

    from fieldops.accounts import sessions
    from fieldops.extensions import db

    removed = sessions.purge(db.session(), older_than=dt.timedelta(days=older_than_days))
    db.session.commit()
    click.echo(f"Deleted {removed} old session{'s' if removed != 1 else ''}.")


commands.append(users)
