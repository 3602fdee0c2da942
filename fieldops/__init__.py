"""fieldops: offline-first field operations for 311 crews and outreach staff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, request

from fieldops.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
PWA_DIR = PROJECT_DIR / "pwa"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def create_app(settings: Settings | None = None, *, extra_features: tuple[str, ...] = ()) -> Flask:
    """Build a configured app; nothing happens at import time. `extra_features` adds feature modules after the
    project's own (tests use it to plug in a test-only feature)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=None, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        # A form's photos plus its fields; Werkzeug answers 413 beyond this before reading the body. Each photo is
        # held to max_photo_bytes on its own while it streams in (fieldops/photos/uploads.py), the typed fields to
        # 1 MB in memory; the sync API's single-photo PUT reads with its own smaller cap.
        MAX_CONTENT_LENGTH=settings.max_form_bytes,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        MAX_FORM_PARTS=200 + settings.max_photos_per_form,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=dt.timedelta(days=settings.remember_days),
        # Tablets keep a page open all shift; the token is tied to the session, not to a clock.
        WTF_CSRF_TIME_LIMIT=None,
        # Pages and JSON go out compressed (brotli, else gzip): a crew's day of offline data is mostly text.
        # Static files are WhiteNoise's (pre-compressed at build time); photos are compressed already. Only
        # whole responses: an export that streams stays a stream.
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIMETYPES=["text/html", "application/json", "application/geo+json", "text/csv", "text/xml",
                            "application/xml", "image/svg+xml", "text/plain"],
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=500,
        TESTING=settings.testing,
    )
    app.extensions["fieldops.settings"] = settings
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    from fieldops.photos.imaging import configure_pillow
    from fieldops.photos.uploads import UploadRequest
    from fieldops.web.jsonbody import BoundedJSONRequest

    class AppRequest(BoundedJSONRequest, UploadRequest):
        """One policy for every body, whatever view reads it: JSON bounded in size and nesting, and each uploaded
        file capped at one photo's size while it streams in."""

    app.request_class = AppRequest
    configure_pillow(settings.photo_max_pixels)

    import fieldops.models  # noqa: F401  (every table in the metadata before mappers configure)
    from fieldops.accounts.models import User
    from fieldops.activity.services import install_append_only_guard
    from fieldops.extensions import compress, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
    install_append_only_guard()
    from fieldops import activity, catalog, i18n

    i18n.init_app(app)
    activity.init_app(app)  # the history_line filter
    catalog.init_app(app)  # the catalogue's texts in the reader's language

    from fieldops.accounts import sessions as user_sessions

    @app.before_request
    def _fresh_user() -> None:
        # Flask-Login and Flask-WTF cache the user and the CSRF token in `g`, which belongs to the app context; a
        # request inside an outer app context (tests, CLI) must load its own, from its own cookies.
        from flask import g

        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    @login_manager.user_loader
    def load_user(login_id: str) -> User | None:
        # Only a live server-side session signs anyone in: sign-out and revocation end the cookie at once.
        found = user_sessions.load(db.session(), login_id)
        if found is None:
            return None
        user, row = found
        user_sessions.set_current(row)
        if user_sessions.due_for_touch(row):
            with db.engine.begin() as connection:
                user_sessions.touch(connection, row)
        return user

    from flask_login import user_loaded_from_cookie

    @user_loaded_from_cookie.connect_via(app)
    def _rotate_remember_token(sender: Flask, user: User) -> None:
        # A remember-me cookie that was used is replaced by a new one (and its session by a new row), so a
        # stolen copy stops working once the owner's browser uses it. Only while the row allows remembering.
        from flask import session as flask_session

        from fieldops.accounts.sessions import start
        from fieldops.db import utcnow

        old = user_sessions.current()
        remaining = (old.remember_until - utcnow()) if old is not None and old.remember_until is not None else None
        if old is None or remaining is None or remaining <= dt.timedelta(0):
            return
        user_sessions.revoke(db.session(), old)
        issued = start(db.session(), user, remember_for=remaining, user_agent=old.user_agent, ip=old.ip)
        # Committed now, not with the request (fieldops/web/transaction.py): the browser gets the new cookie whatever
        # this request answers, so the new row must exist even if the page turns out to be a 404 or a refused form.
        db.session.commit()
        user_sessions.set_current(issued.row)
        flask_session["_user_id"] = issued.login_id
        flask_session["_remember"] = "set"
        flask_session["_remember_seconds"] = max(60, int(remaining.total_seconds()))

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)

    _register_web(app, settings)

    from fieldops.cli import register_commands
    from fieldops.features import FEATURES, init_features
    from fieldops.web.assets import static_files

    register_commands(app)
    init_features(app, FEATURES + extra_features)

    # /static/: the content-hashed build of pwa/ (fieldops/pwa/build.py), hashed names immutable.
    app.wsgi_app = static_files(app.wsgi_app, app.extensions["fieldops.assets"])  # type: ignore[method-assign]
    if settings.proxy_hops:
        # Behind N reverse proxies, the client is the N-th address from the right of X-Forwarded-For (each proxy
        # appends the one it saw); anything further left came from the client and could be forged.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    return app


def get_settings() -> Settings:
    """The settings of the app handling the current request or CLI command."""
    from flask import current_app

    return current_app.extensions["fieldops.settings"]  # type: ignore[no-any-return]


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Threads of the dev server and of the test live server share the file.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _register_web(app: Flask, settings: Settings) -> None:
    from fieldops.web import assets, csp, errors, filters, transaction
    from fieldops.web.access import require_login

    app.before_request(require_login)
    transaction.init_app(app)
    errors.register(app)
    filters.register(app, settings)
    manifest = assets.AssetManifest(PWA_DIR)
    app.extensions["fieldops.assets"] = manifest
    app.jinja_env.globals["asset_url"] = manifest.url

    csp.init_app(app, settings)

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self)")
        if request.endpoint and not request.endpoint.startswith("static") and "Cache-Control" not in resp.headers:
            # Pages carry personal and operational data: keep them out of shared caches.
            resp.headers["Cache-Control"] = "private, no-cache"
        return resp
