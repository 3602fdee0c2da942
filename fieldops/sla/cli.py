"""`fieldops holidays`: seed and list the public holidays business-time SLAs skip."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask.cli import with_appcontext


@click.command("holidays")
@click.option("--year", "years", type=int, multiple=True, help="Year to add (repeatable); default: this year and next.")
@click.option("--calendar", "calendar_name", help="Calendar to add them to; default: the city business calendar (created if missing).")
@click.option("--list", "list_only", is_flag=True, help="Only list the calendar's holidays.")
@with_appcontext
def holidays(years: tuple[int, ...], calendar_name: str | None, list_only: bool) -> None:
    """Add US federal and Massachusetts holidays (Patriots' Day, …) to a business calendar."""
    from fieldops.catalog.models import BusinessCalendar
    from fieldops.extensions import db
    from fieldops.sla.services import add_public_holidays, city_zone, default_calendar

    session = db.session
    if calendar_name:
        cal = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == calendar_name))
        if cal is None:
            names = ", ".join(session.scalars(sa.select(BusinessCalendar.name).order_by(BusinessCalendar.name))) or "none yet"
            raise click.ClickException(f"No calendar named {calendar_name!r} (calendars: {names}).")
    else:
        cal = default_calendar(session)
    if not list_only:
        this_year = dt.datetime.now(dt.UTC).astimezone(city_zone()).year
        wanted = list(years) or [this_year, this_year + 1]
        for year in wanted:
            if not 1900 <= year <= 2200:
                raise click.ClickException(f"{year} does not look like a year.")
        added = add_public_holidays(session, cal, wanted)
        session.commit()
        click.echo(f"{cal.name}: {len(added)} holiday(s) added for {', '.join(map(str, wanted))}.")
    for h in sorted(cal.holidays, key=lambda h: h.day):
        click.echo(f"  {h.day:%a %Y-%m-%d}  {h.name}")


commands: list[click.Command] = [holidays]
