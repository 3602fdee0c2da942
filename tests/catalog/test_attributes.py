"""Answers to service definition questions are checked by datatype (fieldops/catalog/attributes.py)."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from fieldops.catalog.attributes import MAX_STRING_LENGTH, validate_answers
from fieldops.catalog.models import AttributeType, Department, ServiceAttribute, ServiceType
from fieldops.errors import DomainError


def _service() -> ServiceType:
    """An in-memory service type with one attribute of every datatype (no database needed)."""
    st = ServiceType(code="tree", name="Tree problem", department=Department(code="P", name="Parks"))
    st.attributes = [
        ServiceAttribute(code="WHERE", datatype=AttributeType.SINGLEVALUELIST, required=True, order=1, description="Where is the tree?",
                         values=[{"key": "street", "name": "Street"}, {"key": "park", "name": "Park"}]),
        ServiceAttribute(code="PROBLEMS", datatype=AttributeType.MULTIVALUELIST, order=2, description="What is wrong?",
                         values=[{"key": "dead", "name": "Dead"}, {"key": "limb", "name": "Fallen limb"}, {"key": "roots", "name": "Roots"}]),
        ServiceAttribute(code="HEIGHT", datatype=AttributeType.NUMBER, order=3, description="Height in feet"),
        ServiceAttribute(code="SEEN", datatype=AttributeType.DATETIME, order=4, description="When did you see it?"),
        ServiceAttribute(code="SPECIES", datatype=AttributeType.STRING, order=5, description="Species"),
        ServiceAttribute(code="DETAILS", datatype=AttributeType.TEXT, order=6, description="More details"),
        ServiceAttribute(code="NOTICE", datatype=AttributeType.STRING, variable=False, required=True, order=0,
                         description="Call 911 if the tree blocks a road."),
    ]
    return st


def test_every_datatype_is_cleaned() -> None:
    answers = validate_answers(
        _service(),
        {
            "WHERE": ["park"],
            "PROBLEMS": ["roots", "dead", "roots"],
            "HEIGHT": ["12.5"],
            "SEEN": ["2024-05-01T14:30:00-04:00"],
            "SPECIES": ["  Oak "],
            "DETAILS": ["Leaning over\nthe path"],
        },
    )
    assert answers == {
        "WHERE": "park",
        # Definition order, each once.
        "PROBLEMS": ["dead", "roots"],
        "HEIGHT": 12.5,
        "SEEN": "2024-05-01T18:30:00+00:00",
        "SPECIES": "Oak",
        "DETAILS": "Leaning over\nthe path",
    }


def test_optional_answers_may_be_missing_or_blank() -> None:
    assert validate_answers(_service(), {"WHERE": ["street"], "HEIGHT": [""], "PROBLEMS": []}) == {"WHERE": "street"}


def test_z_suffix_is_a_time_zone() -> None:
    assert validate_answers(_service(), {"WHERE": ["street"], "SEEN": ["2024-05-01T14:30:00Z"]})["SEEN"] == "2024-05-01T14:30:00+00:00"


def test_non_variable_attributes_are_ignored_even_if_required() -> None:
    assert validate_answers(_service(), {"WHERE": ["street"], "NOTICE": ["anything"]}) == {"WHERE": "street"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "'WHERE' (Where is the tree?) is required"),
        ({"WHERE": ["  "]}, "'WHERE' (Where is the tree?) is required"),
        ({"WHERE": ["garden"]}, "'WHERE' (Where is the tree?): 'garden' is not one of street, park"),
        ({"WHERE": ["street", "park"]}, "'WHERE' (Where is the tree?) takes one value, not 2"),
        ({"WHERE": ["street"], "PROBLEMS": ["dead", "fire"]}, "'PROBLEMS' (What is wrong?): 'fire' is not one of dead, limb, roots"),
        ({"WHERE": ["street"], "HEIGHT": ["tall"]}, "'HEIGHT' (Height in feet) must be a number"),
        ({"WHERE": ["street"], "HEIGHT": ["nan"]}, "'HEIGHT' (Height in feet) must be a finite number"),
        ({"WHERE": ["street"], "HEIGHT": ["inf"]}, "'HEIGHT' (Height in feet) must be a finite number"),
        ({"WHERE": ["street"], "SEEN": ["yesterday"]}, "'SEEN' (When did you see it?) must be an ISO 8601"),
        ({"WHERE": ["street"], "SEEN": ["2024-05-01T14:30:00"]}, "'SEEN' (When did you see it?) needs a time zone"),
        ({"WHERE": ["street"], "SPECIES": ["x" * (MAX_STRING_LENGTH + 1)]}, "'SPECIES' (Species) is longer than"),
        ({"WHERE": ["street"], "COLOUR": ["green"]}, "Unknown attribute 'COLOUR' for service 'tree'"),
    ],
)
def test_bad_answers_are_refused_naming_the_attribute(raw: dict[str, list[str]], message: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_answers(_service(), raw)
    assert message in caught.value.message


def test_service_without_attributes_accepts_nothing_but_nothing() -> None:
    st = ServiceType(code="pothole", name="Pothole")
    st.attributes = []
    assert validate_answers(st, {}) == {}
    with pytest.raises(DomainError, match="Unknown attribute 'x'"):
        validate_answers(st, {"x": ["1"]})


def test_refusals_are_in_the_readers_language_naming_the_question_as_they_read_it(app) -> None:  # type: ignore[no-untyped-def]
    st = _service()
    st.attributes[0].translations = {"es": {"description": "¿Dónde está el árbol?"}}
    # refresh(): Flask-Babel keeps the locale it chose in the test's app context, which these requests share.
    with app.test_request_context("/?lang=es"):
        refresh()
        with pytest.raises(DomainError) as caught:
            validate_answers(st, {"WHERE": ["garden"]})
        assert caught.value.message == "Atributo 'WHERE' (¿Dónde está el árbol?): 'garden' no es uno de street, park."
        with pytest.raises(DomainError) as caught:
            validate_answers(st, {"WHERE": ["street"], "HEIGHT": ["tall"]})
        assert caught.value.message == "El atributo 'HEIGHT' (Height in feet) debe ser un número, no 'tall'."
    with app.test_request_context("/"):  # English readers: the message as before
        refresh()
        with pytest.raises(DomainError) as caught:
            validate_answers(st, {"WHERE": ["garden"]})
        assert caught.value.message == "Attribute 'WHERE' (Where is the tree?): 'garden' is not one of street, park."
