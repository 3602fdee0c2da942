"""The follow-up visit forms read once, into typed values, with the shared rules of fieldops/web/validation.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from fieldops.visits.models import Resolution, VisitOutcome
from fieldops.web import validation
from fieldops.web.validation import FieldError


@dataclass(frozen=True)
class OutcomeForm:
    """What happened at the door, as the outreach worker recorded it on the page without JavaScript."""

    outcome: VisitOutcome
    resolved: Resolution | None
    satisfaction: int | None
    comments: str
    language: str


def outcome_form(values: Mapping[str, str]) -> OutcomeForm:
    outcome = validation.choice(values.get("outcome"), VisitOutcome, "outcome", _("Say whether the resident was reached or not home."))
    if outcome is None:
        raise FieldError("outcome", _("Say whether the resident was reached or not home."))
    return OutcomeForm(
        outcome=outcome,
        resolved=validation.choice(values.get("resolved"), Resolution, "resolved", _("“Is it fixed?” is answered yes, partly or no.")),
        satisfaction=validation.whole_number(values.get("satisfaction"), "satisfaction", _("satisfaction")),
        comments=values.get("comments", ""),
        language=values.get("language", "en"),
    )


def assignee_id(values: Mapping[str, str]) -> int | None:
    """The person a visit is given to; None for anyone on outreach."""
    return validation.record_id(values.get("assignee_id"), "assignee_id", _("person"))


def start_point(args: Mapping[str, str]) -> tuple[float, float] | None:
    """Where today's route starts (?from=latitude,longitude, from the device's position); None for nowhere given."""
    return validation.typed_point(args.get("from"), "from")
