"""The one registry of history verbs: what each means to the public, to Open311 and to the status page.

Every history entry is written with a `Verb` (activity.record refuses anything else), and every public reader
(the status page, Open311 notes) takes its words from here, so a verb cannot be written under one name and read
under another. A verb with no public entry stays private: default deny. Free-text summaries are never published.

Staff read the history in their own language: each verb has one or more summary templates (gettext messages with
named placeholders). record() keeps the parameters with the entry and picks the template whose placeholders are
exactly the parameters given; describe() renders it in the reader's language. Parameters are kept as written
(names, numbers, what a person typed), except those a template lists as vocabulary (status names, channels,
service types, departments, photo kinds...), which are looked up in the catalogues when the line is shown.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Verb(enum.StrEnum):
    REQUEST_CREATED = "request:created"
    REQUEST_IMPORTED = "request:imported"
    REQUEST_TRANSFERRED = "request:transferred"
    # A supervisor set or cleared the public description (moderation); who and the lengths, never the words.
    REQUEST_PUBLIC_TEXT = "request:public_text"
    # Closed as a duplicate of another request, by a dispatcher's merge or by outreach's "Add to this request".
    REQUEST_MERGED = "request:merged"
    # On the surviving request: another report of the same problem was closed into it.
    REQUEST_DUPLICATE_MERGED = "request:duplicate_merged"
    # Written before merge and "add to this request" shared one rule; still read in older databases.
    LEGACY_REQUEST_DUPLICATE = "request:duplicate"
    LEGACY_REQUEST_DUPLICATE_ADDED = "request:duplicate_added"
    WORKORDER_CREATED = "workorder:created"
    WORKORDER_REASSIGNED = "workorder:reassigned"
    STATUS_EN_ROUTE = "status:en_route"
    STATUS_ON_SITE = "status:on_site"
    STATUS_COMPLETED = "status:completed"
    STATUS_UNABLE_TO_COMPLETE = "status:unable_to_complete"
    STATUS_CANCELLED = "status:cancelled"
    PHOTO_BEFORE = "photo:before"
    PHOTO_AFTER = "photo:after"
    PHOTO_INTAKE = "photo:intake"
    PHOTO_VISIT = "photo:visit"
    NOTE = "note"
    SYNC_CONFLICT = "sync:conflict"
    SYNC_RESOLVED = "sync:resolved"
    SLA_RECOMPUTED = "sla:recomputed"
    VISIT_PLANNED = "visit:planned"
    VISIT_ADDED = "visit:added"
    VISIT_ASSIGNED = "visit:assigned"
    VISIT_CANCELLED = "visit:cancelled"
    VISIT_DONE = "visit:done"
    VISIT_LEFT_CARD = "visit:left_card"
    VISIT_NOT_HOME = "visit:not_home"
    # On the original request: the visitor found the problem not (fully) fixed and a follow-on request was opened.
    VISIT_FOLLOW_ON = "visit:follow_on"
    # On the follow-on request: which request and visit it follows.
    VISIT_FOLLOW_ON_OF = "visit:follow_on_of"


@dataclass(frozen=True)
class PublicNote:
    """How Open311 publishes a verb: the note's type and its summary (English, as GeoReport clients expect)."""

    type: str
    summary: str


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Summary:
    """One way to say a history entry: a lazily translated message with %(name)s placeholders."""

    text: LazyString
    # Placeholders whose values are vocabulary (stored in English, translated when shown); the rest stay as written.
    vocab: frozenset[str] = frozenset()

    @property
    def msgid(self) -> str:
        """The English message (the catalogues' key), whatever the current language."""
        return str(self.text._args[0])

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.msgid))


def _s(text: LazyString, *vocab: str) -> Summary:
    return Summary(text, frozenset(vocab))


