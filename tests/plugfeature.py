"""A test-only feature (tests/test_features_plug.py): everything a feature registers, from its init_app alone."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from fieldops import signals
from fieldops.accounts.models import Role, User
from fieldops.demo import DemoLogin, register_demo_loader
from fieldops.nav import NavEntry, register_nav_entry
from fieldops.offline.services import OfflinePart, register_offline_provider

bp = Blueprint("plugfeature", __name__)
closed: list[tuple[Flask, int]] = []


@bp.route("/plug-test")
def page() -> str:
    return "plugged in"


def offline_part(session: Session, user: User) -> OfflinePart:
    return OfflinePart(pages=["/plug-test"], data=[f"/plug-test?user={user.id}"])


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    return [DemoLogin("plug", "crew", "the test feature's demo")]


def on_request_closed(sender: Flask, *, session: Session, request: Any, at: dt.datetime, **_: object) -> None:
    closed.append((sender, request.id))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_nav_entry(app, NavEntry("plugfeature.page", _l("Plug (%(n)s)"), order=15, visible=lambda u: u.role == Role.CREW, count=lambda: 7, html_id="nav-plug"))
    register_offline_provider(app, "plugfeature", offline_part, order=25)
    register_demo_loader(app, "plugfeature", seed_demo, order=35, notes=("plug note",))
    signals.request_closed.connect(on_request_closed, sender=app)
