"""The machinery of the "no English left" tests: render a page in each language and compare its visible texts.

Two checks, so both kinds of mistake fail:
- every message the page translated while rendering has a real translation in the catalogue (catches a string
  wrapped in _() but never translated, or marked fuzzy);
- no visible text of the Spanish/Portuguese/Creole page is the same as a text of the English page, apart from data
  (names, numbers, addresses) listed per page (catches English never wrapped in _() at all).
Used by tests/outreach/test_translations.py (resident and outreach pages) and tests/test_staff_translations.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, g

from fieldops.i18n import LANGUAGES, TRANSLATIONS_DIR
from helpers import login

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
# Translations that are rightly the same as the English (numbers with a unit, words borrowed as they are).
SAME_AS_ENGLISH = {"%(n)s h", "via %(channel)s", "%(when)s via %(channel)s", "GPS (±%(metres)s m)", "CSV", "open311", "supervisor", "Normal", "No", "no", "web", "latitude", "longitude", "Menu"}
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(code: str) -> Catalog:
    """The committed catalogue of one language."""
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


def texts(html: str) -> set[str]:
    """The visible texts of a page."""
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def _fresh_g() -> None:
    # Test-client requests share the test's app context, where Flask-Login and Flask-WTF cache the user and token.
    for name in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(name, None)


def render(app: Flask, path: str, user: str | None, lang: str, record: list[str], statuses: tuple[int, ...] = (200, 404)) -> str:
    """The page at `path` in `lang` as `user` sees it; every message looked up meanwhile is appended to `record`."""
    client = app.test_client()
    _fresh_g()
    if user:
        login(client, user)
    _fresh_g()
    # Record every message looked up while the page renders (templates and Python alike go through these).
    original_gettext, original_ngettext = Translations.ugettext, Translations.ungettext
    original_pgettext, original_npgettext = Translations.upgettext, Translations.unpgettext

    def spy(self, message):  # type: ignore[no-untyped-def]
        record.append(message)
        return original_gettext(self, message)

    def nspy(self, singular, plural, n):  # type: ignore[no-untyped-def]
        record.extend([singular])
        return original_ngettext(self, singular, plural, n)

    def pspy(self, context, message):  # type: ignore[no-untyped-def]
        record.append(message)
        return original_pgettext(self, context, message)

    def npspy(self, context, singular, plural, n):  # type: ignore[no-untyped-def]
        record.append(singular)
        return original_npgettext(self, context, singular, plural, n)

    Translations.ugettext, Translations.ungettext = spy, nspy  # type: ignore[method-assign]
    Translations.upgettext, Translations.unpgettext = pspy, npspy  # type: ignore[method-assign]
    try:
        sep = "&" if "?" in path else "?"
        resp = client.get(f"{path}{sep}lang={lang}")
    finally:
        Translations.ugettext, Translations.ungettext = original_gettext, original_ngettext  # type: ignore[method-assign]
        Translations.upgettext, Translations.unpgettext = original_pgettext, original_npgettext  # type: ignore[method-assign]
    assert resp.status_code in statuses, (path, resp.status_code)
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html, (path, lang)
    return html


def _catalog_message(cat: Catalog, msgid: str):  # type: ignore[no-untyped-def]
    message = cat.get(msgid)
    if message is None:  # a plural entry is keyed by its singular
        message = next((m for m in cat if isinstance(m.id, tuple) and m.id[0] == msgid), None)
    return message


def _only_data(text: str, data: set[str]) -> bool:
    """The text is data items joined by punctuation ("DPW Crew A · Alice Crew", "← 7KQ2-M9XD")."""
    rest = text
    for d in sorted((d for d in data if len(d) > 3), key=len, reverse=True):
        rest = rest.replace(d, " ")
    return rest != text and rest.strip(" ·,()-←→:") == ""


def untranslated(app: Flask, paths: Iterable[tuple[str, str | None]], data: set[str], lang: str, statuses: tuple[int, ...] = (200, 404)) -> list[str]:
    """Every message without a real translation and every English text left on the pages, in `lang`."""
    cat = catalog(lang)
    problems = []
    for path, user in paths:
        english = texts(render(app, path, user, "en", [], statuses))
        used: list[str] = []
        translated = texts(render(app, path, user, lang, used, statuses))
        for msgid in sorted(set(used)):
            message = _catalog_message(cat, msgid)
            strings = message.string if message is not None and isinstance(message.string, tuple) else (message.string if message else "",)
            if message is None or not all(strings) or message.fuzzy:
                problems.append(f"{path} [{lang}]: no translation for {msgid!r}")
            elif strings[0] == msgid and msgid not in SAME_AS_ENGLISH and re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", msgid)):
                problems.append(f"{path} [{lang}]: translation of {msgid!r} is the English")
        # A word the language has borrowed as it is ("Menu" in Portuguese) may stand on the page as it does in English.
        for text in sorted(t for t in (translated & english) - data - SAME_AS_ENGLISH if not t.startswith(("http://", "https://"))):
            if not _only_data(text, data):
                problems.append(f"{path} [{lang}]: English text on the page: {text!r}")
    return problems
