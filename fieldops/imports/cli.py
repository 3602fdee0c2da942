"""`fieldops import-requests FILE`: load a city's 311 history."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldops.imports.mappings import BUILT_IN


@click.command("import-requests")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["auto", *BUILT_IN]),
    default="auto",
    show_default=True,
    help="Built-in column mapping; auto picks it from the file's header.",
)
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A TOML/JSON mapping file for other exports.")
@click.option("--show-rows", default=10, show_default=True, help="Row numbers listed per reason.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--dry-run", is_flag=True, help="Read and check everything, then roll back.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
@with_appcontext
def import_requests(file: Path, format_name: str, mapping_file: Path | None, show_rows: int, as_json: bool, dry_run: bool, no_progress: bool) -> None:
    """Import residents' requests from a 311 export (CSV or CSV.gz): Boston 311, SeeClickFix, or --mapping."""
    from fieldops import get_settings
    from fieldops.errors import DomainError
    from fieldops.extensions import db
    from fieldops.imports import services
    from fieldops.imports.mappings import load_mapping

    if mapping_file and format_name != "auto":
        raise click.UsageError("Give --format or --mapping, not both.")
    try:
        mapping = load_mapping(mapping_file) if mapping_file else BUILT_IN.get(format_name)
        summary = services.import_requests(
            db.session(),
            None,
            file,
            mapping=mapping,
            timezone=get_settings().timezone,
            progress=None if no_progress else services.console_progress(),
            sample_rows=show_rows,
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(summary.as_dict() | {"dry_run": dry_run}, indent=2))
    else:
        for line in summary.lines():
            click.echo(line)
        if dry_run:
            click.echo("Dry run: nothing was saved.")


commands: list[click.Command] = [import_requests]
