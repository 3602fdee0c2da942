"""The top bar's links: one list, each entry registered by its feature from `init_app`.

`templates/base.html` loops over `nav_entries()`, the entries the signed-in user may see, by ascending order.
No feature is named here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from fieldops.accounts.models import User
from fieldops.i18n import JS_MESSAGES

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
        """The label in the reader's language (the lazy string translates now), with its badge filled in.

        Once per request: the bar's width estimate (topbar_fold) and the bar itself read it, and a badge is a query.
        """
        # Kept with the request (its WSGI environ), not in g, which an app context may share between requests.
        texts: dict[str, str] = request.environ.setdefault("fieldops.nav_texts", {})
        if self.endpoint not in texts:
            label = str(self.label)
            texts[self.endpoint] = label % {"n": self.count()} if self.count is not None else label
        return texts[self.endpoint]


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


@dataclass(frozen=True)
class TopBarFold:
    """Where the signed-in top bar folds (templates/base.html picks its stylesheets with these media queries).

    Wider than `full` px everything stands in one row (css/topbar-wide.css); down to `nav` px the pages stay in the
    bar and the account, sign-out and language go into the Menu (css/topbar-account.css); narrower, every entry
    is in the Menu (css/topbar-folded.css). On a phone or a tablet the bar is one row (a supervisor's bar wrapped
    into a quarter of an upright tablet's screen); wider than a tablet, a long list of pages may wrap instead.
    """

    nav: int
    full: int


# Widths measured in Chromium for the bar's 16 px bold entries (about 11 px a character plus 16 px of padding), the
# account's smaller text, and the fixed parts; a margin keeps a slightly wider font from wrapping the bar.
_CHAR_PX, _WHO_CHAR_PX, _ENTRY_PAD, _GAP, _NAV_GAP = 11.0, 9.0, 16, 16, 4
_BAR_PAD, _BRAND, _LANGUAGE, _MENU_BUTTON, _MARGIN = 32, 94, 160, 110, 1.05
PHONE_FOLD = 600
TABLET_FOLD = 1024


def topbar_fold(entries: list[str], who: str, sign_out: str, sync_texts: list[str]) -> TopBarFold:
    """Where a bar with these texts must fold: the estimate of its one-row width, with and without the account."""
    pages = sum(len(text) * _CHAR_PX + _ENTRY_PAD for text in entries) + _NAV_GAP * max(len(entries) - 1, 0)
    sync = max((len(text) for text in sync_texts), default=16) * _CHAR_PX + 12
    nav = (_BAR_PAD + _BRAND + pages + sync + _MENU_BUTTON + 3 * _GAP) * _MARGIN
    account = len(who) * _WHO_CHAR_PX + _ENTRY_PAD + len(sign_out) * _CHAR_PX + _ENTRY_PAD + _LANGUAGE + 2 * _GAP
    full = nav - _MENU_BUTTON * _MARGIN + account * _MARGIN
    # Wider than a tablet held sideways the pages stay in the bar even when they wrap to a second row: a dispatcher at
    # a desktop goes from page to page all day and should not need the Menu for it.
    nav_px = max(PHONE_FOLD, min(round(nav), TABLET_FOLD))
    return TopBarFold(nav=nav_px, full=max(nav_px, round(full)))


def _nav_context() -> dict[str, Any]:
    def nav_entries() -> list[NavEntry]:
        if not current_user.is_authenticated:
            return []
        return nav_entries_for(current_user._get_current_object())

    def current_topbar_fold() -> TopBarFold:
        user = current_user._get_current_object()
        who = f"{user.full_name} · {gettext(user.role.value)}"  # as base.html writes it
        sync = [str(JS_MESSAGES[key]) % {"n": 99} if "%(n)s" in str(JS_MESSAGES[key]) else str(JS_MESSAGES[key]) for key in ("all_sent", "pending_sync")]
        return topbar_fold([entry.text() for entry in nav_entries()], who, str(_l("Sign out")), sync)

    return {"nav_entries": nav_entries, "topbar_fold": current_topbar_fold}
