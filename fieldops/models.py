"""Import every package's models so the metadata is complete (Alembic, create_all, tests).

The core packages' models and each feature's `models` module (fieldops/features.py), if it has one: a new feature's
tables join the metadata without editing this file. Names defined by those modules stay importable from here
(`from fieldops.models import ServiceRequest`).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from fieldops.features import FEATURES

CORE_PACKAGES: tuple[str, ...] = ("fieldops.accounts", "fieldops.activity", "fieldops.catalog", "fieldops.districts")


def _models_modules() -> list[ModuleType]:
    modules = []
    for package in dict.fromkeys(CORE_PACKAGES + FEATURES):
        name = f"{package}.models"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


MODELS_MODULES: list[ModuleType] = _models_modules()


def __getattr__(name: str) -> Any:
    # Only the names each models module defines itself, not what it imports.
    for module in MODELS_MODULES:
        value = getattr(module, name, None)
        if value is not None and getattr(value, "__module__", None) == module.__name__:
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
