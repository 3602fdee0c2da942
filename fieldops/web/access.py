"""Default-deny access control: every view needs a signed-in user unless marked public."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from fieldops.accounts.models import Role
from fieldops.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as reachable without signing in."""
    view.fieldops_public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only users holding one of the roles (admins always pass)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_login() -> Any:
    """before_request hook: refuse anything not public to anonymous users."""
    if request.endpoint is None:
        return None  # 404s stay 404s
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint == "static" or getattr(view, "fieldops_public", False):
        return None
    if current_user.is_authenticated:
        return None
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        abort(401)
    if request.headers.get("HX-Request"):
        # htmx cannot follow a login redirect into a fragment; ask the browser to load the page.
        resp = current_app.response_class(status=401)
        resp.headers["HX-Redirect"] = url_for("accounts.login", next=request.full_path)
        return resp
    return redirect(url_for("accounts.login", next=request.full_path))
