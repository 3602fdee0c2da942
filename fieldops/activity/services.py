"""Write the append-only history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from flask_babel import gettext
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.activity.models import PARAMS, Activity
from fieldops.activity.verbs import LEGACY, REGISTRY, Summary, Verb, info
from fieldops.db import utcnow


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or delete history."""


def summary_fields(verb: Verb, params: dict[str, Any], detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The verb, English summary and detail_json of a history row (record() and bulk inserts share this).

    Raises ValueError for a verb nobody registered, a legacy verb, or parameters that fit none of its templates.
    """
    verb = Verb(verb)  # a ValueError here is a verb nobody registered: readers would not know it
    if verb in LEGACY:
        raise ValueError(f"{verb.value} is only read from older databases; write its replacement")
    values = {k: v if isinstance(v, int | float) and not isinstance(v, bool) else str(v) for k, v in params.items()}
    template = REGISTRY[verb].summary_for(values.keys())
    if template is None:
        wanted = " or ".join(sorted("{" + ", ".join(sorted(s.keys)) + "}" for s in REGISTRY[verb].summaries))
        raise ValueError(f"{verb.value} needs the parameters {wanted}, not {sorted(values)}")
    if PARAMS in (detail or {}):
        raise ValueError(f"detail may not use the key {PARAMS!r}: it holds the summary's parameters")
    return {
        "verb": verb.value,
        "summary": template.msgid % values,  # English, for exports and readers that predate describe()
        "detail_json": json.dumps({**(detail or {}), PARAMS: values}, sort_keys=True, default=str),
    }


def record(
    session: Session,
    *,
    request_id: int,
    actor: User | None,
    verb: Verb,
    params: dict[str, Any],
    work_order_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_key: str | None = None,
    at: dt.datetime | None = None,
) -> Activity:
    """Append one entry to a request's history.

    The verb must be in the registry (fieldops/activity/verbs.py) and `params` must fill exactly one of its summary
    templates; they are kept with the entry, so describe() can say it in each reader's language.
    """
    entry = Activity(
        request_id=request_id,
        work_order_id=work_order_id,
        actor_id=actor.id if actor is not None else None,
        source_key=source_key,
        created_at=at or utcnow(),
        **summary_fields(verb, params, detail),
    )
    session.add(entry)
    return entry


def render(template: Summary, params: dict[str, Any]) -> str:
    """A summary template in the current language: vocabulary looked up in the catalogues, the rest as written."""
    values = {k: gettext(v) if k in template.vocab and isinstance(v, str) and v else v for k, v in params.items()}
    return str(gettext(template.msgid)) % values


def describe(entry: Activity) -> str:
    """The entry's history line in the current request's language; rows from before parameters, as stored."""
    params = entry.params
    render_from_detail = info(entry.verb).render
    if render_from_detail is not None:
        line = render_from_detail(entry.detail)
        if line is not None:
            return line
    if params is None:
        return entry.summary
    template = info(entry.verb).summary_for(params.keys())
    if template is None:
        return entry.summary
    try:
        return render(template, params)
    except (KeyError, ValueError, TypeError):  # a broken translation: English rather than no line at all
        return template.msgid % params


def history(session: Session, request_id: int) -> list[Activity]:
    """A request's history, oldest first."""
    return list(
        session.scalars(
            sa.select(Activity).where(Activity.request_id == request_id).order_by(Activity.created_at, Activity.id)
        )
    )


def _refuse_history_edits(session: Session, flush_context: object, instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Activity) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("activity history is append-only")


def install_append_only_guard() -> None:
    """Refuse UPDATE/DELETE of Activity rows through the ORM (idempotent)."""
    if not event.contains(Session, "before_flush", _refuse_history_edits):
        event.listen(Session, "before_flush", _refuse_history_edits)
