"""The one registry of history verbs: every verb written is registered, and public readers take their words from it."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from factories import make_untriaged
from fieldops.activity import services as activity
from fieldops.activity import verbs
from fieldops.activity.models import Activity
from fieldops.db import utcnow
from fieldops.dispatch.services import merge_requests
from fieldops.open311.services import PUBLIC_VERBS
from fieldops.outreach.duplicates import join_as_duplicate
from fieldops.outreach.public import public_status
from fieldops.performance.services import PerformanceQuery, performance_report
from fieldops.servicerequests.models import RequestStatus

ROOT = Path(__file__).resolve().parents[2] / "fieldops"
ZONE = ZoneInfo("America/New_York")


def test_record_refuses_a_verb_nobody_registered(session, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city)
    with pytest.raises(ValueError):
        activity.record(session, request_id=req.id, actor=city.sam, verb="visit:completed", params={})  # type: ignore[arg-type]


def test_every_verb_literal_in_the_code_is_a_registered_verb() -> None:
    # Strings that look like verbs ("feature:step") next to verb= or "verb": must be members of the registry.
    known = {v.value for v in verbs.Verb}
    found: list[tuple[str, str]] = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "verb" and isinstance(node.value, ast.Constant):
                found.append((str(path), node.value.value))
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "verb":
                for comp in node.comparators:
                    if isinstance(comp, ast.Constant) and isinstance(comp.value, str):
                        found.append((str(path), comp.value))
    assert [f for f in found if f[1] not in known] == []


def test_public_readers_take_their_words_from_the_registry() -> None:
    assert PUBLIC_VERBS == {v: (n.type, n.summary) for v, n in verbs.open311_verbs().items()}
    assert verbs.Verb.VISIT_DONE.value in verbs.status_page_verbs()
    # Private verbs stay private everywhere.
    for private in (verbs.Verb.NOTE, verbs.Verb.SYNC_CONFLICT, verbs.Verb.SLA_RECOMPUTED, verbs.Verb.VISIT_PLANNED, verbs.Verb.REQUEST_IMPORTED):
        assert private.value not in PUBLIC_VERBS and private.value not in verbs.status_page_verbs()
    assert verbs.info("feature:from_a_newer_version") == verbs.VerbInfo()


def _report(session, query: PerformanceQuery):  # type: ignore[no-untyped-def]
    return performance_report(session, query, zone=ZONE)


def test_merge_and_add_to_this_request_close_duplicates_by_one_rule(session, city) -> None:  # type: ignore[no-untyped-def]
    # Two identical situations, one closed by a dispatcher's merge, one by outreach's "Add to this request":
    # the same fields, the same history verbs, the same CitiStat figures.
    at = utcnow() - dt.timedelta(hours=2)
    pairs = {}
    for path in ("merge", "outreach"):
        survivor = make_untriaged(session, city, created_at=at - dt.timedelta(hours=1))
        dup = make_untriaged(session, city, created_at=at - dt.timedelta(minutes=30))
        if path == "merge":
            merge_requests(session, city.sam, dup, survivor, now=at)
        else:
            join_as_duplicate(session, city.olga, dup, survivor, at=at)
        pairs[path] = (survivor, dup)
    session.commit()
    shape = {}
    for path, (survivor, dup) in pairs.items():
        dup_verbs = session.scalars(sa.select(Activity.verb).where(Activity.request_id == dup.id).order_by(Activity.id)).all()
        survivor_verbs = session.scalars(sa.select(Activity.verb).where(Activity.request_id == survivor.id).order_by(Activity.id)).all()
        shape[path] = (dup.status, dup.closed_at, dup.due_at, dup.duplicate_of_id == survivor.id, dup_verbs, survivor_verbs)
    assert shape["merge"] == shape["outreach"]
    assert shape["merge"][:4] == (RequestStatus.CLOSED, at, None, True)
    assert shape["merge"][4] == ["request:created", "request:merged"]
    assert shape["merge"][5] == ["request:created", "request:duplicate_merged"]
    # CitiStat: the same counts whichever way the duplicate was closed.
    today = utcnow().astimezone(ZONE).date()
    report = _report(session, PerformanceQuery(start=today - dt.timedelta(days=2), end=today))
    total = report.total
    assert total.opened == 4 and total.closed == 2
    # Neither duplicate counts as a repair closed on time: it has no target of its own.
    assert total.closed_with_target == 0
