"""Sign in and out."""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from fieldops import get_settings
from fieldops.accounts import services, throttle
from fieldops.accounts import sessions as user_sessions
from fieldops.accounts.models import Role, User
from fieldops.db import utcnow
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.web.access import public
from fieldops.web.redirects import safe_next

bp = Blueprint("accounts", __name__)


def home_endpoint(role: Role) -> str:
    """The page each role starts its day on (its endpoint)."""
    if role == Role.CREW:
        return "workorders.my_work"
    if role == Role.OUTREACH:
        return "servicerequests.new"
    return "workorders.overview"


def home_for(role: Role) -> str:
    """Where each role starts its day."""
    return url_for(home_endpoint(role))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    # Flask answers HEAD with this view too: only a POST signs in or counts a failure.
    if request.method != "POST":
        if current_user.is_authenticated:
            return redirect(home_for(current_user.role))
        return render_template("accounts/login.html", error=None, username="")
    username = request.form.get("username", "")
    ip, now = throttle.client_address(request.remote_addr), utcnow()
    # While paused the password is not checked at all, so the answer cannot tell whether it was right.
    wait = throttle.paused_for(db.session(), username=username, ip=ip, now=now)
    if wait is None:
        user = services.authenticate(db.session(), username, request.form.get("password", ""))
        if user is not None:
            throttle.record_success(db.session(), username=username, ip=ip)
            _sign_in(user, remember=bool(request.form.get("remember")))
            return redirect(safe_next(request.args.get("next")) or home_for(user.role))
        wait = throttle.record_failure(db.session(), throttle.Limits.from_settings(get_settings()), username=username, ip=ip, now=now)
        # Committed here, not with the request (fieldops/web/transaction.py): the answer is a 401 or a 429, which
        # rolls a request back, and a failure that is not counted would let anyone guess passwords forever.
        db.session.commit()
    if wait is None:
        error = _("That username and password do not match an active account.")
        return render_template("accounts/login.html", error=error, username=username), 401  # type: ignore[return-value]
    minutes = math.ceil(wait / 60)
    error = ngettext("Too many failed sign-ins. Try again in %(num)s minute.", "Too many failed sign-ins. Try again in %(num)s minutes.", minutes)
    resp = make_response(render_template("accounts/login.html", error=error, username=username), 429)
    resp.headers["Retry-After"] = str(wait)
    return resp


def _sign_in(user: User, *, remember: bool) -> None:
    # A new server-side session (revocable), and a fresh CSRF token: nothing from before sign-in is trusted after.
    settings = get_settings()
    issued = user_sessions.start(
        db.session(),
        user,
        remember_for=dt.timedelta(days=settings.remember_days) if remember else None,
        user_agent=request.headers.get("User-Agent", ""),
        ip=request.remote_addr or "",
    )
    _empty_session()
    user_sessions.set_current(issued.row)
    login_user(user, remember=remember)


def _empty_session() -> None:
    # Nothing from before a sign-in or sign-out carries over (the CSRF token included) but the language chosen.
    kept = {k: flask_session[k] for k in ("lang",) if k in flask_session}
    flask_session.clear()
    flask_session.update(kept)
    g.pop("csrf_token", None)  # Flask-WTF's per-request copy of the old token


def _sign_out() -> None:
    row = user_sessions.current()
    if row is not None:
        user_sessions.revoke(db.session(), row)
    logout_user()  # also clears the remember-me cookie
    _empty_session()


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    _sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account")
def account() -> str:
    """The signed-in user's own page: where they are signed in, sign out elsewhere, change the password."""
    return render_template("accounts/account.html", sessions=user_sessions.live(db.session(), current_user), current=user_sessions.current(), error=None)


@bp.route("/account/sessions/<int:session_id>/revoke", methods=["POST"])
def revoke_session(session_id: int) -> Response:
    row = next((s for s in user_sessions.live(db.session(), current_user) if s.id == session_id), None)
    if row is None:
        abort(404)
    if row is user_sessions.current():
        return logout()
    user_sessions.revoke(db.session(), row)
    flash(_("That device is signed out."), "info")
    return redirect(url_for("accounts.account"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere() -> Response:
    user_sessions.revoke_all(db.session(), current_user)
    _sign_out()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["POST"])
def change_password() -> Response | tuple[str, int]:
    try:
        services.change_password(
            db.session(),
            current_user,
            current=request.form.get("current_password", ""),
            new=request.form.get("new_password", ""),
            confirm=request.form.get("confirm_password", ""),
            keep=user_sessions.current(),
        )
    except DomainError as exc:
        db.session.rollback()
        page = render_template("accounts/account.html", sessions=user_sessions.live(db.session(), current_user), current=user_sessions.current(), error=exc.message)
        return page, 422
    flash(_("Password changed. You are signed out on every other device."), "info")
    return redirect(url_for("accounts.account"))
