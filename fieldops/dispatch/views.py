"""Supervisors' back office: the triage queue, a request's staff page, assign, merge, transfer, reassign, public text."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.access import policies
from fieldops.accounts.models import Crew, Role, User
from fieldops.activity import services as activity
from fieldops.catalog.models import Department, ServiceAttribute, ServiceType
from fieldops.db import utcnow
from fieldops.dispatch import forms, services
from fieldops.errors import Conflict, DomainError, NotFound
from fieldops.extensions import db
from fieldops.i18n import LANGUAGES
from fieldops.maps.builder import Point, build_map, render_map
from fieldops.servicerequests import services as requests_service
from fieldops.servicerequests.models import ServiceRequest
from fieldops.sla.services import describe_target, sla_state
from fieldops.web.redirects import safe_next
from fieldops.web.access import roles_required
from fieldops.web.errors import wants_json
from fieldops.web.htmx import is_htmx, render
from fieldops.workorders import services as workorders
from fieldops.workorders.models import Priority, WorkOrder

bp = Blueprint("dispatch", __name__)

FILTER_FIELDS = ("type", "department", "district", "channel", "age", "overdue", "sort", "page")


def triage_badge() -> str:
    """The nav's Triage (n) badge; only pages that show it call it, so other pages cost no query."""
    if not current_user.is_authenticated or not policies.can_dispatch(current_user):
        return "0"
    return services.triage_badge(db.session())


@bp.app_context_processor
def _triage_count() -> dict[str, Any]:
    def count() -> str:
        # The triage page's out-of-band update of the nav badge (templates/dispatch/triage.html).
        return triage_badge()

    def crews_for(req: ServiceRequest) -> list[Crew]:
        # The work order page's reassign panel (templates/dispatch/_reassign_panel.html).
        return services.CrewSuggester(db.session()).crews_for(req)

    return {"triage_count": count, "dispatch_crews_for": crews_for}


# ---------------------------------------------------------------------------------------------------
# Form and query-string parsing
# ---------------------------------------------------------------------------------------------------


def _query(filters: services.TriageFilters, **changes: object) -> str:
    """The query string for these filters (empty ones left out), e.g. for paging links."""
    args: dict[str, object] = {
        "type": filters.service_type_id,
        "department": filters.department_id,
        "district": filters.district_id,
        "channel": filters.channel.value if filters.channel else None,
        "age": filters.age,
        "overdue": "1" if filters.overdue_only else None,
        "sort": filters.sort if filters.sort != "oldest" else None,
        "page": filters.page if filters.page != 1 else None,
    }
    args.update(changes)
    if args.get("page") == 1:
        args["page"] = None
    return urlencode({k: v for k, v in args.items() if v not in (None, "")})


def _assigned(choice: forms.Assignment) -> tuple[Crew | None, User | None]:
    """The crew and the person a form chose, looked up; a chosen one that does not exist is a 404."""
    crew = db.session.get(Crew, choice.crew_id) if choice.crew_id is not None else None
    if choice.crew_id is not None and crew is None:
        raise NotFound(_("That crew does not exist."))
    user = db.session.get(User, choice.assignee_id) if choice.assignee_id is not None else None
    if choice.assignee_id is not None and user is None:
        raise NotFound(_("That person does not exist."))
    return crew, user


def _local_next(default: str) -> str:
    # Only paths on this site: a form must not be able to send a supervisor elsewhere.
    return safe_next(request.form.get("next")) or default


# ---------------------------------------------------------------------------------------------------
# Triage
# ---------------------------------------------------------------------------------------------------


def _triage_context(filters: services.TriageFilters, **extra: object) -> dict[str, Any]:
    page = services.triage_queue(db.session(), filters)
    return {
        "title": _("Triage"),
        "queue": page,
        "filters": filters,
        "options": services.triage_options(db.session()),
        "age_labels": services.AGE_LABELS,
        "sorts": services.SORTS,
        "query": lambda **changes: _query(filters, **changes),
        "priorities": list(Priority),
        "now": utcnow(),
        **extra,
    }


@bp.route("/triage")
@roles_required(Role.SUPERVISOR)
def triage() -> Response:
    return render("dispatch/triage.html", "results", **_triage_context(forms.triage_filters(request.args)))


