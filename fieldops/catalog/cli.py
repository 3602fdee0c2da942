"""`fieldops catalog-translations FILE.json`: a city's own translations of its service types and questions."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("catalog-translations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def catalog_translations(path: Path) -> None:
    """Set service types' and questions' translations from a JSON file (see README, "Translating the service catalogue")."""
    from fieldops.catalog import texts
    from fieldops.extensions import db

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        lines = texts.import_translations(db.session(), data)
    except (ValueError, UnicodeDecodeError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{path.name}: {exc}") from None
    db.session.commit()
    for line in lines:
        click.echo(line)
