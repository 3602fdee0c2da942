"""Every resident-facing and outreach page in English, Spanish, Portuguese and Haitian Creole, with no English left.

The checks are in tests/translation_check.py (shared with tests/test_staff_translations.py): every message a page
translated has a real translation, and no visible text of a Spanish/Portuguese/Creole page is the same as a text of
the English page, apart from data (names, numbers, addresses) listed per page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import UNION_SQUARE, make_event, make_job
from fieldops.catalog.models import ServiceAttribute
from fieldops.open311.demo import DEMO_ATTRIBUTES
from fieldops.i18n import LANGUAGES, TRANSLATIONS_DIR, compile_catalogues
from translation_check import OTHER_LANGUAGES, PLACEHOLDER, catalog, render, untranslated


@pytest.fixture
def pages(session, city):  # type: ignore[no-untyped-def]
    """The pages under test (path, signed-in user or None) and the data that may appear untranslated on them.

    /requests/new shows the pothole's questions and choices, and its type search; the receipt and status page the
    type's name."""
    event = make_event(session, city)
    # The demo's pothole questions (a choice list, a number with a hint, a notice), so the New request page shows a
    # type's questions and choices: catalogue data, translated through the .po files (fieldops/catalog/texts.py).
    for order, question in enumerate(DEMO_ATTRIBUTES["pothole"], start=1):
        city.pothole.attributes.append(ServiceAttribute(order=order, **question))
    wo = make_job(session, city, at=UNION_SQUARE)
    session.commit()
    tracking = wo.request.tracking_number
    data = {tracking, event.name, "Union Square Plaza", "Ward 2", "Olga Outreach", "fieldops", "fieldops demo city", "Maria Resident",
            *LANGUAGES.values(), "中文", "Tiếng Việt", "العربية", "Sam Supervisor"}
    return {
        "paths": [
            ("/requests/new", "olga"),
            ("/events", "olga"),
            (f"/events/{event.id}", "olga"),
            (f"/requests/{tracking}/receipt", "olga"),
            (f"/status/{tracking}", None),
            ("/status", None),
            ("/status?tracking=ZZZZ-ZZZZ", None),
            ("/login", None),
        ],
        "data": data,
    }


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_pages_are_fully_translated(app, pages, lang: str) -> None:  # type: ignore[no-untyped-def]
    problems = untranslated(app, pages["paths"], pages["data"], lang)
    assert problems == [], "\n".join(problems)


def test_english_pages_use_the_msgids(app, pages) -> None:  # type: ignore[no-untyped-def]
    # The spy above really sees the template's messages (so the test above can fail).
    used: list[str] = []
    render(app, "/status", None, "en", used)
    assert "Check a request" in used


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_catalogues_are_complete_and_placeholders_match(lang: str) -> None:
    cat = catalog(lang)
    missing, broken = [], []
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(ids[0])
            continue
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            # A translation may drop a count it spells out, never use a name the code does not pass.
            if not set(PLACEHOLDER.findall(s)) <= wanted | set(PLACEHOLDER.findall(ids[-1])):
                broken.append((ids[0], s))
            if s.count("<") != ids[0].count("<"):
                broken.append((ids[0], s))
    assert missing == [], f"{len(missing)} messages untranslated in {lang}, e.g. {missing[:5]}"
    assert broken == []


def test_catalogues_compile_only_when_changed(tmp_path: Path) -> None:
    assert sorted(compile_catalogues(TRANSLATIONS_DIR, tmp_path)) == sorted(OTHER_LANGUAGES)
    assert compile_catalogues(TRANSLATIONS_DIR, tmp_path) == []  # unchanged: nothing to do
    mo = tmp_path / "es" / "LC_MESSAGES" / "messages.mo"
    (tmp_path / "es" / "LC_MESSAGES" / "messages.sha256").write_text("stale")
    assert compile_catalogues(TRANSLATIONS_DIR, tmp_path) == ["es"] and mo.stat().st_size > 1000
