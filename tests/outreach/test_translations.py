"""Every resident-facing and outreach page in English, Spanish, Portuguese and Haitian Creole, with no English left.

Two checks, so both kinds of mistake fail:
- every message the page translated while rendering has a real translation in the catalogue (catches a string
  wrapped in _() but never translated, or marked fuzzy);
- no visible text of the Spanish/Portuguese/Creole page is the same as a text of the English page, apart from data
  (names, numbers, addresses) listed per page (catches English never wrapped in _() at all).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, g

from factories import UNION_SQUARE, make_job
from fieldops.catalog.models import ServiceAttribute
from fieldops.open311.demo import DEMO_ATTRIBUTES
from fieldops.i18n import LANGUAGES, TRANSLATIONS_DIR, compile_catalogues
from helpers import login
from factories import make_event

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
# Translations that are rightly the same as the English (numbers with a unit, words borrowed as they are).
SAME_AS_ENGLISH = {"%(n)s h", "GPS (±%(metres)s m)", "CSV", "open311", "supervisor", "Normal", "No", "no", "web", "latitude", "longitude", "Menu"}
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


class _Texts(HTMLParser):
    """Visible text nodes and user-facing attribute values of a page's <body>."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value and self._in_body:
                self.texts.add(value.strip())
        values = dict(attrs)
        if tag == "input" and values.get("type") == "submit" and values.get("value") and self._in_body:
            self.texts.add(str(values["value"]).strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if self._in_body and not self._skip and re.search(r"[A-Za-z]{2}", text):
            self.texts.add(text)


def _texts(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


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


def _fresh_g() -> None:
    # Test-client requests share the test's app context, where Flask-Login and Flask-WTF cache the user and token.
    for name in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(name, None)


def _render(app: Flask, path: str, user: str | None, lang: str, record: list[str]) -> str:
    client = app.test_client()
    _fresh_g()
    if user:
        login(client, user)
    _fresh_g()
    # Record every message looked up while the page renders (templates and Python alike go through these).
    original_gettext, original_ngettext = Translations.ugettext, Translations.ungettext

    def spy(self, message):  # type: ignore[no-untyped-def]
        record.append(message)
        return original_gettext(self, message)

    def nspy(self, singular, plural, n):  # type: ignore[no-untyped-def]
        record.extend([singular])
        return original_ngettext(self, singular, plural, n)

    Translations.ugettext, Translations.ungettext = spy, nspy  # type: ignore[method-assign]
    try:
        sep = "&" if "?" in path else "?"
        resp = client.get(f"{path}{sep}lang={lang}")
    finally:
        Translations.ugettext, Translations.ungettext = original_gettext, original_ngettext  # type: ignore[method-assign]
    assert resp.status_code in (200, 404), (path, resp.status_code)
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    return html


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_pages_are_fully_translated(app, pages, lang: str) -> None:  # type: ignore[no-untyped-def]
    catalog = _catalog(lang)
    problems = []
    for path, user in pages["paths"]:
        english = _texts(_render(app, path, user, "en", []))
        used: list[str] = []
        translated = _texts(_render(app, path, user, lang, used))
        for msgid in sorted(set(used)):
            message = catalog.get(msgid)
            if message is None or not message.string or message.fuzzy:
                problems.append(f"{path} [{lang}]: no translation for {msgid!r}")
            elif message.string == msgid and msgid not in SAME_AS_ENGLISH:
                problems.append(f"{path} [{lang}]: translation of {msgid!r} is the English")
        # A word the language has borrowed as it is ("Menu" in Portuguese) may stand on the page as it does in English.
        for text in sorted(t for t in (translated & english) - pages["data"] - SAME_AS_ENGLISH if not t.startswith(("http://", "https://"))):
            if not any(d in text for d in pages["data"] if len(d) > 3 and text.replace(d, "").strip(" ·,()-") == ""):
                problems.append(f"{path} [{lang}]: English text on the page: {text!r}")
    assert problems == [], "\n".join(problems)


def test_english_pages_use_the_msgids(app, pages) -> None:  # type: ignore[no-untyped-def]
    # The spy above really sees the template's messages (so the test above can fail).
    used: list[str] = []
    _render(app, "/status", None, "en", used)
    assert "Check a request" in used


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_catalogues_are_complete_and_placeholders_match(lang: str) -> None:
    catalog = _catalog(lang)
    missing, broken = [], []
    for message in catalog:
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