@dataclass(frozen=True)
class VerbInfo:
    # The step a resident sees on the public status page (translated when the page renders); None: not shown.
    status_step: LazyString | None = None
    # The note Open311 publishes; None: not published.
    open311: PublicNote | None = None
    # How staff read the entry (see the module docstring); empty only for legacy verbs nobody writes any more.
    summaries: tuple[Summary, ...] = field(default=())
    # A verb whose line is said from structure in the entry's detail rather than from a template: render(detail)
    # gives the line in the current language, or None (an older entry: its template, or its stored summary).
    render: Callable[[dict[str, Any]], str | None] | None = None

    def summary_for(self, keys: Iterable[str]) -> Summary | None:
        """The template whose placeholders are exactly these parameters, or None."""
        wanted = frozenset(keys)
        return next((s for s in self.summaries if s.keys == wanted), None)


# Values of vocabulary parameters written by the code itself (the catalogue's names and codes are in fieldops/i18n.py).
PHRASES = (
    _l("nobody"),
    _l("none"),
    _l("the SLA clock continues"),
    _l("the SLA clock restarts"),
    _l("resolved"),
    _l("partly resolved"),
    _l("not resolved"),
)

_STATUS = (
    _s(_l("%(from_status)s → %(to_status)s"), "from_status", "to_status"),
    _s(_l("%(from_status)s → %(to_status)s: %(resolution)s"), "from_status", "to_status"),
    _s(_l("%(from_status)s → %(to_status)s: %(reason)s"), "from_status", "to_status"),
    _s(_l("%(from_status)s → %(to_status)s: request merged into %(survivor)s"), "from_status", "to_status"),
    _s(_l("%(from_status)s → %(to_status)s: transferred to %(department)s: %(reason)s"), "from_status", "to_status", "department"),
)
_PHOTO = (_s(_l("Added a %(kind)s photo"), "kind"),)


_MERGED_STEP = _l("Added to an existing request")
_MERGED_NOTE = PublicNote("activity", "Merged into an earlier report of the same problem")
_DUPLICATE_STEP = _l("Another resident reported the same problem")
_DUPLICATE_NOTE = PublicNote("activity", "Another report of the same problem was merged into this request")

_VISIT_DONE = (
    _s(_l("Follow-up visit #%(visit)s: resident reached, %(resolved)s"), "resolved"),
    _s(_l("Follow-up visit #%(visit)s: resident reached, %(resolved)s, satisfaction %(satisfaction)s/5"), "resolved"),
    _s(_l("Follow-up visit #%(visit)s: resident reached, %(resolved)s. Comments: %(comments)s"), "resolved"),
    _s(_l("Follow-up visit #%(visit)s: resident reached, %(resolved)s, satisfaction %(satisfaction)s/5. Comments: %(comments)s"), "resolved"),
)
_LEFT_CARD = (
    _s(_l("Follow-up visit #%(visit)s: nobody home (attempt %(attempt)s), left a card; visit closed")),
    _s(_l("Follow-up visit #%(visit)s: nobody home (attempt %(attempt)s), left a card; visit closed. Comments: %(comments)s")),
)
_NOT_HOME = (
    _s(_l("Follow-up visit #%(visit)s: nobody home (attempt %(attempt)s of %(attempts)s); will try again")),
    _s(_l("Follow-up visit #%(visit)s: nobody home (attempt %(attempt)s of %(attempts)s); will try again. Comments: %(comments)s")),
)

