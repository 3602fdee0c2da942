"""A sync conflict's reason: stored as structure, said in the reader's language when it is read.

A conflict used to be an English sentence built when it was filed ("Sam completed this work order at 10:12 while
you were offline; your closure was kept for a supervisor to review."). Now the handler files what happened (a
`Reason`: a situation code and its parameters, what of the change was kept, how many photos), and `describe`
says it with gettext in the current language (the 409 in the sender's, the conflicts page and the history in the
reader's), with times in the city's zone as the page's language writes them.

Storage: `SyncConflict.reason` keeps the JSON of the Reason behind the MARKER prefix (no schema change: the
column is text, and rows filed before this are plain English sentences, which `describe` shows as they are).
The history entry keeps the same structure in its detail (DETAIL_KEY) and the English sentence as its parameter,
for exports and older readers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask_babel import force_locale, gettext, ngettext

from fieldops.i18n import format_locale, local_datetime

# Marks a stored reason as the JSON of a Reason (an English sentence never starts with it).
MARKER = "fieldops-conflict:"
# Where a "sync:conflict" history entry keeps the Reason.
DETAIL_KEY = "conflict_reason"

# Situations (what happened meanwhile) and their parameters.
WO_CLOSED = "wo_closed"  # status
WO_CLOSED_BY_YOU = "wo_closed_by_you"  # status, at
WO_CLOSED_BY = "wo_closed_by"  # status, at, who (None: unknown)
WO_REASSIGNED = "wo_reassigned"  # holder (a person's or a crew's name)
WO_TAKEN_OFF = "wo_taken_off"
VISIT_DONE = "visit_done"  # visit, status ("recorded" or "cancelled")
VISIT_DONE_BY_YOU = "visit_done_by_you"  # visit, status, at
VISIT_DONE_BY = "visit_done_by"  # visit, status, at, who (None: unknown)
VISIT_GIVEN = "visit_given"  # visit, who (None: unknown)

# What of the change was kept.
KEPT_CLOSURE = "closure"
KEPT_UNABLE = "unable"
KEPT_STATUS = "status"  # to: the status value asked for
KEPT_ANSWERS = "answers"


@dataclasses.dataclass(frozen=True)
class Reason:
    """What happened to the record while the tablet was offline, and what of the change was kept."""

    situation: str
    kept: str
    photos: int = 0
    # The situation's parameters: who (a name), at (ISO UTC time), status (a code), holder, visit (an id).
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # The kept code's parameter: the status a status change asked for.
    to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"situation": self.situation, "params": dict(self.params), "kept": self.kept, "to": self.to, "photos": self.photos}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            situation=str(data["situation"]),
            kept=str(data["kept"]),
            photos=int(data.get("photos") or 0),
            params=dict(data.get("params") or {}),
            to=data.get("to"),
        )


def stored(reason: Reason) -> str:
    """The text kept in SyncConflict.reason."""
    return MARKER + json.dumps(reason.to_json(), sort_keys=True, ensure_ascii=False)


def parse(text: str) -> Reason | None:
    """The Reason behind a stored text; None for an older row's English sentence (or anything unreadable)."""
    if not text.startswith(MARKER):
        return None
    try:
        return Reason.from_json(json.loads(text[len(MARKER) :]))
    except (ValueError, KeyError, TypeError):
        return None


def describe_stored(text: str, zone: ZoneInfo) -> str:
    """A stored reason in the current language; an older row's English sentence as it was stored."""
    reason = parse(text)
    if reason is None:
        return text
    return describe(reason, zone)


def describe_english(reason: Reason, zone: ZoneInfo) -> str:
    """The reason in English (the history entry's stored summary, for exports)."""
    with force_locale("en"):
        return describe(reason, zone)


def describe(reason: Reason, zone: ZoneInfo, now: dt.datetime | None = None) -> str:
    """ "<situation>; <what was kept> [and N photos] was/were kept for a supervisor to review." in the current language."""
    try:
        return _say(reason, zone, now)
    except (KeyError, ValueError, TypeError):  # a broken translation: English rather than no reason at all
        pass
    try:
        with force_locale("en"):
            return _say(reason, zone, now)
    except (KeyError, ValueError, TypeError):  # a situation from a newer version: at least its code
        return reason.situation


def _say(reason: Reason, zone: ZoneInfo, now: dt.datetime | None) -> str:
    return gettext("%(situation)s; %(kept)s.", situation=_situation(reason, zone, now), kept=_kept(reason))


def _when(at: dt.datetime, zone: ZoneInfo, now: dt.datetime | None, *, always_day: bool = False) -> str:
    """ "at 10:12 AM" today, "on Nov 30 at 10:12 AM" another day (in the city's zone, as the language writes them)."""
    local = at.astimezone(zone)
    time = local_datetime(at, zone, "time")
    today = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone).date()
    if local.date() == today and not always_day:
        return gettext("at %(time)s", time=time)
    return gettext("on %(day)s at %(time)s", day=format_skeleton("MMMd", local, locale=format_locale()), time=time)


def _at(params: Mapping[str, Any]) -> dt.datetime:
    at = dt.datetime.fromisoformat(str(params["at"]))
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)


