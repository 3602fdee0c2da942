"""The service catalogue's texts in a reader's language: type names, groups, keywords, questions and choices.

A text is looked up, in order:
1. the row's own `translations[lang]` (a type or question a city added itself, translated in its data:
   no deploy, no .po edit; see README "Translating the service catalogue");
2. the .po catalogues, with the English text as msgid (the demo/seed catalogue's texts are there, marked in
   fieldops/catalog/seed_texts.py, and a city may add its own the same way);
3. the English text as stored.
English pages (and Open311 without `locale`) always get the stored text. The type search matches every
language at once (search_text), so "rats" still finds the rodent type on a Spanish page and "bache" the pothole
on an English one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from fieldops.catalog.models import Department, ServiceAttribute, ServiceType
from fieldops.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language

TYPE_FIELDS = ("name", "group", "keywords", "description")
ATTRIBUTE_FIELDS = ("description", "datatype_description")


def _lang(lang: str | None) -> str:
    return lang if lang is not None else current_language()


def _catalogue(text: str, lang: str) -> str:
    """The .po catalogues' translation of `text` into `lang`, or `text`."""
    if not text or lang == DEFAULT_LANGUAGE or lang not in LANGUAGES or not has_request_context():
        return text
    if lang == current_language():
        return str(gettext(text))
    with force_locale(lang):
        return str(gettext(text))


