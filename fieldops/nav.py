"""The top bar's links: one list, each entry registered by its feature from `init_app`.

`templates/base.html` loops over `nav_entries()`, the entries the signed-in user may see, by ascending order.
No feature is named here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel.speaklater import LazyString
from flask_login import current_user

from fieldops.accounts.models import User

EXTENSION_KEY = "fieldops.nav"


@dataclass(frozen=True)
class NavEntry:
    """A link of the top bar.

    `label` is a lazily translated msgid (`lazy_gettext`); when `count` is given the label has a `%(n)s` placeholder
    for its badge (e.g. "Triage (%(n)s)"), called only for users who see the entry. `visible` says who sees it.
    `html_id` is the link's id, for pages that update the badge in place.
    """

    endpoint: str
    label: LazyString
    order: int
    visible: Callable[[User], bool]
    count: Callable[[], Any] | None = None
    html_id: str | None = None

    def text(self) -> str:
        """The label in the reader's language (the lazy string translates now), with its badge filled in."""
        label = str(self.label)
        return label % {"n": self.count()} if self.count is not None else label


def everyone(user: User) -> bool:
    return True


def register_nav_entry(app: Flask, entry: NavEntry) -> None:
    """Add a feature's link to the app's top bar (from the feature's `init_app`). Registering the same endpoint again
    replaces it."""
    entries: dict[str, NavEntry] | None = app.extensions.get(EXTENSION_KEY)
    if entries is None:
        entries = app.extensions[EXTENSION_KEY] = {}
        app.context_processor(_nav_context)
    entries[entry.endpoint] = entry


def all_nav_entries(app: Flask | None = None) -> list[NavEntry]:
    """Every entry of the app, in nav order."""
    app = app or current_app
    entries: dict[str, NavEntry] = app.extensions.get(EXTENSION_KEY, {})
    return sorted(entries.values(), key=lambda entry: (entry.order, entry.endpoint))


def nav_entries_for(user: User, app: Flask | None = None) -> list[NavEntry]:
    """The entries this user sees, in nav order."""
    return [entry for entry in all_nav_entries(app) if entry.visible(user)]


def _nav_context() -> dict[str, Any]:
    def nav_entries() -> list[NavEntry]:
        if not current_user.is_authenticated:
            return []
        return nav_entries_for(current_user._get_current_object())

    return {"nav_entries": nav_entries}
