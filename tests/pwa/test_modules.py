"""The page scripts are ES modules: every import names a module the import map knows, nothing reaches for a
window.fieldops* global, and the map maps every name to its hashed file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldops.pwa.build import CACHE_NAMES, PWA_DIR, BuildError, import_map, module_paths, source_files

JS_DIR = PWA_DIR / "js"
# import x from "a"; import {x} from "a"; import "a"; export ... from "a"; import("a")
SPECIFIER_RE = re.compile(r"""(?:\bimport\s*(?:[\w*{}\s,]+\s*from\s*)?|\bexport\s*[\w*{}\s,]+\s*from\s*|\bimport\s*\(\s*)["']([^"']+)["']""")
DYNAMIC_LIST_RE = re.compile(r"""\[([^\]]*)\]\.forEach\(function \(name\) \{\s*import\(name\)""")


def _modules() -> list[Path]:
    return sorted(JS_DIR.glob("*.js"))


def _specifiers(text: str) -> set[str]:
    found = set(SPECIFIER_RE.findall(text))
    for listed in DYNAMIC_LIST_RE.findall(text):
        found.update(re.findall(r"""["']([^"']+)["']""", listed))
    return found


def _logical() -> list[str]:
    return [logical for logical, _ in source_files(PWA_DIR, PWA_DIR / "dist")]


def test_every_import_resolves_through_the_import_map() -> None:
    names = module_paths(_logical())
    seen = 0
    for file in _modules():
        for spec in _specifiers(file.read_text(encoding="utf-8")):
            seen += 1
            assert spec in names, f"pwa/js/{file.name} imports {spec!r}, which the import map does not name"
            assert not spec.startswith((".", "/")), f"pwa/js/{file.name}: {spec!r} is a path; import by name"
    assert seen > 20  # the pattern did find the imports


def test_the_specifier_pattern_reads_every_form() -> None:
    text = 'import a from "x/a";\nimport { b, c } from "x/b";\nimport "x/c";\nimport * as d from "x/d";\nimport("x/e");'
    assert _specifiers(text) == {"x/a", "x/b", "x/c", "x/d", "x/e"}


def test_no_fieldops_globals_are_left() -> None:
    for file in _modules():
        text = file.read_text(encoding="utf-8")
        assert not re.search(r"window\s*\.\s*fieldops", text), f"pwa/js/{file.name} uses a window.fieldops* global"
    for template in (PWA_DIR.parent / "templates").rglob("*.html"):
        assert "window.fieldops" not in template.read_text(encoding="utf-8"), template


def test_cache_names_are_written_once() -> None:
    """Pages and the worker take the names from fieldops/pwa/build.py, not from a literal of their own."""
    for file in [*_modules(), PWA_DIR / "sw-template.js"]:
        text = file.read_text(encoding="utf-8")
        for name in CACHE_NAMES.values():
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{file.name} spells out the cache name {name}"


def test_import_map_names_page_modules_and_vendored_ones() -> None:
    urls = import_map(_logical(), lambda logical: f"/static/{logical}")["imports"]
    assert urls["fieldops/dom"] == "/static/js/dom.js"
    assert urls["fieldops/outbox"] == "/static/js/outbox.js"
    assert urls["dexie"] == "/static/vendor/dexie/dexie.min.mjs"
    assert urls["workbox-window"] == "/static/vendor/workbox/workbox-window.prod.mjs"
    assert set(urls) >= {f"fieldops/{f.stem}" for f in _modules()}


def test_a_missing_vendored_module_fails_the_build() -> None:
    with pytest.raises(BuildError, match="dexie"):
        module_paths(["js/dom.js"])