REGISTRY: dict[Verb, VerbInfo] = {
    Verb.REQUEST_CREATED: VerbInfo(
        _l("Reported"), PublicNote("opened", "Request opened"), (_s(_l("%(service)s reported via %(channel)s"), "service", "channel"),)
    ),
    Verb.REQUEST_IMPORTED: VerbInfo(summaries=(_s(_l("Imported from %(file)s, row %(row)s")),)),
    # Lengths, never the words.
    Verb.REQUEST_PUBLIC_TEXT: VerbInfo(
        summaries=(
            _s(_l("Public description set (%(old_length)s → %(new_length)s characters)")),
            _s(_l("Public description cleared (%(old_length)s → 0 characters)")),
        )
    ),
    # Transfer reasons and the crews involved are internal; agency_responsible shows the new department.
    Verb.REQUEST_TRANSFERRED: VerbInfo(
        _l("Passed to another department"),
        PublicNote("activity", "Transferred to another department"),
        (
            _s(
                _l("Transferred from %(from_department)s to %(department)s: %(reason)s. Because %(clock)s, it is due %(due)s."),
                "from_department", "department", "clock",
            ),
            _s(
                _l("Transferred from %(from_department)s to %(department)s as %(service)s: %(reason)s. Because %(clock)s, it is due %(due)s."),
                "from_department", "department", "service", "clock",
            ),
        ),
    ),
    Verb.REQUEST_MERGED: VerbInfo(
        _MERGED_STEP,
        _MERGED_NOTE,
        (
            _s(_l("Closed: Duplicate of %(survivor)s")),
            _s(_l("Closed: Duplicate of %(request)s: this report was added to that request.")),
            _s(_l("Now a duplicate of %(survivor)s (%(via)s was merged into it)")),
        ),
    ),
    Verb.REQUEST_DUPLICATE_MERGED: VerbInfo(
        _DUPLICATE_STEP,
        _DUPLICATE_NOTE,
        (
            _s(_l("%(duplicate)s merged into this request as a duplicate")),
            _s(_l("Another report of this problem was added (%(report)s)")),
            _s(_l("Another report of this problem was added (%(report)s) at the outreach event “%(event)s”")),
        ),
    ),
    # Legacy verbs: read in older databases (their stored summary is shown), never written.
    Verb.LEGACY_REQUEST_DUPLICATE: VerbInfo(_MERGED_STEP, _MERGED_NOTE),
    Verb.LEGACY_REQUEST_DUPLICATE_ADDED: VerbInfo(_DUPLICATE_STEP, _DUPLICATE_NOTE),
    Verb.WORKORDER_CREATED: VerbInfo(
        _l("Scheduled for a city crew"),
        PublicNote("activity", "Work scheduled"),
        (
            _s(_l("Work order #%(work_order)s created, assigned to %(holder)s")),
            _s(_l("Work order #%(work_order)s created, assigned to nobody yet")),
        ),
    ),
    Verb.WORKORDER_REASSIGNED: VerbInfo(
        None,
        PublicNote("activity", "Reassigned to another crew"),
        (
            _s(_l("Reassigned from %(before)s to %(after)s"), "before", "after"),
            _s(_l("Reassigned from %(before)s to %(after)s (%(from_status)s → %(to_status)s)"), "before", "after", "from_status", "to_status"),
        ),
    ),
    Verb.STATUS_EN_ROUTE: VerbInfo(_l("Crew on the way"), PublicNote("activity", "Crew on the way"), _STATUS),
    Verb.STATUS_ON_SITE: VerbInfo(_l("Crew at the location"), PublicNote("activity", "Crew on site"), _STATUS),
    # The crew's resolution is the public answer to the request (Boston publishes it as CLOSURE_REASON).
    Verb.STATUS_COMPLETED: VerbInfo(_l("Work completed"), PublicNote("activity", "Work completed"), _STATUS),
    # The crew's reason is operational detail (access, safety, other people): not published.
    Verb.STATUS_UNABLE_TO_COMPLETE: VerbInfo(
        _l("The crew could not finish; the city is reviewing the request"),
        PublicNote("activity", "The crew could not complete the work; the request is being reviewed"),
        _STATUS,
    ),
    Verb.STATUS_CANCELLED: VerbInfo(_l("Work order cancelled"), PublicNote("activity", "Work order cancelled"), _STATUS),
    Verb.PHOTO_BEFORE: VerbInfo(summaries=_PHOTO),
    Verb.PHOTO_AFTER: VerbInfo(summaries=_PHOTO),
    Verb.PHOTO_INTAKE: VerbInfo(summaries=_PHOTO),
    Verb.PHOTO_VISIT: VerbInfo(summaries=_PHOTO),
    # What a person typed, as typed.
    Verb.NOTE: VerbInfo(summaries=(_s(_l("%(text)s")),)),
    # What happened meanwhile and what was kept: said from the structure fieldops/sync/reasons.py keeps in the
    # detail (the sync feature registers the renderer); %(reason)s is its English sentence (the stored summary),
    # shown as it is for older entries.
    Verb.SYNC_CONFLICT: VerbInfo(summaries=(_s(_l("%(reason)s")),)),
    Verb.SYNC_RESOLVED: VerbInfo(summaries=(_s(_l("Sync conflict resolved: %(note)s")),)),
    # The new due time is published as expected_datetime; the recompute itself is internal.
    Verb.SLA_RECOMPUTED: VerbInfo(
        summaries=(
            _s(_l("Due time changed from %(old_due)s to %(new_due)s: %(reason)s."), "old_due"),
            _s(_l("Due time changed from %(old_due)s to %(new_due)s: service standard or calendar changed."), "old_due"),
        )
    ),
    Verb.VISIT_PLANNED: VerbInfo(
        summaries=(
            _s(_l("Follow-up visit #%(visit)s planned %(hours)s h after closure (%(service)s: every request)"), "service"),
            _s(_l("Follow-up visit #%(visit)s planned %(hours)s h after closure (%(service)s: a %(percent)s%% sample)"), "service"),
        )
    ),
    Verb.VISIT_ADDED: VerbInfo(
        summaries=(
            _s(_l("Follow-up visit #%(visit)s added by hand")),
            _s(_l("Follow-up visit #%(visit)s added by hand, assigned to %(assignee)s")),
        )
    ),
    Verb.VISIT_ASSIGNED: VerbInfo(
        summaries=(
            _s(_l("Follow-up visit #%(visit)s assigned to %(assignee)s")),
            _s(_l("Follow-up visit #%(visit)s assigned to any outreach worker")),
        )
    ),
    Verb.VISIT_CANCELLED: VerbInfo(
        summaries=(
            _s(_l("Follow-up visit #%(visit)s cancelled")),
            _s(_l("Follow-up visit #%(visit)s cancelled: %(reason)s")),
        )
    ),
    # The visit's answers and comments are private; that a visit was made is not.
    Verb.VISIT_DONE: VerbInfo(_l("Follow-up visit made"), summaries=_VISIT_DONE),
    Verb.VISIT_LEFT_CARD: VerbInfo(summaries=_LEFT_CARD),
    Verb.VISIT_NOT_HOME: VerbInfo(summaries=_NOT_HOME),
    Verb.VISIT_FOLLOW_ON: VerbInfo(
        _l("The problem was not fixed: a follow-up request was opened"),
        summaries=(_s(_l("Follow-up visit: %(resolved)s → follow-on %(follow_on)s"), "resolved"),),
    ),
    Verb.VISIT_FOLLOW_ON_OF: VerbInfo(
        summaries=(_s(_l("Opened because follow-up visit #%(visit)s found %(original)s %(resolved)s"), "resolved"),),
    ),
}

