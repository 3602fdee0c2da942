"""fieldops/translations/messages.pot is what the code says: every message the code and templates mark for
translation is in the template, and nothing the code no longer says (the README's "Languages" section has the
pybabel commands that make it again)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import parse_mapping_cfg
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def _extracted() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # the README's -k _l -k lazy_gettext
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_template_has_every_message_and_no_stale_one() -> None:
    with open(ROOT / "fieldops" / "translations" / "messages.pot", "rb") as f:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(f) if m.id}
    code = _extracted()
    assert sorted(code - template) == [], "run the README's pybabel extract command"
    assert sorted(template - code) == [], "stale messages in messages.pot: run the README's pybabel extract command"
