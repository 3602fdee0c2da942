"""Dates and times as each language writes them; Haitian Creole, which CLDR has no formats for, reads as French
does (day before month, 24-hour clock) rather than English fragments such as "Mon M11 30, 10:42 PM"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from fieldops.i18n import local_datetime, local_day, local_number, local_percent

BOSTON = ZoneInfo("America/New_York")
AT = dt.datetime(2026, 12, 1, 3, 42, tzinfo=dt.timezone.utc)  # Mon Nov 30, 10:42 PM in Boston


@pytest.mark.parametrize(
    ("lang", "when", "time"),
    [
        ("en", "Mon, Nov 30, 10:42\u202fPM", "10:42\u202fPM"),
        ("es", "lun, 30 nov, 22:42", "22:42"),
        ("pt", "seg., 30 de nov. 22:42", "22:42"),
        ("ht", "lun. 30 nov., 22:42", "22:42"),
    ],
)
def test_times_read_the_way_the_pages_language_writes_them(app: Flask, lang: str, when: str, time: str) -> None:
    with app.test_request_context(f"/?lang={lang}", headers={"Accept-Language": lang}):
        assert local_datetime(AT, BOSTON) == when
        assert local_datetime(AT, BOSTON, "time") == time
        assert "PM" not in local_datetime(AT, BOSTON) or lang == "en"
        assert local_datetime(None, BOSTON) == "—"


@pytest.mark.parametrize(
    ("lang", "count", "share", "day"),
    [
        ("en", "12,345", "85%", "Jan 19, 2026"),
        ("es", "12.345", "85\u00a0%", "19 ene 2026"),
        ("pt", "12.345", "85%", "19 de jan. de 2026"),
        ("ht", "12\u202f345", "85\u00a0%", "19 janv. 2026"),  # French: a narrow space between thousands
    ],
)
def test_figures_read_the_way_the_pages_language_writes_them(app: Flask, lang: str, count: str, share: str, day: str) -> None:
    with app.test_request_context(f"/?lang={lang}", headers={"Accept-Language": lang}):
        assert local_number(12345) == count
        assert local_number(2.25, 1) in ("2.2", "2,2", "2.3", "2,3")
        assert local_percent(0.85) == share
        assert local_day(dt.date(2026, 1, 19), "yMMMd") == day
