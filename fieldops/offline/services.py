"""What a tablet must hold to work a whole day without signal.

Each feature registers what it needs offline from its `init_app` (`register_offline_provider`); the manifest asks
every provider of the app, in order. No feature is named here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy.orm import Session

from fieldops.accounts.models import User


@dataclass(frozen=True)
class OfflineManifest:
    """Same-origin URLs to keep: pages (for navigation) and data (JSON, photos)."""

    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OfflinePart:
    """One feature's share of a user's offline day. `home` is the page the user's day starts from (the manifest
    lists home pages first); `pages` and `data` follow in provider order. Only URLs the user may load."""

    home: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


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


def offline_manifest(session: Session, user: User) -> OfflineManifest:
    """The user's day, from every feature: their lists, each page of the day, the intake form and its data."""
    parts = [provider(session, user) for provider in offline_providers()]
    pages = [url for part in parts for url in part.home] + [url for part in parts for url in part.pages]
    data = [url for part in parts for url in part.data]
    return OfflineManifest(pages=pages, data=data)
