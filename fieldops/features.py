"""The features of fieldops, in one ordered list. Each is a package with an `init_app(app)` that registers what it
brings: its blueprints, CLI commands, sync outbox kinds, demo loaders, offline pages and nav entries.

Adding a feature is adding its package and one line here; nothing else in the core names it. The order is the
order of the nav and of the demo loaders.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from flask import Flask

FEATURES: tuple[str, ...] = (
    "fieldops.accounts",
    "fieldops.workorders",
    "fieldops.photos",
    "fieldops.maps",
    "fieldops.basemap",
    "fieldops.servicerequests",
    "fieldops.offline",
    "fieldops.pwa",
    "fieldops.sync",
    "fieldops.dispatch",
    "fieldops.sla",
    "fieldops.open311",
    "fieldops.outreach",
    "fieldops.visits",
    "fieldops.performance",
    "fieldops.exports",
    "fieldops.imports",
)


class Feature(Protocol):
    def init_app(self, app: Flask) -> None: ...


def init_features(app: Flask, features: tuple[str, ...] = FEATURES) -> None:
    """Let each feature register itself, in order. Tests pass extra (test-only) feature modules."""
    app.extensions["fieldops.features"] = features
    for name in features:
        module: Feature = importlib.import_module(name)
        module.init_app(app)
