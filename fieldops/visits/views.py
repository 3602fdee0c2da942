"""Follow-up visits: 'My visits' (list + map in a suggested order), the doorstep form, supervisors' hand edits."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from folium.template import Template
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.access import policies
from fieldops.accounts.models import Role, User
from fieldops.db import utcnow
from fieldops.errors import DomainError, NotFound
from fieldops.extensions import db
from fieldops.i18n import LANGUAGES
from fieldops.maps.builder import DataScript, build_map, map_event_script, render_map, script_json
from fieldops.photos import services as photos
from fieldops.photos.models import PhotoKind
from fieldops.photos.uploads import form_photos
from fieldops.servicerequests.models import ServiceRequest
from fieldops.visits import forms, routing, services
from fieldops.visits.models import FollowUpVisit, VisitStatus
from fieldops.web.redirects import safe_next
from fieldops.web.access import roles_required
from fieldops.web import validation
from fieldops.web.htmx import render
from fieldops.workorders import services as workorders

bp = Blueprint("visits", __name__)

# Languages the conversation can be held in: those with question translations, and "other" (questions in English).
VISIT_LANGUAGES: dict[str, str] = {**LANGUAGES, "other": "Other"}

# Said to the resident, so shown in the visit's language (not the visitor's): see _questions().
QUESTIONS = {
    "intro": lazy_gettext("Hello, I work for the city. You reported a problem here and our crew has worked on it. May I ask you three short questions?"),
    "resolved": lazy_gettext("Is the problem fixed now?"),
    "yes": lazy_gettext("Yes"),
    "partly": lazy_gettext("Partly"),
    "no": lazy_gettext("No"),
    "satisfaction": lazy_gettext("How satisfied are you with how the city handled it?"),
    "scale": lazy_gettext("1 = very unsatisfied, 5 = very satisfied"),
    "comments": lazy_gettext("Is there anything else you would like to tell us?"),
    "thanks": lazy_gettext("Thank you for your time."),
    "no_answer": lazy_gettext("no answer"),
}


def _visit_languages() -> dict[str, str]:
    """The languages a visit can be held in, "other" in the visitor's language."""
    return {**LANGUAGES, "other": gettext("Other")}


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _questions() -> dict[str, dict[str, str]]:
    """The resident-facing questions in every language we have, so the page can switch offline."""
    texts = {}
    for code in LANGUAGES:
        with force_locale(code):
            texts[code] = {k: str(v) for k, v in QUESTIONS.items()}
    texts["other"] = texts["en"]
    return texts


def _safe_next(value: str | None, default: str) -> str:
    # Only a path on this site: never an open redirect.
    return safe_next(value) or default


