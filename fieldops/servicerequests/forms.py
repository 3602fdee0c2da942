"""The intake form read once, into typed values: the view never reaches into request.form itself.

The rules (numbers, places, lengths) are the shared ones of fieldops/web/validation.py, so a report typed here is
held to what the outbox and Open311 are held to; the service checks the text and contact fields the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from fieldops.web import validation

# Form fields carrying answers to a type's questions: attr.<service type code>.<attribute code>.
ATTR_PREFIX = "attr."


@dataclass(frozen=True)
class IntakeForm(validation.PointFields):
    """A resident's report as staff typed it on the page without JavaScript."""

    service_type_code: str
    point: tuple[float, float] | None
    attributes: dict[str, list[str]]
    confirmed_new: bool
    duplicate_of: str
    staged_photo_ids: list[str]
    # The free text and contact fields, checked by the service (validation.resident_report) with the duplicate check.
    report: dict[str, Any] = field(default_factory=dict)


def last_value(form: MultiDict[str, str], name: str) -> str:
    """The last value of a field given more than once (the hidden input, then the button that was pressed)."""
    return next((v.strip() for v in reversed(form.getlist(name)) if v.strip()), "")


def form_point(form: Mapping[str, str]) -> tuple[float, float] | None:
    """The report's point: the coordinates typed where there is no map, else the map picker's hidden fields."""
    typed = form.get("coordinates", "")
    if typed.strip():
        return validation.typed_point(typed)
    return validation.point(form.get("latitude"), form.get("longitude"))


def intake_form(form: MultiDict[str, str]) -> IntakeForm:
    code = form.get("service_type", "").strip()
    prefix = f"{ATTR_PREFIX}{code}."
    return IntakeForm(
        service_type_code=code,
        point=form_point(form),
        attributes={key[len(prefix) :]: form.getlist(key) for key in form if key.startswith(prefix)},
        confirmed_new=bool(last_value(form, "not_duplicate")),
        duplicate_of=last_value(form, "duplicate_of"),
        staged_photo_ids=form.getlist("staged_photo"),
        report={
            "description_language": form.get("description_language", ""),
            "description": form.get("description", ""),
            "address": form.get("address", ""),
            "resident_name": form.get("resident_name", ""),
            "resident_phone": form.get("resident_phone", ""),
            "resident_email": form.get("resident_email", ""),
            "resident_language": form.get("resident_language", "en"),
            "contact_consent": bool(form.get("contact_consent")),
        },
    )