@bp.route("/requests/<int:request_id>/work-orders", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def create_work_order(request_id: int) -> Response:
    req = services.get_request_for_user(db.session(), current_user, request_id)
    form = forms.assign_form(request.form)
    crew, assignee = _assigned(form.assignment)
    wo = services.assign_request(db.session(), current_user, req, crew=crew, assignee=assignee, priority=form.priority, instructions=form.instructions)
    who = wo.assignee.full_name if wo.assignee else (wo.crew.name if wo.crew else _("nobody"))
    message = _("Work order #%(id)s created for %(tracking)s, assigned to %(who)s.", id=wo.id, tracking=req.tracking_number, who=who)
    if request.form.get("from") == "triage":
        if is_htmx():
            # The row's form sends the queue's filters along, so the refreshed list keeps them.
            return render("dispatch/triage.html", "results", flash_message=message, **_triage_context(forms.triage_filters(request.form)))
        flash(message, "success")
        query = _query(forms.triage_filters(request.form))
        return redirect(url_for("dispatch.triage") + (f"?{query}" if query else ""))
    return _back_to_request(req, message)


# ---------------------------------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------------------------------


def _request_context(req: ServiceRequest) -> dict[str, Any]:
    session = db.session()
    now = utcnow()
    suggester = services.CrewSuggester(session)
    attributes = {a.code: a for a in session.scalars(sa.select(ServiceAttribute).where(ServiceAttribute.service_type_id == req.service_type_id))}
    supervisor = current_user.is_supervisor
    return {
        "title": _("Request %(tracking)s", tracking=req.tracking_number),
        "req": req,
        "now": now,
        "state": sla_state(req.due_at, req.closed_at, now),
        "target": describe_target(req.service_type),
        "history": activity.history(session, req.id),
        "photos": services.request_photos(session, current_user, req),
        "duplicates": services.duplicates_of(session, req),
        "follow_ons": services.follow_ons(session, req),
        "follow_on_reason": services.follow_on_reason(session, req),
        "candidates": services.duplicate_candidates(session, req) if supervisor else [],
        "attribute_defs": attributes,
        "languages": LANGUAGES,
        "work_orders": [wo for wo in req.work_orders if supervisor or workorders.can_view(current_user, wo)],
        "open_work_order": next((wo for wo in req.work_orders if wo.status.is_open), None),
        "crews": suggester.crews_for(req),
        "suggested": suggester.suggest(req),
        "priorities": list(Priority),
        "department": session.get(Department, services.request_department_id(req)),
        "show_contact": policies.can_view_request_contact(current_user, req),
        "can_act": supervisor and req.duplicate_of_id is None and req.status.value == "open",
        "event_url": _event_url(req),
    }


@bp.route("/requests/<int:request_id>/public-text", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def public_text(request_id: int) -> Response:
    """Moderation: the page (or, to htmx, the card) where a supervisor sets or clears what the public reads."""
    req = services.get_request_for_user(db.session(), current_user, request_id)
    context: dict[str, Any] = {"req": req, "title": _("Public description of %(tracking)s", tracking=req.tracking_number)}
    if request.method == "POST":
        text = request.form.get("public_description", "")
        try:
            changed = requests_service.set_public_description(db.session(), current_user, req, text)
        except DomainError as exc:
            # Keep what the supervisor typed, with the reason, instead of losing it to an error page.
            db.session.rollback()
            return render("dispatch/public_text.html", "public_text", status=422, error=str(exc), draft=text, **context)
        message = _("Public description saved.") if changed else _("The public description is unchanged.")
        if not is_htmx():
            flash(message, "success")
            return redirect(url_for("dispatch.request_detail", request_id=req.id))
        context["flash_message"] = message
    return render("dispatch/public_text.html", "public_text", **context)


def _event_url(req: ServiceRequest) -> str | None:
    # The outreach feature owns event pages; link only if it is installed.
    if req.event_id is None or "outreach.event" not in current_app.view_functions:
        return None
    return url_for("outreach.event", event_id=req.event_id)


def _request_map(req: ServiceRequest) -> Any:
    if req.latitude is None or req.longitude is None:
        return None
    pt = Point(req.latitude, req.longitude, url_for("dispatch.request_detail", request_id=req.id), f"{req.tracking_number} {req.service_type.name}")
    m = build_map(get_settings(), points=[pt], center=(req.latitude, req.longitude), zoom=17, fit_points=False)
    return render_map(m)


@bp.route("/requests/<int:request_id>")
def request_detail(request_id: int) -> Response:
    req = services.get_request_for_user(db.session(), current_user, request_id)
    return render("dispatch/request.html", "request_body", map=None if is_htmx() else _request_map(req), **_request_context(req))


def _back_to_request(req: ServiceRequest, message: str) -> Response:
    if is_htmx():
        return render("dispatch/request.html", "request_body", flash_message=message, **_request_context(req))
    flash(message, "success")
    return redirect(url_for("dispatch.request_detail", request_id=req.id))


def _htmx_redirect(url: str, message: str) -> Response:
    flash(message, "success")
    if is_htmx():
        resp = current_app.response_class(status=204)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)


@bp.route("/requests/<int:request_id>/merge", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def merge(request_id: int) -> Response:
    req = services.get_request_for_user(db.session(), current_user, request_id)
    if request.method == "POST":
        form = forms.merge_form(request.form)
        other = services.find_by_tracking_number(db.session(), form.other)
        # "keep": which of the two survives (this one, or the other).
        duplicate, survivor = (other, req) if form.keep_this else (req, other)
        services.merge_requests(db.session(), current_user, duplicate, survivor)
        message = _("%(dup)s merged into %(survivor)s as a duplicate.", dup=duplicate.tracking_number, survivor=survivor.tracking_number)
        return _htmx_redirect(url_for("dispatch.request_detail", request_id=survivor.id), message)
    return render(
        "dispatch/merge.html",
        req=req,
        candidates=services.duplicate_candidates(db.session(), req),
        title=_("Merge %(tracking)s", tracking=req.tracking_number),
    )


def _transfer_choice(form: forms.TransferForm, req: ServiceRequest) -> tuple[Department, ServiceType | None]:
    department_id = form.department_id
    department = db.session.get(Department, department_id) if department_id is not None else None
    if department is None:
        if department_id is not None:
            raise NotFound(_("That department does not exist."))
        department = db.session.get(Department, services.request_department_id(req))
        assert department is not None
    type_id = form.service_type_id
    service_type = db.session.get(ServiceType, type_id) if type_id is not None else None
    if type_id is not None and service_type is None:
        raise NotFound(_("That service type does not exist."))
    return department, service_type


@bp.route("/requests/<int:request_id>/transfer", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def transfer(request_id: int) -> Response:
    req = services.get_request_for_user(db.session(), current_user, request_id)
    if request.method == "POST":
        form = forms.transfer_form(request.form)
        department, service_type = _transfer_choice(form, req)
        plan = services.transfer_request(db.session(), current_user, req, department=department, service_type=service_type, reason=form.reason)
        message = _("%(tracking)s transferred to %(dept)s.", tracking=req.tracking_number, dept=department.name)
        return _htmx_redirect(url_for("dispatch.request_detail", request_id=req.id), message)
    asked = forms.transfer_form(request.args)
    department, service_type = _transfer_choice(asked, req)
    if service_type is not None and service_type.department_id != department.id:
        service_type = None  # the department changed under a type of another department
    new_type = service_type or req.service_type
    return render(
        "dispatch/transfer.html",
        "transfer_form",
        req=req,
        departments=services.departments(db.session()),
        chosen_department=department,
        department_types=services.transfer_types(department),
        chosen_type=service_type,
        new_type=new_type,
        target=describe_target(new_type),
        plan=services.transfer_plan(db.session(), req, department, service_type, utcnow()),
        current_department_id=services.request_department_id(req),
        reason=asked.reason,
        title=_("Transfer %(tracking)s", tracking=req.tracking_number),
    )


def _keep_only_members(wo: WorkOrder, crew: Crew | None, assignee: User | None) -> User | None:
    """The person a reassign form names, or nobody when the supervisor changed only the crew: the form still
    names the old holder, who is not in the new crew (pwa/js/dispatch.js clears them too, with JavaScript)."""
    if assignee is None or assignee.id != wo.assignee_id:
        return assignee
    crew_changed = (crew.id if crew is not None else None) != wo.crew_id
    if crew_changed and (crew is None or assignee.crew_id != crew.id):
        return None
    return assignee


@bp.route("/work-orders/<int:work_order_id>/reassign", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def reassign(work_order_id: int) -> Response:
    wo = db.session.get(WorkOrder, work_order_id)
    if wo is None:
        raise NotFound(_("There is no work order %(id)s.", id=work_order_id))
    back = _local_next(url_for("dispatch.request_detail", request_id=wo.request_id))
    try:
        form = forms.reassign_form(request.form)
        if form.version is not None and form.version != wo.version:
            raise Conflict(_("Work order #%(id)s changed since you opened the page; reload it and try again.", id=wo.id))
        crew, assignee = _assigned(form.assignment)
        workorders.reassign(db.session(), current_user, wo, crew, _keep_only_members(wo, crew, assignee))
    except DomainError as exc:
        db.session.rollback()
        if is_htmx() or wants_json():
            # htmx shows it in the page's message area (#flash), the form left as the supervisor set it.
            raise
        # A form without JavaScript: back to the page it came from, with the reason in its message area.
        flash(exc.message, "error")
        return redirect(back, 303)
    who = wo.assignee.full_name if wo.assignee else (wo.crew.name if wo.crew else _("nobody"))
    message = _("Work order #%(id)s reassigned to %(who)s.", id=wo.id, who=who)
    return _htmx_redirect(back, message)
