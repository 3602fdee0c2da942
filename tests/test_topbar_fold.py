"""Where the signed-in top bar folds (fieldops/nav.py topbar_fold); the browser checks the result in
tests/browser/test_phone_layout.py (one row at every width)."""

from __future__ import annotations

from fieldops.nav import PHONE_FOLD, TABLET_FOLD, topbar_fold

CREW = ["My work", "New request"]
SUPERVISOR = ["Work orders", "Triage (108)", "Standards", "Performance", "Conflicts (0)", "New request", "Events", "My visits"]


def test_more_or_longer_pages_fold_the_bar_sooner() -> None:
    crew = topbar_fold(CREW, "North crew lead · crew", "Sign out", ["All changes sent"])
    supervisor = topbar_fold(SUPERVISOR, "Dana Dispatcher · supervisor", "Sign out", ["All changes sent"])
    portuguese = topbar_fold(["Meu trabalho", "Nova solicitação"], "North crew lead · equipe", "Sair", ["Todas as alterações enviadas"])
    assert crew.nav < supervisor.nav and crew.full < supervisor.full
    assert crew.nav < portuguese.nav
    # A crew member's two pages fit an upright tablet (768 px); the account goes into the Menu there.
    assert crew.nav < 768 < crew.full
    # A supervisor's eight pages do not fit a tablet held sideways: all of them go into the Menu there; on a wider
    # (desktop) screen they stay in the bar, wrapping if they must.
    assert supervisor.nav == TABLET_FOLD


def test_a_phone_always_folds() -> None:
    fold = topbar_fold([], "A · crew", "Sign out", [])
    assert fold.nav == PHONE_FOLD and fold.full >= fold.nav
