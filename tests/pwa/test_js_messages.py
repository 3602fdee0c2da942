"""Every word the page scripts show goes through t(key, fallback) of pwa/js/i18n.js and is translated.

- every t("key", ...) and plural("key", ...) in pwa/js has its key in fieldops/i18n.py JS_MESSAGES (plural keys as
  key.one and key.other), or, for visits.js, in the page catalogue templates/visits/_messages.html;
- the script's English fallback is the catalogue's English, so the two cannot drift apart;
- every JS message has a real translation in Spanish, Portuguese and Haitian Creole;
- no script writes an English literal straight into the page (textContent, flash, confirm, an outbox error).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from fieldops.i18n import JS_MESSAGES
from translation_check import OTHER_LANGUAGES, PLACEHOLDER, SAME_AS_ENGLISH, catalog

JS = Path(__file__).resolve().parents[2] / "pwa" / "js"
VISIT_MESSAGES = Path(__file__).resolve().parents[2] / "templates" / "visits" / "_messages.html"
_STRING = r'"((?:[^"\\]|\\.)*)"'
T_CALL = re.compile(r'(?<![\w.$])t\(\s*"([\w.]+)"\s*,\s*' + _STRING)
PLURAL_CALL = re.compile(r'(?<![\w.$])plural\(\s*"([\w.]+)"\s*,[^{]*\{\s*one:\s*' + _STRING + r'\s*,\s*other:\s*' + _STRING)
# English written into the page without t(): a literal right after one of these.
RAW_TEXT = re.compile(r'(?:textContent\s*=|flash\(|confirm\(|lastError:)\s*(?:[^;"]*\?\s*)?"([^"]*[A-Za-z]{2}[^"]*)"')


def _scripts() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(JS.glob("*.js"))}


def _english(app: Flask) -> dict[str, str]:
    with app.test_request_context(), force_locale("en"):
        return {key: str(text) for key, text in JS_MESSAGES.items()}


def test_every_key_a_script_uses_is_in_the_catalogue_with_the_same_english(app: Flask) -> None:
    english = _english(app)
    visit_keys = set(re.findall(r'"(\w+)":', VISIT_MESSAGES.read_text()))
    problems, seen = [], 0
    for name, source in _scripts().items():
        for key, fallback in T_CALL.findall(source):
            seen += 1
            if name == "visits.js":  # its own catalogue (translator("visit-messages")), rendered with the page
                if key not in visit_keys:
                    problems.append(f"{name}: t({key!r}) is not in templates/visits/_messages.html")
            elif key not in english:
                problems.append(f"{name}: t({key!r}) is not in JS_MESSAGES")
            elif english[key] != fallback.encode().decode("unicode_escape").encode("latin-1").decode("utf-8"):
                problems.append(f"{name}: t({key!r}) falls back to {fallback!r}, the catalogue says {english[key]!r}")
        for key, one, other in PLURAL_CALL.findall(source):
            seen += 1
            for category, fallback in (("one", one), ("other", other)):
                if f"{key}.{category}" not in english:
                    problems.append(f"{name}: plural({key!r}) has no {key}.{category} in JS_MESSAGES")
                elif english[f"{key}.{category}"] != fallback:
                    problems.append(f"{name}: plural({key!r}).{category} falls back to {fallback!r}, the catalogue says {english[f'{key}.{category}']!r}")
    assert seen > 50  # the patterns really find the calls
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_js_message_is_translated(app: Flask, lang: str) -> None:
    english = _english(app)
    with app.test_request_context(), force_locale(lang):
        translated = {key: str(text) for key, text in JS_MESSAGES.items()}
    cat = catalog(lang)
    problems = []
    for key, text in english.items():
        msgid = text
        found = cat.get(msgid) or next((m for m in cat if isinstance(m.id, tuple) and text in m.id), None)
        if found is None or found.fuzzy:
            problems.append(f"{key}: {msgid!r} has no {lang} translation")
        elif translated[key] == text and text not in SAME_AS_ENGLISH and re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", text)):
            problems.append(f"{key}: {lang} shows the English {text!r}")
    assert problems == [], "\n".join(problems)


def test_no_script_writes_english_into_the_page_without_t() -> None:
    problems = [f"{name}: {text!r}" for name, source in _scripts().items() for text in RAW_TEXT.findall(source)]
    assert problems == [], "English written into the page without t():\n" + "\n".join(problems)