def _situation(reason: Reason, zone: ZoneInfo, now: dt.datetime | None) -> str:
    p = reason.params
    s = reason.situation
    if s == WO_CLOSED:
        return {
            "cancelled": gettext("This work order was cancelled while you were offline"),
            "completed": gettext("This work order was completed while you were offline"),
            "unable_to_complete": gettext("This work order was marked unable to complete while you were offline"),
        }[p["status"]]
    if s == WO_CLOSED_BY_YOU:
        when = _when(_at(p), zone, now)
        return {
            "cancelled": gettext("You already cancelled this work order %(when)s", when=when),
            "completed": gettext("You already completed this work order %(when)s", when=when),
            "unable_to_complete": gettext("You already marked unable to complete this work order %(when)s", when=when),
        }[p["status"]]
    if s == WO_CLOSED_BY:
        when = _when(_at(p), zone, now)
        who = p.get("who") or gettext("Someone")
        return {
            "cancelled": gettext("%(who)s cancelled this work order %(when)s while you were offline", who=who, when=when),
            "completed": gettext("%(who)s completed this work order %(when)s while you were offline", who=who, when=when),
            "unable_to_complete": gettext(
                "%(who)s marked unable to complete this work order %(when)s while you were offline", who=who, when=when
            ),
        }[p["status"]]
    if s == WO_REASSIGNED:
        return gettext("This work order was reassigned to %(holder)s while you were offline", holder=p["holder"])
    if s == WO_TAKEN_OFF:
        return gettext("This work order was taken off your list while you were offline")
    visit = p.get("visit")
    if s == VISIT_DONE:
        if p["status"] == "cancelled":
            return gettext("Follow-up visit #%(visit)s was cancelled while you were offline", visit=visit)
        return gettext("Follow-up visit #%(visit)s was recorded while you were offline", visit=visit)
    if s == VISIT_DONE_BY_YOU:
        when = _when(_at(p), zone, now, always_day=True)
        if p["status"] == "cancelled":
            return gettext("You already cancelled follow-up visit #%(visit)s %(when)s", visit=visit, when=when)
        return gettext("You already recorded follow-up visit #%(visit)s %(when)s", visit=visit, when=when)
    if s == VISIT_DONE_BY:
        when = _when(_at(p), zone, now, always_day=True)
        who = p.get("who") or gettext("Someone")
        if p["status"] == "cancelled":
            return gettext("%(who)s cancelled follow-up visit #%(visit)s %(when)s, while you were offline", who=who, visit=visit, when=when)
        return gettext("%(who)s recorded follow-up visit #%(visit)s %(when)s, while you were offline", who=who, visit=visit, when=when)
    if s == VISIT_GIVEN:
        who = p.get("who") or gettext("someone else")
        return gettext("Follow-up visit #%(visit)s was given to %(who)s while you were offline", visit=visit, who=who)
    raise ValueError(s)


def _kept(reason: Reason) -> str:
    n = reason.photos
    if reason.kept == KEPT_CLOSURE:
        if n:
            return ngettext(
                "your closure and %(num)d photo were kept for a supervisor to review",
                "your closure and %(num)d photos were kept for a supervisor to review",
                n,
            )
        return gettext("your closure was kept for a supervisor to review")
    if reason.kept == KEPT_UNABLE:
        if n:
            return ngettext(
                "your “unable to complete” report and %(num)d photo were kept for a supervisor to review",
                "your “unable to complete” report and %(num)d photos were kept for a supervisor to review",
                n,
            )
        return gettext("your “unable to complete” report was kept for a supervisor to review")
    if reason.kept == KEPT_STATUS:
        from fieldops.workorders.models import WorkOrderStatus

        status = gettext(WorkOrderStatus(str(reason.to)).label).lower()
        if n:
            return ngettext(
                "your change to “%(status)s” and %(num)d photo were kept for a supervisor to review",
                "your change to “%(status)s” and %(num)d photos were kept for a supervisor to review",
                n,
                status=status,
            )
        return gettext("your change to “%(status)s” was kept for a supervisor to review", status=status)
    if reason.kept == KEPT_ANSWERS:
        if n:
            return ngettext(
                "your answers and %(num)d photo were kept for a supervisor to review",
                "your answers and %(num)d photos were kept for a supervisor to review",
                n,
            )
        return gettext("your answers were kept for a supervisor to review")
    raise ValueError(reason.kept)


def _city_zone() -> ZoneInfo:
    from fieldops import get_settings

    return ZoneInfo(get_settings().timezone)


def reason_text(text: str) -> str:
    """A SyncConflict's stored reason for the current reader (the conflicts page, the conflicts API)."""
    return describe_stored(text, _city_zone())


def describe_detail(detail: Mapping[str, Any]) -> str | None:
    """A "sync:conflict" history entry's line from the Reason in its detail; None for an entry from before them."""
    data = detail.get(DETAIL_KEY)
    if not isinstance(data, Mapping):
        return None
    try:
        reason = Reason.from_json(data)
    except (KeyError, ValueError, TypeError):
        return None
    return describe(reason, _city_zone())