def request_url(request_id: int) -> str | None:
    """The staff page of a request if the app has one (the dispatch feature), else None."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/requests/<int:request_id>" and "GET" in (rule.methods or ()):
            return url_for(rule.endpoint, request_id=request_id)
    return None


class VisitRoute(DataScript):
    """Numbered stops joined by the suggested route, drawn in the browser by pwa/js/visits.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.script_for(this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, stops: list[dict[str, Any]], start: tuple[float, float] | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement.__init__ is unannotated
        self._name = "VisitRoute"
        data = {"stops": stops, "start": list(start) if start else None}
        self.payload = script_json(data)

    def script_for(self, map_name: str) -> Markup:
        return map_event_script("fieldops:route", map_name, self.payload)


def _route_map(ordered: list[FollowUpVisit], start: tuple[float, float] | None) -> Any:
    settings = get_settings()
    located = [v for v in ordered if v.request.latitude is not None and v.request.longitude is not None]
    lats = [v.request.latitude for v in located] + ([start[0]] if start else [])
    lons = [v.request.longitude for v in located] + ([start[1]] if start else [])
    if len(set(zip(lats, lons))) == 1:
        # One place: a close view of it (bounds of a single point would zoom to the maximum).
        m = build_map(settings, center=(lats[0], lons[0]), zoom=17)  # type: ignore[arg-type]
    else:
        m = build_map(settings, bounds=(min(lons), min(lats), max(lons), max(lats)))  # type: ignore[type-var,arg-type]
    stops = [
        {
            "n": ordered.index(v) + 1,
            "lat": round(v.request.latitude, 6),  # type: ignore[arg-type]
            "lon": round(v.request.longitude, 6),  # type: ignore[arg-type]
            "url": url_for("visits.detail", visit_id=v.id),
            "label": f"{ordered.index(v) + 1}. {v.request.service_type.name} — {v.request.address or v.request.tracking_number}",
            "cls": "overdue" if v.attempts else "",
        }
        for v in located
    ]
    VisitRoute(stops, start).add_to(m)
    return render_map(m)


@bp.route("/visits")
@roles_required(Role.OUTREACH, Role.SUPERVISOR)
def my_visits() -> Response:
    now = utcnow()
    everyone = request.args.get("scope") == "all" and policies.can_manage_visits(current_user)
    start = forms.start_point(request.args)
    tomorrow = services.end_of_local_day(now, _zone())
    due = services.my_visits(db.session(), current_user, due_before=tomorrow, everyone=everyone)
    located = [v for v in due if v.request.latitude is not None and v.request.longitude is not None]
    unlocated = [v for v in due if v not in located]
    plan = routing.plan_route([(v.request.latitude, v.request.longitude) for v in located], start)  # type: ignore[misc]
    ordered = [located[i] for i in plan.order] + unlocated
    return render(
        "visits/my_visits.html",
        visits=ordered,
        plan=plan,
        start=start,
        everyone=everyone,
        upcoming=services.upcoming_count(db.session(), current_user, after=tomorrow),
        map=_route_map(ordered, start) if located else None,
        title=_("Everyone's visits today") if everyone else _("My visits"),
        max_attempts=services.max_attempts(get_settings()),
    )


def _detail_context(visit: FollowUpVisit) -> dict[str, Any]:
    settings = get_settings()
    req = visit.request
    language = request.args.get("language") or visit.language or req.resident_language or "en"
    if language not in VISIT_LANGUAGES:
        language = "en"
    small_map = None
    if req.latitude is not None and req.longitude is not None:
        m = build_map(settings, center=(req.latitude, req.longitude), zoom=17, fit_points=False)
        VisitRoute(
            [{"n": 1, "lat": req.latitude, "lon": req.longitude, "url": url_for("visits.detail", visit_id=visit.id), "label": req.address or req.service_type.name, "cls": ""}],
            None,
        ).add_to(m)
        small_map = render_map(m)
    job = visit.work_order
    parent_visit = services.visit_of_follow_on(db.session(), req) if req.parent_id else None
    return {
        "visit": visit,
        "req": req,
        "job": job,
        "job_url": url_for("workorders.detail", work_order_id=job.id) if job is not None and workorders.can_view(current_user, job) else None,
        # Request pages are the dispatchers' (supervisors'); outreach staff see the request through the visit.
        "request_url": request_url(req.id) if policies.can_view_request(current_user, req) else None,
        "follow_on_url": request_url(visit.follow_on_request_id) if visit.follow_on_request_id and policies.can_dispatch(current_user) else None,
        "show_contact": policies.can_view_visit_contact(current_user, visit),
        "parent_visit": parent_visit,
        "may_record": services.may_record(current_user, visit) and visit.status == VisitStatus.PENDING,
        "max_attempts": services.max_attempts(settings),
        "languages": _visit_languages(),
        "language": language,
        "questions": _questions(),
        "map": small_map,
        "max_photo_mb": settings.max_photo_mb,
        "title": _("Follow-up visit #%(id)s", id=visit.id),
    }


@bp.route("/visits/<int:visit_id>")
@roles_required(Role.OUTREACH, Role.SUPERVISOR)
def detail(visit_id: int) -> Response:
    visit = services.get_visit(db.session(), current_user, visit_id)
    return render("visits/detail.html", **_detail_context(visit))


@bp.route("/visits/<int:visit_id>/outcome", methods=["POST"])
@roles_required(Role.OUTREACH, Role.SUPERVISOR)
def record_outcome(visit_id: int) -> Response:
    # The page saves through the offline outbox ("visit" sync action); this is the path without JavaScript.
    settings = get_settings()
    visit = services.get_visit(db.session(), current_user, visit_id)
    form = forms.outcome_form(request.form)
    # Each photo stands alone: a refused one is named, the visit and the other photos are kept.
    sent = form_photos(request.files.getlist("photos"), settings)
    photo_ids, refused = [], list(sent.refused)
    for upload in sent.accepted:
        try:
            photo, _created = photos.stage_photo(
                db.session(), settings, current_user, photo_id=None, raw=upload.data, kind=PhotoKind.VISIT, filename=upload.filename
            )
        except DomainError as exc:
            refused.append(f"{upload.filename}: {exc.message}")
        else:
            photo_ids.append(photo.id)
    result = services.record_outcome(
        db.session(),
        current_user,
        visit,
        outcome=form.outcome,
        zone=_zone(),
        resolved=form.resolved,
        satisfaction=form.satisfaction,
        comments=form.comments,
        language=form.language,
        photo_ids=photo_ids,
        max_attempts=services.max_attempts(settings),
    )
    if result.follow_on is not None:
        flash(_("Visit recorded. Follow-on request %(tn)s opened.", tn=result.follow_on.tracking_number), "success")
    elif result.closed:
        flash(_("Visit recorded."), "success")
    else:
        flash(_("Nobody home: the visit stays on the list for another day."), "success")
    if refused:
        flash(_("Photos not kept: %(reasons)s", reasons=" ".join(refused)), "error")
    return redirect(url_for("visits.detail", visit_id=visit.id))


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(_("There is no such person."))
    return user


def _local_date(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        day = validation.query_date(dt.date.fromisoformat(raw), "date", utcnow())
    except ValueError as exc:
        raise DomainError(_("The date must look like 2025-06-30.")) from exc
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=_zone()).astimezone(dt.UTC)


@bp.route("/requests/<int:request_id>/visits", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def add(request_id: int) -> Response:
    req = db.session.get(ServiceRequest, request_id)
    if req is None:
        raise NotFound(_("There is no request %(id)s.", id=request_id))
    now = utcnow()
    due_at = _local_date(request.form.get("due_on"))
    visit = services.add_visit(
        db.session(), current_user, req, due_at=max(due_at, now) if due_at else now, assignee=_assignee(forms.assignee_id(request.form)), now=now
    )
    flash(_("Follow-up visit #%(id)s added.", id=visit.id), "success")
    return redirect(_safe_next(request.form.get("next"), url_for("visits.detail", visit_id=visit.id)))


@bp.route("/visits/<int:visit_id>/assign", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def assign(visit_id: int) -> Response:
    visit = services.get_visit(db.session(), current_user, visit_id)
    services.assign_visit(db.session(), current_user, visit, _assignee(forms.assignee_id(request.form)))
    flash(_("Follow-up visit #%(id)s assigned.", id=visit.id), "success")
    return redirect(_safe_next(request.form.get("next"), url_for("visits.detail", visit_id=visit.id)))


@bp.route("/visits/<int:visit_id>/cancel", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def cancel(visit_id: int) -> Response:
    visit = services.get_visit(db.session(), current_user, visit_id)
    services.cancel_visit(db.session(), current_user, visit, request.form.get("reason", ""))
    flash(_("Follow-up visit #%(id)s cancelled.", id=visit.id), "success")
    return redirect(_safe_next(request.form.get("next"), url_for("visits.detail", visit_id=visit.id)))


@bp.app_context_processor
def _panel_helpers() -> dict[str, Any]:
    def visit_panel(req: ServiceRequest) -> dict[str, Any]:
        # Called only where a template includes visits/_request_panel.html, so other pages cost no query.
        visits = services.visits_for_request(db.session(), req)
        is_supervisor = current_user.is_authenticated and policies.can_manage_visits(current_user)
        return {
            "visits": visits,
            "parent_visit": services.visit_of_follow_on(db.session(), req) if req.parent_id else None,
            "staff": services.outreach_staff(db.session()) if is_supervisor else [],
            "is_supervisor": is_supervisor,
            "photos": {v.id: services.photos_for_visit(db.session(), v) for v in visits} if is_supervisor else {},
            "request_url": request_url if is_supervisor else (lambda _id: None),
            "jobs": [wo for wo in req.work_orders if current_user.is_authenticated and workorders.can_view(current_user, wo)],
            "languages": _visit_languages(),
            "today": utcnow().astimezone(_zone()).date().isoformat(),
        }

    return {"visit_panel": visit_panel}
