"""The crew's day: my work (list + map), a work order's page, status changes and photos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.accounts.models import Role
from fieldops.activity import services as activity
from fieldops.districts.services import districts_geojson
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.maps.builder import Point, build_map, point_columns, render_map
from fieldops.photos import services as photos
from fieldops.photos.models import PhotoKind
from fieldops.photos.uploads import form_photos
from fieldops.web.access import roles_required
from fieldops.web.htmx import is_htmx, render
from fieldops.workorders import forms, services
from fieldops.workorders.models import WorkOrder, WorkOrderStatus

bp = Blueprint("workorders", __name__)

STATUS_FILTERS = {
    "open": [s for s in WorkOrderStatus if s.is_open],
    "closed": [s for s in WorkOrderStatus if not s.is_open],
    **{s.value: [s] for s in WorkOrderStatus},
}


def _status_filter() -> tuple[str, list[WorkOrderStatus]]:
    key = request.args.get("status", "open")
    if key not in STATUS_FILTERS:
        raise DomainError(_("Unknown status filter %(value)s.", value=repr(key)))
    return key, STATUS_FILTERS[key]


def _points(orders: list[WorkOrder]) -> list[Point]:
    from fieldops.db import utcnow

    now = utcnow()
    return [
        Point(
            lat=wo.request.latitude,
            lon=wo.request.longitude,
            url=url_for("workorders.detail", work_order_id=wo.id),
            label=f"#{wo.id} {wo.request.service_type.name} — {wo.request.address or wo.status.label}",
            css_class="overdue" if wo.is_overdue(now) else wo.status.value,
        )
        for wo in orders
        if wo.request.latitude is not None and wo.request.longitude is not None
    ]


def _map_for(orders: list[WorkOrder]):  # type: ignore[no-untyped-def]
    settings = get_settings()
    # Outlines on a whole-city map to 15 m (a pixel is ~20 m at zoom 13): 85 KB in the page instead of 129 KB.
    m = build_map(settings, points=_points(orders), districts=districts_geojson(db.session(), simplify_m=15))
    return render_map(m)


def _list_page(orders_for: Callable[[list[WorkOrderStatus]], list[WorkOrder]], title: str, endpoint: str) -> Response:
    key, statuses = _status_filter()
    orders = orders_for(statuses)
    # The map shows what the list shows: built with the full page; an htmx filter change swaps only the list,
    # which then carries the pins for pwa/js/map-markers.js to put on the map already there.
    map_parts = None if is_htmx() else _map_for(orders)
    map_points = point_columns(_points(orders)) if is_htmx() else None
    return render(
        "workorders/my_work.html",
        "results",
        orders=orders,
        status_key=key,
        status_filters=STATUS_FILTERS,
        map=map_parts,
        map_points=map_points,
        title=title,
        list_url=url_for(endpoint),
    )


@bp.route("/my-work")
@roles_required(Role.CREW)
def my_work() -> Response:
    return _list_page(lambda statuses: services.my_work(db.session(), current_user, statuses), _("My work"), "workorders.my_work")


@bp.route("/work-orders")
@roles_required(Role.SUPERVISOR)
def overview() -> Response:
    return _list_page(lambda statuses: services.all_work(db.session(), statuses), _("All work orders"), "workorders.overview")


def _detail_context(wo: WorkOrder) -> dict[str, Any]:
    settings = get_settings()
    req = wo.request
    small_map = None
    if req.latitude is not None and req.longitude is not None:
        pt = Point(req.latitude, req.longitude, url_for("workorders.detail", work_order_id=wo.id), req.service_type.name)
        m = build_map(settings, points=[pt], center=(req.latitude, req.longitude), zoom=17, fit_points=False)
        small_map = render_map(m)
    return {
        "wo": wo,
        "req": req,
        "history": activity.history(db.session(), req.id),
        "photos": photos.photos_for_work_order(db.session(), wo),
        "next_statuses": services.allowed_next(current_user, wo),
        "crew_actions": services.crew_actions(current_user, wo),
        "transitions_to": services.TRANSITIONS_TO,
        "required_kinds": [k.value for k in services.required_photo_kinds(wo)],
        "photo_kinds_present": sorted({p.kind.value for p in wo.photos}),
        "missing_photos": services.missing_photo_kinds(db.session(), wo),
        "map": small_map,
        "S": WorkOrderStatus,
        "photo_kinds": [PhotoKind.BEFORE, PhotoKind.AFTER],
        "max_photo_mb": settings.max_photo_mb,
    }


@bp.route("/work-orders/<int:work_order_id>")
def detail(work_order_id: int) -> Response:
    wo = services.get_for_user(db.session(), current_user, work_order_id)
    return render("workorders/detail.html", "job", **_detail_context(wo))


@bp.route("/work-orders/<int:work_order_id>/status", methods=["POST"])
def change_status(work_order_id: int) -> Response:
    wo = services.get_for_user(db.session(), current_user, work_order_id)
    form = forms.status_form(request.form)
    to = form.to
    services.change_status(
        db.session(), current_user, wo, to, expected_version=form.version, resolution=form.resolution, reason=form.reason
    )
    message = _("Work order #%(id)s is now: %(status)s.", id=wo.id, status=_(to.label))
    if is_htmx():
        return render("workorders/detail.html", "job", flash_message=message, **_detail_context(wo))
    flash(message, "success")
    return redirect(url_for("workorders.detail", work_order_id=wo.id))


@bp.route("/work-orders/<int:work_order_id>/photos", methods=["POST"])
def upload_photos(work_order_id: int) -> Response:
    wo = services.get_for_user(db.session(), current_user, work_order_id)
    kind = forms.photo_kind(request.form)
    settings = get_settings()
    sent = form_photos(request.files.getlist("photos"), settings)
    if not sent.accepted and not sent.refused:
        raise DomainError(_("Choose at least one photo to upload."))
    added, refused = 0, list(sent.refused)
    for upload in sent.accepted:
        # Each photo stands alone: one bad file must not cost the crew the good ones.
        try:
            photos.add_work_order_photo(
                db.session(), settings, current_user, wo, raw=upload.data, kind=kind, filename=upload.filename
            )
            added += 1
        except DomainError as exc:
            refused.append(f"{upload.filename}: {exc.message}")
    message = (
        ngettext("%(num)s before photo added.", "%(num)s before photos added.", added)
        if kind == PhotoKind.BEFORE
        else ngettext("%(num)s after photo added.", "%(num)s after photos added.", added)
    )
    if refused:
        message += " " + _("Not added: %(files)s", files=" ".join(refused))
        if not added:
            raise DomainError(message)
    if is_htmx():
        return render("workorders/detail.html", "job", flash_message=message, **_detail_context(wo))
    flash(message, "success")
    return redirect(url_for("workorders.detail", work_order_id=wo.id))
