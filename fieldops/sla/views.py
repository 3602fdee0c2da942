"""Service standards page: each type's SLA target, unit, calendar and transfer rule; business calendars and holidays."""

from __future__ import annotations

import datetime as dt

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from fieldops.accounts.models import Role
from fieldops.sla import standards
from fieldops.catalog.models import BusinessCalendar, Department, ServiceType, SlaUnit, TransferClock
from fieldops.db import utcnow
from fieldops.errors import NotFound
from fieldops.extensions import db
from fieldops.sla import forms, services
from fieldops.sla.calendar import CalendarError
from fieldops.sla.recompute import RecomputeResult, recompute_open_due_times
from fieldops.web.access import roles_required
from fieldops.web.htmx import is_htmx, render

bp = Blueprint("sla", __name__)

# Shown through _() in the template; lazy_gettext marks them for extraction.
UNIT_LABELS = {SlaUnit.HOURS: _l("hours (wall clock)"), SlaUnit.BUSINESS_HOURS: _l("business hours"), SlaUnit.BUSINESS_DAYS: _l("business days")}


def _context(**extra: Any) -> dict[str, Any]:
    session = db.session()
    calendars = services.calendars(session)
    types = list(
        session.scalars(
            sa.select(ServiceType).join(Department).options(joinedload(ServiceType.department), joinedload(ServiceType.sla_calendar)).order_by(Department.name, ServiceType.name)
        )
    )
    now = utcnow()
    examples: dict[int, dt.datetime | None] = {}
    for st in types:
        # A worked example makes a rule checkable at a glance: "reported now → due …".
        try:
            examples[st.id] = services.compute_due(session, st, now)
        except CalendarError:
            examples[st.id] = None
    return {
        "title": _("Service standards"),
        "calendars": calendars,
        "types": types,
        "examples": examples,
        "describe": services.describe_target,
        "target": services.sla_target,
        "units": list(SlaUnit),
        "unit_labels": UNIT_LABELS,
        "clock_rules": list(TransferClock),
        "weekdays": standards.WEEKDAY_NAMES,
        "default_name": services.DEFAULT_CALENDAR_NAME,
        "this_year": now.astimezone(services.city_zone()).year,
        **extra,
    }


def _recomputed(result: RecomputeResult) -> str:
    """The flash message's second sentence: how many open requests the change moved."""
    if not result.changed:
        return _("No open request needed a new due time.")
    return ngettext("%(num)s open request has a new due time.", "%(num)s open requests have a new due time.", result.changed)


def _follow_calendar(cal: BusinessCalendar, reason: str) -> RecomputeResult:
    # Same transaction as the change: the page never shows a calendar that open requests do not follow yet.
    return recompute_open_due_times(db.session(), current_user, calendar_ids=[cal.id], reason=reason, now=utcnow())


def _done(message: str, anchor: str = "") -> Response:
    if is_htmx():
        return render("sla/admin.html", "body", flash_message=message, **_context())
    flash(message, "success")
    return redirect(url_for("sla.admin") + (f"#{anchor}" if anchor else ""))


@bp.route("/sla")
@roles_required(Role.SUPERVISOR)
def admin() -> Response:
    page = render("sla/admin.html", "body", **_context())
    # A GET that writes, so it commits itself (GETs never commit, fieldops/web/transaction.py): the default
    # calendar is made on first visit, once.
    db.session.commit()
    return page


