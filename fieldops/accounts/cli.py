"""`fieldops sign-in-pauses ...`: see and lift sign-in throttling pauses (fieldops/accounts/throttle.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


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

    rows = throttle.paused(db.session, utcnow())
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
    removed = throttle.clear(db.session, username=username, ip=ip)
    db.session.commit()
    click.echo(f"Cleared {removed} sign-in counter{'s' if removed != 1 else ''}.")


commands: list[click.Command] = [sign_in_pauses]
