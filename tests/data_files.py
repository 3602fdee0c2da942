"""Where a test's data comes from: the fixtures shipped in tests/data, or ../shared/data beside the checkout.

tests/data holds only files whose licences allow shipping them (see tests/data/ATTRIBUTION.md). Files that
may not be shipped, or are too big to ship, are read from ../shared/data (CI puts a copy of shared/ beside
its clone); without it the tests that need them skip with the reason, so a fresh clone still runs its suite.
Look files up inside a test or fixture, never at import time or in a parametrize list: a skip raised there
would skip or break the whole module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def data_file(name: str) -> Path:
    """A shipped fixture from tests/data (a missing one is a broken checkout, not a skip)."""
    path = TESTS_DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it ships with the repository")
    return path


def shared_file(name: str) -> Path:
    """A file from ../shared/data, or skip the test saying which file and why it is not shipped."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{name} (not shipped with the repository: {_why(name)})")
    return path


def _why(name: str) -> str:
    if name.startswith("open311/georeport-v2-schema"):
        return "the GeoReport v2 schemas have no stated licence"
    if name == "commonwealth_connect_ma_snow_reports.csv":
        return "the SeeClickFix export has no stated licence"
    if name == "boston311_2015_sample36k.csv.gz":
        return "the full 36,000-row sample is 3.3 MB; tests/data ships small slices"
    return "see ../shared/data/SOURCES.txt"
