"""The service catalogue. init_app gives templates its texts in the reader's language (fieldops/catalog/texts.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The `catalog-translations` command and template filters: st|type_name, st|type_group, st|type_search, attr|question, attr|question_hint, key|choice(attr)."""
    from fieldops.catalog import texts
    from fieldops.catalog.cli import catalog_translations

    app.cli.add_command(catalog_translations)

    app.jinja_env.filters["type_name"] = lambda st: texts.type_name(st) if st is not None else ""
    app.jinja_env.filters["type_group"] = lambda st: texts.type_group(st) if st is not None else ""
    app.jinja_env.filters["type_search"] = texts.search_text
    app.jinja_env.filters["question"] = lambda attr: texts.attribute_text(attr, "description")
    app.jinja_env.filters["question_hint"] = lambda attr: texts.attribute_text(attr, "datatype_description")
    app.jinja_env.filters["choice"] = lambda key, attr: texts.choice_name(attr, key)