@bp.route("/sla/calendars", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def create_calendar() -> Response:
    form = forms.calendar_form(request.form)
    cal = standards.create_calendar(
        db.session(), current_user, name=form.name, work_start=form.work_start, work_end=form.work_end, workdays=form.workdays
    )
    return _done(_("Calendar “%(name)s” added.", name=cal.name), f"calendar-{cal.id}")


@bp.route("/sla/calendars/<int:calendar_id>", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def update_calendar(calendar_id: int) -> Response:
    cal = standards.get_calendar(db.session(), calendar_id)
    form = forms.calendar_form(request.form)
    standards.update_calendar(
        db.session(), current_user, cal, name=form.name, work_start=form.work_start, work_end=form.work_end, workdays=form.workdays
    )
    result = _follow_calendar(cal, f"the working hours or days of {cal.name} changed")
    return _done(f"{_('Calendar “%(name)s” saved.', name=cal.name)} {_recomputed(result)}", f"calendar-{cal.id}")


@bp.route("/sla/calendars/<int:calendar_id>/holidays", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def add_holiday(calendar_id: int) -> Response:
    cal = standards.get_calendar(db.session(), calendar_id)
    form = forms.holiday_form(request.form)
    holiday = standards.add_holiday(db.session(), current_user, cal, day=form.day, name=form.name)
    result = _follow_calendar(cal, f"{holiday.name} ({holiday.day.isoformat()}) added to {cal.name}")
    added = _("%(name)s (%(day)s) added to %(cal)s.", name=holiday.name, day=holiday.day.isoformat(), cal=cal.name)
    return _done(f"{added} {_recomputed(result)}", f"calendar-{cal.id}")


@bp.route("/sla/calendars/<int:calendar_id>/holidays/<int:holiday_id>/delete", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def remove_holiday(calendar_id: int, holiday_id: int) -> Response:
    cal = standards.get_calendar(db.session(), calendar_id)
    holiday = standards.remove_holiday(db.session(), current_user, cal, holiday_id)
    result = _follow_calendar(cal, f"{holiday.name} ({holiday.day.isoformat()}) removed from {cal.name}")
    removed = _("%(name)s (%(day)s) removed from %(cal)s.", name=holiday.name, day=holiday.day.isoformat(), cal=cal.name)
    return _done(f"{removed} {_recomputed(result)}", f"calendar-{cal.id}")


@bp.route("/sla/calendars/<int:calendar_id>/public-holidays", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def add_public_holidays(calendar_id: int) -> Response:
    cal = standards.get_calendar(db.session(), calendar_id)
    year = forms.public_holiday_year(request.form)
    added = services.add_public_holidays(db.session(), cal, [year])
    result = _follow_calendar(cal, f"{len(added)} public holidays of {year} added to {cal.name}") if added else RecomputeResult(service_type_ids=())
    message = _("%(n)s public holidays of %(year)s added to %(cal)s.", n=len(added), year=year, cal=cal.name)
    return _done(f"{message} {_recomputed(result)}", f"calendar-{cal.id}")


@bp.route("/sla/service-types/<int:service_type_id>", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def update_standard(service_type_id: int) -> Response:
    st = db.session.get(ServiceType, service_type_id)
    if st is None:
        raise NotFound(_("There is no service type %(id)s.", id=service_type_id))
    form = forms.standard_form(request.form)
    rule = form.on_transfer
    calendar = standards.get_calendar(db.session(), form.calendar_id) if form.calendar_id is not None else None
    standards.update_service_standard(db.session(), current_user, st, unit=form.unit, value=form.value, calendar=calendar, on_transfer=rule)
    target = services.describe_target(st)
    result = recompute_open_due_times(db.session(), current_user, service_type_ids=[st.id], reason=f"the {st.name} standard is now {target}", now=utcnow())
    saved = _("%(type)s: %(target)s; transfers %(rule)s the clock.", type=st.name, target=target, rule=_("restart") if rule == TransferClock.RESTART else _("continue"))
    return _done(f"{saved} {_recomputed(result)}", f"type-{st.id}")



@bp.route("/sla/service-types/<int:service_type_id>/privacy", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def update_privacy(service_type_id: int) -> Response:
    st = db.session.get(ServiceType, service_type_id)
    if st is None:
        raise NotFound(_("There is no service type %(id)s.", id=service_type_id))
    # A checkbox: present means private. Its requests leave Open311, the exports and the status page's details.
    private = request.form.get("private") == "1"
    standards.set_private(db.session(), current_user, st, private)
    if private:
        message = _("%(type)s is private: its requests are no longer published.", type=st.name)
    else:
        message = _("%(type)s is public: its requests are published with their public description.", type=st.name)
    return _done(message, f"type-{st.id}")
