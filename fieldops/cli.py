"""The `fieldops` console command."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from fieldops.accounts.models import Role


def _create_app() -> Flask:
    from fieldops import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """fieldops: 311 field operations. Settings come from FIELDOPS_* environment variables."""


def register_commands(app: Flask) -> None:
    """Attach the core commands to the app's CLI (Flask-Migrate adds `db`; each feature adds its own from its
    `init_app`, fieldops/features.py)."""
    for command in (init_db, demo, import_districts, create_user, serve):
        app.cli.add_command(command)


def upgrade_database() -> None:
    """Bring the schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(revision="heads")  # feature branches of the history may be merged later


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema."""
    upgrade_database()
    click.echo(f"Database ready: {_safe_url()}")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Delete the embedded SQLite demo database and start again.")
@click.option("--no-serve", is_flag=True, help="Load the data and exit.")
@with_appcontext
def demo(host: str, port: int, reset: bool, no_serve: bool) -> None:
    """Create the database, load the demo city (real Boston 311 cases) and run the server."""
    from fieldops import get_settings
    from fieldops.accounts.models import User
    from fieldops.demo import DEMO_PASSWORD, demo_notes, load_demo
    from fieldops.extensions import db

    settings = get_settings()
    if reset:
        if not settings.database_url.startswith("sqlite:///"):
            raise click.UsageError("--reset only deletes the embedded SQLite database; drop other databases yourself.")
        db.engine.dispose()
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    upgrade_database()
    if db.session.query(User.id).first() is None:
        logins = load_demo(db.session())
        db.session.commit()
        click.echo("Loaded the demo city: 700 real Boston 311 requests (2015) on Boston's 22 wards.")
        click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            click.echo(f"  {login.username:<14} {login.role:<11} {login.description}")
    else:
        click.echo(f"The database already has data; demo logins use the password {DEMO_PASSWORD}.")
        click.echo("  crew-north, crew-central, crew-south, inspector, parks, signs, supervisor, outreach, admin")
    for note in demo_notes():
        click.echo(note)
    if not no_serve:
        _serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Run the production WSGI server (waitress)."""
    _serve(current_app._get_current_object(), host, port, threads)  # type: ignore[attr-defined]


def _serve(app: Flask, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    click.echo(f"\nfieldops is running on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="fieldops")


@click.command("import-districts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", default="ward", show_default=True, help="ward, precinct, crew_zone, ...")
@click.option("--code-property", help="Feature property holding the district code (guessed if omitted).")
@click.option("--name-property", help="Feature property holding the display name.")
@click.option("--name-prefix", default="", help="Prefix for names made from codes, e.g. 'Ward '.")
@with_appcontext
def import_districts(file: Path, kind: str, code_property: str | None, name_property: str | None, name_prefix: str) -> None:
    """Import district polygons from a GeoJSON FeatureCollection in WGS84 longitude/latitude."""
    from fieldops.districts import services
    from fieldops.extensions import db

    try:
        result = services.import_districts(
            db.session(),
            services.load_geojson(file),
            kind=kind,
            code_property=code_property,
            name_property=name_property,
            name_prefix=name_prefix,
            source=file.name,
        )
    except services.GeoJSONError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{kind}: {result.created} created, {result.updated} updated from {file.name}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "full_name", default="", help="Full name shown in the app.")
@click.option("--crew", "crew_name", help="Crew name (for crew members).")
@click.password_option(help="Prompted for if omitted (or set FIELDOPS_NEW_PASSWORD).", default=lambda: os.environ.get("FIELDOPS_NEW_PASSWORD"))
@with_appcontext
def create_user(username: str, role: str, full_name: str, crew_name: str | None, password: str) -> None:
    """Add a user account."""
    import sqlalchemy as sa

    from fieldops.accounts import services
    from fieldops.accounts.models import Crew
    from fieldops.errors import DomainError
    from fieldops.extensions import db

    crew = None
    if crew_name:
        crew = db.session.scalar(sa.select(Crew).where(Crew.name == crew_name))
        if crew is None:
            raise click.ClickException(f"No crew named {crew_name!r}.")
    try:
        user = services.create_user(db.session(), username=username, full_name=full_name, password=password, role=Role(role), crew=crew)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}).")
