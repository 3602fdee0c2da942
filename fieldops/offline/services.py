"""What a tablet must hold to work a whole day without signal.

Each feature registers what it needs offline from its `init_app` (`register_offline_provider`); the manifest asks
every provider of the app, in order. No feature is named here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, has_request_context, url_for
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.accounts.views import home_endpoint
from fieldops.pwa.build import START_DATA_URL


@dataclass(frozen=True)
class OfflineManifest:
    """Same-origin URLs to keep: pages (for navigation) and data (JSON, photos)."""

    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    start: str = "/"


@dataclass(frozen=True)
class OfflinePart:
    """One feature's share of a user's offline day. `home` is the page the user's day starts from (the manifest
    lists home pages first); `pages` and `data` follow in provider order. Only URLs the user may load.

    `start`, when given, is where `/` takes this user instead of their role's start page (an outreach worker
    checked in to an event starts on that event); the first provider that names one wins. It must be one of the
    part's own `home` or `pages`, so the start page is always kept offline."""

    home: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    start: str | None = None


OfflineProvider = Callable[[Session, User], OfflinePart]

EXTENSION_KEY = "fieldops.offline_providers"


def register_offline_provider(app: Flask, name: str, provider: OfflineProvider, *, order: int) -> None:
    """Add a feature's offline pages and data to the app's manifest (from the feature's `init_app`); providers are
    asked by ascending `order`. Registering the same name again replaces it."""
    providers: dict[str, tuple[int, OfflineProvider]] = app.extensions.setdefault(EXTENSION_KEY, {})
    providers[name] = (order, provider)


def offline_providers(app: Flask | None = None) -> list[OfflineProvider]:
    app = app or current_app
    providers: dict[str, tuple[int, OfflineProvider]] = app.extensions.get(EXTENSION_KEY, {})
    return [provider for _, (_, provider) in sorted(providers.items(), key=lambda item: (item[1][0], item[0]))]


def role_start(user: User) -> str:
    """The role's own start page (crew: My work; outreach: New request; supervisors: the overview)."""
    endpoint = home_endpoint(user.role)
    # The manifest is also built outside a request (the CLI, tests): the same path, from the app's URL map.
    return url_for(endpoint) if has_request_context() else current_app.url_map.bind("").build(endpoint)


def _start(parts: list[OfflinePart], user: User) -> str:
    for part in parts:
        if part.start is not None:
            return part.start
    return role_start(user)


def start_page(session: Session, user: User) -> str:
    """Where `/` (the installed app's start URL) takes this user, online and offline alike."""
    return _start([provider(session, user) for provider in offline_providers()], user)


def offline_manifest(session: Session, user: User) -> OfflineManifest:
    """The user's day, from every feature: their lists, each page of the day, the intake form and its data; and
    the start page with the little record (`START_DATA_URL`) the service worker opens `/` from without signal."""
    parts = [provider(session, user) for provider in offline_providers()]
    pages = [url for part in parts for url in part.home] + [url for part in parts for url in part.pages]
    data = [url for part in parts for url in part.data]
    start = _start(parts, user)
    if start not in pages:
        pages.insert(0, start)
    return OfflineManifest(pages=pages, data=[START_DATA_URL, *data], start=start)
