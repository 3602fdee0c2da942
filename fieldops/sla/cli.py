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

    session = db.session()
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
        moved = 0
        if added:
            from fieldops.sla.recompute import recompute_open_due_times

            # Open requests follow the calendar they count in, in the same transaction as the new holidays.
            reason = f"{len(added)} public holidays of {', '.join(map(str, wanted))} added to {cal.name}"
            moved = recompute_open_due_times(session, calendar_ids=[cal.id], reason=reason).changed
        session.commit()
        click.echo(f"{cal.name}: {len(added)} holiday(s) added for {', '.join(map(str, wanted))}; {moved} open request(s) have a new due time.")
    for h in sorted(cal.holidays, key=lambda h: h.day):
        click.echo(f"  {h.day:%a %Y-%m-%d}  {h.name}")


@click.command("sla-recompute")
@click.option("--type", "codes", multiple=True, metavar="CODE", help="Service type code (repeatable); default: every type.")
@click.option("--dry-run", is_flag=True, help="Count the open requests that would get a new due time; change nothing.")
@with_appcontext
def sla_recompute(codes: tuple[str, ...], dry_run: bool) -> None:
    """Give open requests the due time their type's standard and calendar give now (after changes made outside /sla)."""
    from fieldops.catalog.models import ServiceType
    from fieldops.errors import DomainError
    from fieldops.extensions import db
    from fieldops.sla.recompute import recompute_open_due_times

    session = db.session()
    type_ids: list[int] | None = None
    if codes:
        found = {code: id_ for code, id_ in session.execute(sa.select(ServiceType.code, ServiceType.id).where(ServiceType.code.in_(codes)))}
        unknown = [c for c in codes if c not in found]
        if unknown:
            known = ", ".join(session.scalars(sa.select(ServiceType.code).order_by(ServiceType.code))) or "none yet"
            raise click.ClickException(f"No service type with code {', '.join(map(repr, unknown))} (codes: {known}).")
        type_ids = list(found.values())
    what = ", ".join(codes) if codes else "all service types"
    try:
        result = recompute_open_due_times(session, service_type_ids=type_ids, reason=f"recomputed from the console ({what})")
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    if dry_run:
        session.rollback()
        click.echo(f"Dry run, nothing changed: {result.changed} of {result.examined} open request(s) of {what} would get a new due time "
                   f"({result.work_orders} work order(s) with them).")
        return
    session.commit()
    click.echo(f"{result.changed} of {result.examined} open request(s) of {what} have a new due time ({result.work_orders} work order(s) moved with them).")


commands: list[click.Command] = [holidays, sla_recompute]
