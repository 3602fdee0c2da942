"""Administrators issue and revoke Open311 API keys (the key itself is shown once, on the page that issued it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.accounts.models import Role
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.open311 import keys
from fieldops.web import validation
from fieldops.web.access import roles_required
from fieldops.web.htmx import render

bp = Blueprint("admin", __name__, url_prefix="/admin/api-keys")


def _page(*, status: int = 200, new_key: str | None = None, issued_name: str = "", error: str = "", form: dict[str, str] | None = None) -> Response:
    resp = render(
        "open311/keys.html",
        title=_("API keys"),
        api_keys=keys.list_keys(db.session()),
        new_key=new_key,
        issued_name=issued_name,
        error=error,
        form=form or {},
        jurisdiction=get_settings().open311_jurisdiction,
        status=status,
    )
    if new_key:
        # The only copy of the key: keep it out of every cache and the browser's back/forward store.
        resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("")
@roles_required(Role.ADMIN)
def index() -> Response:
    return _page()


@bp.route("", methods=["POST"])
@roles_required(Role.ADMIN)
def issue() -> Response:
    form = {name: request.form.get(name, "") for name in ("name", "contact", "rate")}
    try:
        rate = validation.whole_number(form["rate"], "rate", _("rate limit"))  # requests per minute
        rate = 60 if rate is None else rate
        key, plaintext = keys.issue_key(db.session(), current_user, name=form["name"], contact=form["contact"], rate_limit_per_minute=rate)
    except DomainError as exc:
        db.session.rollback()
        return _page(status=422, error=exc.message, form=form)
    # Rendered, not redirected: a flash message would carry the key through the (signed, not encrypted) cookie.
    return _page(new_key=plaintext, issued_name=key.name)


@bp.route("/<int:key_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(key_id: int) -> Response:
    key = keys.revoke_key(db.session(), current_user, key_id)
    flash(_("Key “%(name)s” (%(prefix)s…) is revoked; it stops working at once.", name=key.name, prefix=key.prefix), "success")
    return redirect(url_for("open311.admin.index"))
