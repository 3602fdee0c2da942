"""`fieldops api-keys ...`: issue, list and revoke Open311 API keys from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fieldops.errors import DomainError


@click.group("api-keys")
def api_keys() -> None:
    """Open311 API keys for apps and CRMs that submit requests."""


@api_keys.command("issue")
@click.argument("name")
@click.option("--rate", default=60, show_default=True, type=int, help="Requests per minute the key may make.")
@click.option("--contact", default="", help="Who runs the client (email or phone).")
@with_appcontext
def issue(name: str, rate: int, contact: str) -> None:
    """Issue a key for NAME and print it once (only its hash is stored)."""
    from fieldops.extensions import db
    from fieldops.open311 import keys

    try:
        key, plaintext = keys.issue_key(db.session(), None, name=name, contact=contact, rate_limit_per_minute=rate)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    db.session.commit()
    click.echo(f"Issued key #{key.id} for {key.name} ({key.rate_limit_per_minute}/min). It is shown only this once:")
    click.echo(plaintext)


@api_keys.command("list")
@with_appcontext
def list_() -> None:
    """List keys: id, prefix, name, rate, last use, status."""
    from fieldops.extensions import db
    from fieldops.open311 import keys

    rows = keys.list_keys(db.session())
    if not rows:
        click.echo("No API keys.")
        return
    for k in rows:
        used = k.last_used_at.isoformat(timespec="seconds") if k.last_used_at else "never"
        status = f"revoked {k.revoked_at.isoformat(timespec='seconds')}" if k.revoked_at else "active"
        click.echo(f"{k.id:>4}  {k.prefix}…  {k.name:<30}  {k.rate_limit_per_minute:>6}/min  last used {used}  {status}")


@api_keys.command("revoke")
@click.argument("key_id", type=int)
@with_appcontext
def revoke(key_id: int) -> None:
    """Revoke key KEY_ID; it stops working at once."""
    from fieldops.extensions import db
    from fieldops.open311 import keys

    try:
        key = keys.revoke_key(db.session(), None, key_id)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    db.session.commit()
    click.echo(f"Revoked key #{key.id} ({key.prefix}…, {key.name}).")


commands: list[click.Command] = [api_keys]
