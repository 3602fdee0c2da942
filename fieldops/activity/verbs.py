"""The one registry of history verbs: what each means to the public, to Open311 and to the status page.

Every history entry is written with a `Verb` (activity.record refuses anything else), and every public reader
(the status page, Open311 notes) takes its words from here, so a verb cannot be written under one name and read
under another. A verb with no public entry stays private: default deny. Free-text summaries are never published.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

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
    STATUS_ASSIGNED = "status:assigned"
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


@dataclass(frozen=True)
class VerbInfo:
    # The step a resident sees on the public status page (translated when the page renders); None: not shown.
    status_step: LazyString | None = None
    # The note Open311 publishes; None: not published.
    open311: PublicNote | None = None


_MERGED_STEP = _l("Added to an existing request")
_MERGED_NOTE = PublicNote("activity", "Merged into an earlier report of the same problem")
_DUPLICATE_STEP = _l("Another resident reported the same problem")
_DUPLICATE_NOTE = PublicNote("activity", "Another report of the same problem was merged into this request")

REGISTRY: dict[Verb, VerbInfo] = {
    Verb.REQUEST_CREATED: VerbInfo(_l("Reported"), PublicNote("opened", "Request opened")),
    Verb.REQUEST_IMPORTED: VerbInfo(),
    Verb.REQUEST_PUBLIC_TEXT: VerbInfo(),
    # Transfer reasons and the crews involved are internal; agency_responsible shows the new department.
    Verb.REQUEST_TRANSFERRED: VerbInfo(_l("Passed to another department"), PublicNote("activity", "Transferred to another department")),
    Verb.REQUEST_MERGED: VerbInfo(_MERGED_STEP, _MERGED_NOTE),
    Verb.REQUEST_DUPLICATE_MERGED: VerbInfo(_DUPLICATE_STEP, _DUPLICATE_NOTE),
    Verb.LEGACY_REQUEST_DUPLICATE: VerbInfo(_MERGED_STEP, _MERGED_NOTE),
    Verb.LEGACY_REQUEST_DUPLICATE_ADDED: VerbInfo(_DUPLICATE_STEP, _DUPLICATE_NOTE),
    Verb.WORKORDER_CREATED: VerbInfo(_l("Scheduled for a city crew"), PublicNote("activity", "Work scheduled")),
    Verb.WORKORDER_REASSIGNED: VerbInfo(None, PublicNote("activity", "Reassigned to another crew")),
    Verb.STATUS_ASSIGNED: VerbInfo(None, PublicNote("activity", "Assigned to a crew")),
    Verb.STATUS_EN_ROUTE: VerbInfo(_l("Crew on the way"), PublicNote("activity", "Crew on the way")),
    Verb.STATUS_ON_SITE: VerbInfo(_l("Crew at the location"), PublicNote("activity", "Crew on site")),
    # The crew's resolution is the public answer to the request (Boston publishes it as CLOSURE_REASON).
    Verb.STATUS_COMPLETED: VerbInfo(_l("Work completed"), PublicNote("activity", "Work completed")),
    # The crew's reason is operational detail (access, safety, other people): not published.
    Verb.STATUS_UNABLE_TO_COMPLETE: VerbInfo(
        _l("The crew could not finish; the city is reviewing the request"),
        PublicNote("activity", "The crew could not complete the work; the request is being reviewed"),
    ),
    Verb.STATUS_CANCELLED: VerbInfo(_l("Work order cancelled"), PublicNote("activity", "Work order cancelled")),
    Verb.PHOTO_BEFORE: VerbInfo(),
    Verb.PHOTO_AFTER: VerbInfo(),
    Verb.PHOTO_INTAKE: VerbInfo(),
    Verb.PHOTO_VISIT: VerbInfo(),
    Verb.NOTE: VerbInfo(),
    Verb.SYNC_CONFLICT: VerbInfo(),
    Verb.SYNC_RESOLVED: VerbInfo(),
    # The new due time is published as expected_datetime; the recompute itself is internal.
    Verb.SLA_RECOMPUTED: VerbInfo(),
    Verb.VISIT_PLANNED: VerbInfo(),
    Verb.VISIT_ADDED: VerbInfo(),
    Verb.VISIT_ASSIGNED: VerbInfo(),
    Verb.VISIT_CANCELLED: VerbInfo(),
    # The visit's answers and comments are private; that a visit was made is not.
    Verb.VISIT_DONE: VerbInfo(_l("Follow-up visit made")),
    Verb.VISIT_LEFT_CARD: VerbInfo(),
    Verb.VISIT_NOT_HOME: VerbInfo(),
    Verb.VISIT_FOLLOW_ON: VerbInfo(_l("The problem was not fixed: a follow-up request was opened")),
    Verb.VISIT_FOLLOW_ON_OF: VerbInfo(),
}

# Verbs that close a request as a duplicate of another, new and legacy.
DUPLICATE_CLOSURES = frozenset({Verb.REQUEST_MERGED, Verb.LEGACY_REQUEST_DUPLICATE})


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
