"""The public status page shows the follow-up visit (the verb registry's step for what visits write)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fieldops.outreach.public import public_status
from fieldops.visits import services as visits
from fieldops.visits.models import Resolution, VisitOutcome
from visit_factories import make_due_visit

ZONE = ZoneInfo("America/New_York")


def test_status_page_shows_the_follow_up_visit(app, session, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES, satisfaction=5)
    session.commit()
    with app.test_request_context("/status"):
        steps = [s.text for s in public_status(session, visit.request.tracking_number).steps]
    assert "Follow-up visit made" in steps
    assert steps.index("Work completed") < steps.index("Follow-up visit made")


def test_status_page_shows_that_an_unresolved_visit_opened_a_follow_on(app, session, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.NO, satisfaction=1, comments="Still broken")
    session.commit()
    with app.test_request_context("/status"):
        steps = [s.text for s in public_status(session, visit.request.tracking_number).steps]
    assert steps.index("Work completed") < steps.index("The problem was not fixed: a follow-up request was opened")


def test_the_visit_step_is_on_the_page_in_the_residents_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES, satisfaction=5)
    session.commit()
    page = client.get(f"/status/{visit.request.tracking_number}?lang=es").get_data(as_text=True)
    assert "Visita de seguimiento realizada" in page
