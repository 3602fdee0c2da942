"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from fieldops.accounts import services
from fieldops.accounts.models import Role
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
    error = None
    if request.method == "POST":
        user = services.authenticate(db.session, request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            error = "That username and password do not match an active account."
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(user.role))
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error, username=request.form.get("username", "")), status  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/")
def index() -> Response:
    return redirect(home_for(current_user.role))
