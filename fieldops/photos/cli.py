"""`fieldops photos ...`: housekeeping for stored photos."""

from __future__ import annotations

import datetime as dt
import re

import click
from flask.cli import with_appcontext

_DURATION = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _duration(value: str) -> dt.timedelta:
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise click.BadParameter("use a number and d, h or m, e.g. 7d, 36h")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@click.group("photos")
def photos_group() -> None:
    """Stored photos."""


@photos_group.command("prune-staged")
@click.option("--older-than", "older_than", default="7d", show_default=True, help="Age of a staged photo to delete: 7d, 36h, 90m.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted and delete nothing.")
@with_appcontext
def prune_staged(older_than: str, dry_run: bool) -> None:
    """Delete photos uploaded ahead of an action that never attached them (rows and files)."""
    from fieldops import get_settings
    from fieldops.extensions import db
    from fieldops.photos import services
    from fieldops.photos.uploads import mb

    storage = services.photo_storage(get_settings())
    result = services.prune_staged(db.session(), storage, older_than=_duration(older_than), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(f"Would delete {result.count} staged photos older than {older_than} ({mb(result.bytes)}, {result.bytes} bytes).")
        return
    db.session.commit()
    services.delete_files(storage, result.keys)
    click.echo(f"Deleted {result.count} staged photos older than {older_than} ({mb(result.bytes)}, {result.bytes} bytes).")


commands: list[click.Command] = [photos_group]
