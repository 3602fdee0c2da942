"""The dispatch forms and the triage query string, read once into typed values (fieldops/web/validation.py rules).

Ids come back as ids: the view looks the rows up, so a parse never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from fieldops.dispatch.services import TriageFilters
from fieldops.servicerequests.models import Channel
from fieldops.web import validation
from fieldops.web.validation import FieldError
from fieldops.workorders.models import Priority


def triage_filters(values: Mapping[str, str]) -> TriageFilters:
    """The triage queue's filters, from its query string (or the form that carries them along)."""
    channel = validation.choice(values.get("channel"), Channel, "channel", _("Unknown channel %(channel)r.", channel=values.get("channel", "")))
    return TriageFilters(
        service_type_id=validation.record_id(values.get("type"), "type", _("service type")),
        department_id=validation.record_id(values.get("department"), "department", _("department")),
        district_id=validation.record_id(values.get("district"), "district", _("district")),
        channel=channel,
        age=(values.get("age") or "").strip(),
        overdue_only=values.get("overdue") in ("1", "on", "true"),
        sort=(values.get("sort") or "oldest").strip(),
        page=validation.whole_number(values.get("page"), "page", _("page"), minimum=1) or 1,
    )


@dataclass(frozen=True)
class Assignment:
    """Who a work order goes to: a crew, and optionally one of its members."""

    crew_id: int | None
    assignee_id: int | None


def assignment(values: Mapping[str, str]) -> Assignment:
    return Assignment(
        crew_id=validation.record_id(values.get("crew_id"), "crew_id", _("crew")),
        assignee_id=validation.record_id(values.get("assignee_id"), "assignee_id", _("assignee")),
    )


@dataclass(frozen=True)
class AssignForm:
    """A new work order for a request."""

    assignment: Assignment
    priority: int
    instructions: str


def assign_form(values: Mapping[str, str]) -> AssignForm:
    priority = validation.whole_number(values.get("priority"), "priority", _("priority")) or int(Priority.NORMAL)
    if priority not in set(Priority):
        raise FieldError("priority", _("Priority is 1 (emergency), 2 (high), 3 (normal) or 4 (low)."))
    return AssignForm(assignment=assignment(values), priority=priority, instructions=values.get("instructions", ""))


@dataclass(frozen=True)
class ReassignForm:
    """A work order moved to another crew or person; `version` is the one the supervisor's page showed."""

    assignment: Assignment
    version: int | None


def reassign_form(values: Mapping[str, str]) -> ReassignForm:
    return ReassignForm(assignment=assignment(values), version=validation.whole_number(values.get("version"), "version", _("version")))


@dataclass(frozen=True)
class MergeForm:
    """Which other request (typed tracking number first, else the one picked) and which of the two survives."""

    other: str
    keep_this: bool


def merge_form(values: Mapping[str, str]) -> MergeForm:
    chosen = values.get("other_typed", "").strip() or values.get("other", "").strip()
    if not chosen:
        raise FieldError("other", _("Choose the other request, or type its tracking number."))
    return MergeForm(other=chosen, keep_this=values.get("keep") == "this")


@dataclass(frozen=True)
class TransferForm:
    """Where a request goes: a department (its own when none is chosen) and maybe a service type there."""

    department_id: int | None
    service_type_id: int | None
    reason: str


def transfer_form(values: Mapping[str, str]) -> TransferForm:
    return TransferForm(
        department_id=validation.record_id(values.get("department_id"), "department_id", _("department")),
        service_type_id=validation.record_id(values.get("service_type_id"), "service_type_id", _("service type")),
        reason=values.get("reason", ""),
    )
