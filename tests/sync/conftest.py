"""Fixtures for the sync API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from sync_helpers import Tablet


@pytest.fixture
def tablet(app: Flask, city) -> Callable[[str], Tablet]:  # type: ignore[no-untyped-def]
    """tablet("alice") -> a fresh client signed in as alice."""
    return lambda username: Tablet(app.test_client(), username)
