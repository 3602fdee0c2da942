"""The shared parse rules (fieldops/web/validation.py) every form, the sync API and Open311 use: one message a kind."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from fieldops.web import validation
from fieldops.web.validation import FieldError


def _refusal(rule: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(FieldError) as caught:
        rule(*args, **kwargs)
    return caught.value.field, caught.value.message


@pytest.mark.parametrize(("lat", "lon", "point"), [("42.36", " -71.06 ", (42.36, -71.06)), ("", None, None), (0, 0.0, (0.0, 0.0))])
def test_a_point_is_both_coordinates_or_neither(lat: Any, lon: Any, point: Any) -> None:
    assert validation.point(lat, lon) == point


@pytest.mark.parametrize(
    ("lat", "lon", "field", "message"),
    [
        ("north", "1", "latitude", "The latitude is not a number."),
        ("nan", "1", "latitude", "The latitude is not a number."),
        ("1", "inf", "longitude", "The longitude is not a number."),
        (True, "1", "latitude", "The latitude is not a number."),
        ("91", "1", "latitude", "Latitude must be between -90 and 90."),
        ("1", "-180.5", "longitude", "Longitude must be between -180 and 180."),
        ("1", "", "longitude", "Give both latitude and longitude, or neither."),
    ],
)
def test_a_bad_point_names_its_field_with_the_one_message_of_its_kind(lat: Any, lon: Any, field: str, message: str) -> None:
    assert _refusal(validation.point, lat, lon) == (field, message)


def test_typed_coordinates_are_latitude_then_longitude() -> None:
    assert validation.typed_point("42.36, -71.06") == (42.36, -71.06)
    assert validation.typed_point("42.36 -71.06") == (42.36, -71.06)
    assert validation.typed_point("  ") is None
    for typed in ("42.36", "1, 2, 3", "x" * 100):
        assert _refusal(validation.typed_point, typed) == ("coordinates", "Type the coordinates as two numbers, latitude then longitude.")
    # Off the globe (here a longitude typed first): said so, for the field the person typed in.
    assert _refusal(validation.typed_point, "-171.06, 42.36") == ("coordinates", "Latitude must be between -90 and 90.")


def test_whole_numbers_are_bounded_by_what_a_column_holds() -> None:
    assert validation.whole_number(" 12 ", "count") == 12
    assert validation.whole_number("", "count") is None
    assert _refusal(validation.whole_number, "", "count", "number of residents", required=True) == ("count", "The number of residents must be a whole number.")
    for bad in ("1.5", "12abc", True, 2.0, "9" * 30):
        assert _refusal(validation.whole_number, bad, "count") == ("count", "The count must be a whole number.")
    assert _refusal(validation.whole_number, "8", "day", minimum=1, maximum=7) == ("day", "The day must be between 1 and 7.")
    # An id a form could not have offered is refused before it reaches the database (PostgreSQL integer overflow).
    assert validation.record_id("2147483647", "crew_id") == 2147483647
    assert _refusal(validation.record_id, "2147483648", "crew_id", "crew")[1] == "The crew must be between 1 and 2147483647."
    assert _refusal(validation.record_id, "0", "crew_id", "crew")[0] == "crew_id"


class Colour(enum.StrEnum):
    RED = "red"


def test_a_choice_is_one_of_the_options_or_nothing() -> None:
    assert validation.choice(" red ", Colour, "colour", "Choose a colour.") is Colour.RED
    assert validation.choice("", Colour, "colour", "Choose a colour.") is None
    assert _refusal(validation.choice, "blue", Colour, "colour", "Choose a colour.") == ("colour", "Choose a colour.")
