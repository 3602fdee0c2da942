"""The catalogue's texts in the reader's language (fieldops/catalog/texts.py): the row's own translations, then the
.po catalogues, then English; the type search's text; the seed catalogue translated in every language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from babel.messages.pofile import read_po
from flask import Flask, g

from fieldops.catalog import texts
from fieldops.catalog.models import AttributeType, Department, ServiceAttribute, ServiceType
from fieldops.catalog.seed_texts import SEED_TEXTS
from fieldops.i18n import CATALOGUE_NAMES, TRANSLATIONS_DIR
from fieldops.open311.demo import DEMO_ATTRIBUTES
from fieldops.workorders.demo import DEPARTMENTS, KEYWORDS, SERVICE_TYPES


@contextmanager
def _page(app: Flask, lang: str) -> Iterator[None]:
    """A request for a page in `lang` (Flask-Babel caches the locale in g, which the test's app context keeps)."""
    with app.test_request_context(f"/?lang={lang}"):
        g.pop("_flask_babel", None)
        yield


def _pothole() -> ServiceType:
    st = ServiceType(code="pothole", name="Pothole", group="Public Works", keywords="pothole, hole, road, street, asphalt",
                     department=Department(code="PWD", name="Public Works"), translations={})
    st.attributes = [ServiceAttribute(order=i, translations={}, **q) for i, q in enumerate(DEMO_ATTRIBUTES["pothole"], start=1)]  # type: ignore[arg-type]
    return st


def _city_type() -> ServiceType:
    """A type a city added itself, translated in its own data (not in the .po files)."""
    st = ServiceType(code="snow", name="Unshovelled sidewalk", group="Snow", keywords="snow, ice", description="Snow not cleared",
                     department=Department(code="PWD", name="Public Works"),
                     translations={"es": {"name": "Acera sin palear", "keywords": "nieve, hielo"}, "pt": {"name": "Calçada sem limpar"}})
    st.attributes = [
        ServiceAttribute(code="SURFACE", datatype=AttributeType.SINGLEVALUELIST, order=1, description="What is on it?",
                         values=[{"key": "snow", "name": "Snow"}, {"key": "ice", "name": "Ice"}],
                         translations={"es": {"description": "¿Qué hay?", "values": {"ice": "Hielo"}}}),
    ]
    return st


def test_english_is_the_stored_text(app: Flask) -> None:
    st = _pothole()
    with _page(app, "en"):
        assert texts.type_name(st) == "Pothole"
        assert texts.attribute_text(st.attributes[0]) == "Where is the pothole?"
        assert texts.choice_name(st.attributes[0], "crosswalk") == "In a crosswalk"


def test_seed_texts_come_from_the_po_catalogues(app: Flask) -> None:
    st = _pothole()
    where, size, notice = st.attributes
    with _page(app, "es"):
        assert texts.type_name(st) == "Bache"
        assert texts.type_group(st) == "Obras Públicas"
        assert texts.attribute_text(where) == "¿Dónde está el bache?"
        assert texts.choice_name(where, "street") == "En la calle"
        assert texts.attribute_text(size, "datatype_description") == "Un número, p. ej., 12"
        assert "City Clerk" in texts.attribute_text(notice) and texts.attribute_text(notice).startswith("Si un bache")
        # Another language than the page's, as Open311's ?locale= asks.
        assert texts.attribute_text(where, lang="ht") == "Ki kote twou a ye?"
        assert texts.type_name(st, "en") == "Pothole"


def test_a_citys_own_translations_come_first_then_po_then_english(app: Flask) -> None:
    st = _city_type()
    surface = st.attributes[0]
    with _page(app, "es"):
        assert texts.type_name(st) == "Acera sin palear"
        assert texts.type_text(st, "keywords") == "nieve, hielo"
        assert texts.type_group(st) == "Snow"  # not translated anywhere: English
        assert texts.attribute_text(surface) == "¿Qué hay?"
        assert texts.choice_name(surface, "ice") == "Hielo"
        assert texts.choice_name(surface, "snow") == "Snow"  # this choice untranslated: English
        assert texts.choice_name(surface, "hail") == "hail"  # not a choice: the key as it is
    with _page(app, "ht"):
        assert texts.type_name(st) == "Unshovelled sidewalk"  # no Creole given
        assert texts.attribute_text(surface) == "What is on it?"
    with _page(app, "pt"):
        assert texts.type_name(st) == "Calçada sem limpar"
    # A row translation beats the .po catalogue for the same text.
    pothole = _pothole()
    pothole.translations = {"es": {"name": "Hoyo en la calle"}}
    with _page(app, "es"):
        assert texts.type_name(pothole) == "Hoyo en la calle"


def test_outside_a_request_everything_is_english() -> None:
    st = _pothole()
    assert texts.type_name(st, "es") == "Pothole"  # no app, no catalogues: the stored text, never an error
    assert texts.type_name(_city_type(), "es") == "Acera sin palear"  # the row's own still applies


def test_search_text_has_every_language_and_english(app: Flask) -> None:
    rodent = ServiceType(code="rodent", name="Rodent activity", group="Inspectional Services", keywords=KEYWORDS["rodent"], translations={})
    pothole = _pothole()
    with _page(app, "es"):
        hay = texts.search_text(pothole)
        assert "bache" in hay and "pothole" in hay and "buraco" in hay and "obras públicas" in hay
        rodents = texts.search_text(rodent)
        assert "rats" in rodents and "rata" in rodents and "roedor" in rodents
        assert "nieve" in texts.search_text(_city_type())
    with _page(app, "en"):
        assert "bache" in texts.search_text(pothole)  # staff on an English page, resident speaking Spanish


@pytest.mark.parametrize("lang", ["es", "pt", "ht"])
def test_every_seed_catalogue_text_is_marked_and_translated(lang: str) -> None:
    marked = {str(m._args[0]) for m in (*SEED_TEXTS, *CATALOGUE_NAMES)}  # type: ignore[attr-defined]
    english = {name for _, name in DEPARTMENTS} | {row[1] for row in SERVICE_TYPES} | set(KEYWORDS.values())
    for questions in DEMO_ATTRIBUTES.values():
        for q in questions:
            english |= {str(q["description"]), str(q.get("datatype_description") or "")} - {""}
            english |= {str(v["name"]) for v in q.get("values", [])}  # type: ignore[attr-defined]
    assert english - marked == set()
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    untranslated = sorted(t for t in english if catalog.get(t) is None or not catalog.get(t).string)
    assert untranslated == []


def test_check_translations_keeps_known_languages_and_fields() -> None:
    assert texts.check_translations({"es": {"name": " Bache ", "keywords": ""}}, texts.TYPE_FIELDS) == {"es": {"name": "Bache"}}
    assert texts.check_translations({"es": {"values": {"a": "A"}}}, texts.ATTRIBUTE_FIELDS, with_values=True) == {"es": {"values": {"a": "A"}}}
    for bad, why in (
        ({"fr": {"name": "Nid-de-poule"}}, "unknown language"),
        ({"en": {"name": "Pothole"}}, "unknown language"),
        ({"es": {"title": "x"}}, "unknown field"),
        ({"es": {"name": 3}}, "must be text"),
        ({"es": "Bache"}, "must be an object"),
        (["es"], "must be an object"),
    ):
        with pytest.raises(ValueError, match=why):
            texts.check_translations(bad, texts.TYPE_FIELDS)


def test_a_city_translates_its_own_types_from_a_file(app: Flask, session, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fieldops.catalog.cli import catalog_translations

    city.pothole.attributes.append(ServiceAttribute(order=1, **DEMO_ATTRIBUTES["pothole"][0]))  # type: ignore[arg-type]
    session.commit()
    good = tmp_path / "translations.json"
    good.write_text(json.dumps({"pothole": {"es": {"name": "Hoyo", "keywords": "hoyo, hueco"}, "ht": {"name": "Twou"},
                                            "attributes": {"WHERE": {"es": {"description": "¿Dónde?", "values": {"street": "Calle"}}}}}}))
    runner = app.test_cli_runner()
    result = runner.invoke(catalog_translations, [str(good)])
    assert result.exit_code == 0, result.output
    assert "pothole: es, ht type translations, 1 question(s)" in result.output
    session.expire_all()
    with _page(app, "es"):
        assert texts.type_name(city.pothole) == "Hoyo"
        assert texts.choice_name(city.pothole.attributes[0], "street") == "Calle"
        assert texts.choice_name(city.pothole.attributes[0], "crosswalk") == "En un paso de peatones"  # from the .po files
    for bad, why in (
        ({"nope": {}}, "no service type 'nope'"),
        ({"pothole": {"fr": {"name": "Nid"}}}, "unknown language"),
        ({"pothole": {"attributes": {"WHERE": {"es": {"values": {"moon": "Luna"}}}}}}, "'moon' is not one of its choices"),
        ({"pothole": {"attributes": {"SIZE": {}}}}, "no question 'SIZE'"),
    ):
        good.write_text(json.dumps(bad))
        result = runner.invoke(catalog_translations, [str(good)])
        assert result.exit_code != 0 and why in result.output, (bad, result.output)
    session.expire_all()
    assert city.pothole.translations["es"]["name"] == "Hoyo"  # a refused file changes nothing
