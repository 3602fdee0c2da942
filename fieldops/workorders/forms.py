"""The crew's work-order forms read once, into typed values, with the shared rules of fieldops/web/validation.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from fieldops.photos.models import PhotoKind
from fieldops.web import validation
from fieldops.web.validation import FieldError
from fieldops.workorders.models import WorkOrderStatus


@dataclass(frozen=True)
class StatusForm:
    """A move of a work order to another status; `version` is the one the crew's page showed (None: not checked)."""

    to: WorkOrderStatus
    version: int | None
    resolution: str
    reason: str


def status_form(values: Mapping[str, str]) -> StatusForm:
    to = validation.choice(values.get("to"), WorkOrderStatus, "to", "Choose a status to move the work order to.")
    if to is None:
        raise FieldError("to", _("Choose a status to move the work order to."))
    return StatusForm(
        to=to,
        version=validation.whole_number(values.get("version"), "version", _("version")),
        resolution=values.get("resolution", ""),
        reason=values.get("reason", ""),
    )


def photo_kind(values: Mapping[str, str]) -> PhotoKind:
    """Whether the uploaded photos are the "before" or the "after" ones."""
    kind = validation.choice(values.get("kind"), PhotoKind, "kind", "Say whether these are “before” or “after” photos.")
    if kind is None:
        raise FieldError("kind", _("Say whether these are “before” or “after” photos."))
    return kind