def _own(translations: Mapping[str, Any] | None, lang: str, field: str) -> str:
    entry = (translations or {}).get(lang)
    value = entry.get(field) if isinstance(entry, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def _row_text(row: ServiceType | ServiceAttribute, field: str, lang: str | None) -> str:
    """A catalogue row's text in `lang`: its own translation, else the .po catalogues', else the stored English."""
    english: str = getattr(row, field) or ""
    code = _lang(lang)
    if code == DEFAULT_LANGUAGE:
        return english
    return _own(row.translations, code, field) or _catalogue(english, code)


def type_text(st: ServiceType, field: str, lang: str | None = None) -> str:
    """One of a type's texts (name, group, keywords, description) in `lang` (default: the page's), else English."""
    return _row_text(st, field, lang)


def type_name(st: ServiceType, lang: str | None = None) -> str:
    """The type's name in `lang` (default: the page's language)."""
    return type_text(st, "name", lang)


def type_group(st: ServiceType, lang: str | None = None) -> str:
    """The type's group in `lang`."""
    return type_text(st, "group", lang)


def department_name(department: Department, lang: str | None = None) -> str:
    """A department's name in `lang` (the .po catalogues carry the demo's departments: fieldops/i18n.py)."""
    return _catalogue(department.name, _lang(lang))


def attribute_text(attr: ServiceAttribute, field: str = "description", lang: str | None = None) -> str:
    """A question's text (description) or its hint (datatype_description) in `lang`, else English."""
    return _row_text(attr, field, lang)


def choice_name(attr: ServiceAttribute, key: object, lang: str | None = None) -> str:
    """The label of one of a list question's choices (by key) in `lang`, else its English name, else the key."""
    value = next((v for v in attr.values if str(v.get("key")) == str(key)), None)
    english = str(value.get("name") or value.get("key")) if value is not None else str(key)
    code = _lang(lang)
    if code == DEFAULT_LANGUAGE or value is None:
        return english
    entry = (attr.translations or {}).get(code)
    names = entry.get("values") if isinstance(entry, Mapping) else None
    own = names.get(str(key)) if isinstance(names, Mapping) else None
    return own.strip() if isinstance(own, str) and own.strip() else _catalogue(english, code)


def search_text(st: ServiceType) -> str:
    """What the type search matches, lower case: name, keywords and group in English and in every UI language.

    Every language, not only the page's: staff on an English page typing a Spanish-speaking resident's "bache"
    find the pothole too, and a Spanish page still finds "rats".
    """
    parts = [st.name, st.keywords, st.group]
    for code in LANGUAGES:
        if code != DEFAULT_LANGUAGE:
            parts += [type_text(st, f, code) for f in ("name", "keywords", "group")]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return " ".join(seen).lower()


def by_type_name(types: Iterable[ServiceType], lang: str | None = None) -> list[ServiceType]:
    """Service types in the alphabetical order of their names in `lang` (the reader's language by default): menus."""
    return sorted(types, key=lambda st: (type_name(st, lang).casefold(), st.id))


def type_choices(session: Session, lang: str | None = None) -> list[tuple[int, str]]:
    """Every service type as (id, name in `lang`), in that language's alphabetical order: filter menus."""
    rows = [(st.id, type_name(st, lang)) for st in session.scalars(sa.select(ServiceType))]
    return sorted(rows, key=lambda row: (row[1].casefold(), row[0]))


def check_translations(translations: object, fields: tuple[str, ...], *, with_values: bool = False) -> dict[str, dict[str, Any]]:
    """A clean `translations` value for a row: {lang: {field: text}} with known languages and fields only.

    Raises ValueError naming what is wrong, so an admin command or import can say it.
    """
    if not isinstance(translations, Mapping):
        raise ValueError("translations must be an object: {language: {field: text}}")
    clean: dict[str, dict[str, Any]] = {}
    for lang, entry in translations.items():
        if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
            raise ValueError(f"unknown language {lang!r}: use one of {', '.join(c for c in LANGUAGES if c != DEFAULT_LANGUAGE)}")
        if not isinstance(entry, Mapping):
            raise ValueError(f"translations[{lang!r}] must be an object")
        out: dict[str, Any] = {}
        for field, text in entry.items():
            if field == "values" and with_values:
                if not isinstance(text, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in text.items()):
                    raise ValueError(f"translations[{lang!r}]['values'] must map choice keys to labels")
                out["values"] = {k: v.strip() for k, v in text.items() if v.strip()}
            elif field in fields:
                if not isinstance(text, str):
                    raise ValueError(f"translations[{lang!r}][{field!r}] must be text")
                if text.strip():
                    out[field] = text.strip()
            else:
                raise ValueError(f"unknown field {field!r} in translations[{lang!r}]: use {', '.join(fields)}")
        if out:
            clean[lang] = out
    return clean


def import_translations(session: Session, data: object) -> list[str]:
    """Set types' and questions' own translations from {code: {lang: {...}, "attributes": {CODE: {lang: {...}}}}}.

    Each type named is given exactly the translations in `data` (a language left out is removed), so the file is
    the whole truth for those types; types not named are left alone. Returns one line per type changed; raises
    ValueError naming the first problem, before anything changes.
    """
    if not isinstance(data, Mapping):
        raise ValueError("the file must be an object: {service code: {language: {field: text}, \"attributes\": {...}}}")
    planned: list[tuple[ServiceType, dict[str, dict[str, Any]], dict[ServiceAttribute, dict[str, dict[str, Any]]]]] = []
    for code, entry in data.items():
        st = session.scalar(sa.select(ServiceType).where(ServiceType.code == code))
        if st is None:
            raise ValueError(f"there is no service type {code!r}")
        if not isinstance(entry, Mapping):
            raise ValueError(f"{code}: must be an object")
        questions = entry.get("attributes", {})
        if not isinstance(questions, Mapping):
            raise ValueError(f"{code}: 'attributes' must map question codes to translations")
        try:
            own = check_translations({k: v for k, v in entry.items() if k != "attributes"}, TYPE_FIELDS)
            by_code = {a.code: a for a in st.attributes}
            attrs: dict[ServiceAttribute, dict[str, dict[str, Any]]] = {}
            for attr_code, translations in questions.items():
                if attr_code not in by_code:
                    raise ValueError(f"no question {attr_code!r}")
                attr = by_code[attr_code]
                attrs[attr] = check_translations(translations, ATTRIBUTE_FIELDS, with_values=True)
                keys = {str(v.get("key")) for v in attr.values}
                for lang, fields in attrs[attr].items():
                    unknown = sorted(set(fields.get("values", {})) - keys)
                    if unknown:
                        raise ValueError(f"{attr_code}: {unknown[0]!r} is not one of its choices ({', '.join(sorted(keys))})")
        except ValueError as exc:
            raise ValueError(f"{code}: {exc}") from None
        planned.append((st, own, attrs))
    done: list[str] = []
    for st, own, attrs in planned:
        st.translations = own
        for attr, translations in attrs.items():
            attr.translations = translations
        done.append(f"{st.code}: {', '.join(sorted(own)) or 'no'} type translations, {len(attrs)} question(s)")
    session.flush()
    return done
