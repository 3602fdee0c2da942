"""One unit of work per request (fieldops/web/transaction.py): views only flush, the request commits or rolls back."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask, abort, request

from fieldops import create_app
from fieldops.catalog.models import Department
from fieldops.errors import DomainError
from fieldops.extensions import db
from fieldops.settings import Settings
from fieldops.web.access import public
from helpers import csrf_token
from testapp import _empty_tables


def _feature() -> str:
    """A test-only feature whose views add a department, then answer as the query string says."""
    bp = Blueprint("uow_test", __name__)

    @bp.route("/uow-test", methods=["GET", "POST"])
    @public
    def write() -> tuple[str, int]:
        db.session.add(Department(code=request.args["code"], name="Unit of work"))
        if "late" not in request.args:
            db.session.flush()
        outcome = request.args.get("outcome", "ok")
        if outcome == "refused":
            raise DomainError("No.")
        if outcome == "missing":
            abort(404)
        if outcome == "crash":
            raise RuntimeError("boom")
        return "done", 201 if outcome == "ok" else 302

    module = types.ModuleType("uow_test_feature")
    module.init_app = lambda app: app.register_blueprint(bp)  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module  # features are named by module (fieldops/features.py)
    return module.__name__


@pytest.fixture
def uow_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, extra_features=(_feature(),))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


def _stored(app: Flask) -> set[str]:
    with app.app_context(), db.engine.connect() as connection:  # a connection of its own: only what was committed
        return set(connection.scalars(sa.select(Department.code)))


@pytest.mark.parametrize(("outcome", "kept"), [("ok", True), ("redirect", True), ("refused", False), ("missing", False), ("crash", False)])
def test_a_writing_request_commits_only_when_it_succeeds(uow_app: Flask, outcome: str, kept: bool) -> None:
    client = uow_app.test_client()
    resp = client.post(f"/uow-test?code=d-{outcome}&outcome={outcome}", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == {"ok": 201, "redirect": 302, "refused": 422, "missing": 404, "crash": 500}[outcome]
    assert (f"d-{outcome}" in _stored(uow_app)) is kept


def test_a_read_never_commits(uow_app: Flask) -> None:
    resp = uow_app.test_client().get("/uow-test?code=d-get")
    assert resp.status_code == 201
    assert "d-get" not in _stored(uow_app)


def test_a_failed_commit_is_the_answer_not_a_success(uow_app: Flask) -> None:
    client = uow_app.test_client()
    token = csrf_token(client)
    assert client.post("/uow-test?code=same", data={"csrf_token": token}).status_code == 201
    # Not flushed by the view: the database refuses the duplicate code at the request's commit, after the view said
    # "done"; the client hears the error, not the view's answer, and nothing more is stored.
    again = client.post("/uow-test?code=same&late=1", data={"csrf_token": token})
    assert again.status_code == 500
    assert _stored(uow_app) == {"same"}