# Verbs only older versions wrote: still read (their stored summary is shown), refused by record().
LEGACY = frozenset({Verb.LEGACY_REQUEST_DUPLICATE, Verb.LEGACY_REQUEST_DUPLICATE_ADDED})

# Verbs that close a request as a duplicate of another, new and legacy.
DUPLICATE_CLOSURES = frozenset({Verb.REQUEST_MERGED, Verb.LEGACY_REQUEST_DUPLICATE})


def register_render(verb: Verb, render: Callable[[dict[str, Any]], str | None]) -> None:
    """Let the feature that writes `verb` say its lines from the structure it keeps in the entry's detail (the
    sync feature does for sync:conflict, at init_app); registering the same renderer again changes nothing."""
    REGISTRY[verb] = dataclasses.replace(REGISTRY[verb], render=render)


def info(verb: str) -> VerbInfo:
    """The registry entry of a stored verb; an unknown one (a newer version's) is private."""
    try:
        return REGISTRY[Verb(verb)]
    except ValueError:
        return VerbInfo()


def status_page_verbs() -> dict[str, LazyString]:
    """Verb -> the step a resident sees on the status page."""
    return {v.value: i.status_step for v, i in REGISTRY.items() if i.status_step is not None}


def open311_verbs() -> dict[str, PublicNote]:
    """Verb -> the note Open311 publishes."""
    return {v.value: i.open311 for v, i in REGISTRY.items() if i.open311 is not None}
