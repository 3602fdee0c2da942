"""Sign in and out."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.accounts import services, throttle
from fieldops.accounts.models import Role
from fieldops.db import utcnow
from fieldops.extensions import db
from fieldops.web.access import public

bp = Blueprint("accounts", __name__)


def home_for(role: Role) -> str:
    """Where each role starts its day."""
    if role == Role.CREW:
        return url_for("workorders.my_work")
    if role == Role.OUTREACH:
        return url_for("servicerequests.new")
    return url_for("workorders.overview")


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    username = request.form.get("username", "")
    if request.method == "GET":
        return render_template("accounts/login.html", error=None, username=username)
    ip, now = throttle.client_address(request.remote_addr), utcnow()
    # While paused the password is not checked at all, so the answer cannot tell whether it was right.
    wait = throttle.paused_for(db.session, username=username, ip=ip, now=now)
    if wait is None:
        user = services.authenticate(db.session, username, request.form.get("password", ""))
        if user is not None:
            throttle.record_success(db.session, username=username, ip=ip)
            login_user(user, remember=bool(request.form.get("remember")))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(user.role))
        wait = throttle.record_failure(db.session, throttle.Limits.from_settings(get_settings()), username=username, ip=ip, now=now)
        db.session.commit()
    if wait is None:
        error = _("That username and password do not match an active account.")
        return render_template("accounts/login.html", error=error, username=username), 401  # type: ignore[return-value]
    minutes = math.ceil(wait / 60)
    error = ngettext("Too many failed sign-ins. Try again in %(num)s minute.", "Too many failed sign-ins. Try again in %(num)s minutes.", minutes)
    resp = make_response(render_template("accounts/login.html", error=error, username=username), 429)
    resp.headers["Retry-After"] = str(wait)
    return resp


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/")
def index() -> Response:
    return redirect(home_for(current_user.role))
