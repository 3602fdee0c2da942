"""Follow-up visits: the policy after closure, the doorstep outcomes, follow-on work, who sees what."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from factories import DAVIS_SQUARE, make_job
from fieldops.activity.models import Activity
from fieldops.catalog.models import FollowUpPolicy
from fieldops.db import utcnow
from fieldops.errors import Conflict, DomainError, Forbidden, NotFound
from fieldops.offline.services import offline_manifest
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.visits import services as visits
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitReason, VisitStatus
from visit_factories import complete_job, make_due_visit, set_policy

ZONE = ZoneInfo("America/New_York")


def _visits(session, req) -> list[FollowUpVisit]:  # type: ignore[no-untyped-def]
    return list(session.scalars(sa.select(FollowUpVisit).where(FollowUpVisit.request_id == req.id)))


def _verbs(session, req) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(sa.select(Activity.verb).where(Activity.request_id == req.id).order_by(Activity.id)))


# --- the policy ---------------------------------------------------------------------------------------------------


def test_always_policy_plans_one_visit_delay_after_closure(session, city) -> None:  # type: ignore[no-untyped-def]
    set_policy(city.streetlight, FollowUpPolicy.ALWAYS, delay_hours=36)
    closed_at = utcnow() - dt.timedelta(hours=5)
    wo = make_job(session, city, service_type=city.streetlight, created_at=closed_at - dt.timedelta(hours=3))
    complete_job(session, city, wo, at=closed_at)
    [visit] = _visits(session, wo.request)
    assert wo.request.status == RequestStatus.CLOSED
    assert visit.reason == VisitReason.POLICY and visit.status == VisitStatus.PENDING
    assert visit.due_at == closed_at + dt.timedelta(hours=36)
    assert visit.work_order_id == wo.id and visit.assigned_to_id is None
    assert "visit:planned" in _verbs(session, wo.request)


def test_never_policy_plans_nothing(session, city) -> None:  # type: ignore[no-untyped-def]
    set_policy(city.streetlight, FollowUpPolicy.NEVER)
    wo = make_job(session, city, service_type=city.streetlight)
    complete_job(session, city, wo)
    assert _visits(session, wo.request) == []


def test_a_request_gets_at_most_one_policy_visit_even_if_closed_again(session, city) -> None:  # type: ignore[no-untyped-def]
    set_policy(city.streetlight, FollowUpPolicy.ALWAYS)
    wo = make_job(session, city, service_type=city.streetlight)
    complete_job(session, city, wo)
    req = wo.request
    # Reopened (say, by a dispatcher) and completed again by a second job.
    req.status, req.closed_at = RequestStatus.OPEN, None
    from fieldops.workorders.services import create_work_order

    second = create_work_order(session, city.sam, req, assignee=city.alice)
    complete_job(session, city, second)
    assert req.status == RequestStatus.CLOSED
    assert len(_visits(session, req)) == 1
    # Called again directly (a replayed sync would do this): still one.
    assert visits.schedule_after_closure(session, req, utcnow()) is None
    assert len(_visits(session, req)) == 1


def test_sample_draw_is_repeatable_and_near_the_percent() -> None:
    draws = [visits.sampled_for_followup(i, 30) for i in range(1, 20_001)]
    share = sum(draws) / len(draws)
    assert 0.28 < share < 0.32, share
    assert draws == [visits.sampled_for_followup(i, 30) for i in range(1, 20_001)]  # same answer every time
    assert not any(visits.sampled_for_followup(i, 0) for i in range(1, 500))
    assert all(visits.sampled_for_followup(i, 100) for i in range(1, 500))
    # Nested: whoever is sampled at 10% is also sampled at 30% (raising the share only adds requests).
    assert all(visits.sampled_for_followup(i, 30) for i in range(1, 5000) if visits.sampled_for_followup(i, 10))


def test_sample_policy_follows_the_draw(session, city) -> None:  # type: ignore[no-untyped-def]
    set_policy(city.streetlight, FollowUpPolicy.SAMPLE, percent=50)
    planned = []
    for _ in range(12):
        wo = make_job(session, city, service_type=city.streetlight)
        complete_job(session, city, wo)
        got = bool(_visits(session, wo.request))
        assert got == visits.sampled_for_followup(wo.request_id, 50)
        planned.append(got)
    assert any(planned) and not all(planned)


def test_unable_to_complete_does_not_plan_a_visit(session, city) -> None:  # type: ignore[no-untyped-def]
    from fieldops.workorders.models import WorkOrderStatus as S
    from fieldops.workorders.services import change_status

    set_policy(city.streetlight, FollowUpPolicy.ALWAYS)
    wo = make_job(session, city, service_type=city.streetlight)
    change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=wo.version)
    change_status(session, city.alice, wo, S.UNABLE, expected_version=wo.version, reason="Blocked by a truck")
    assert wo.request.status == RequestStatus.OPEN
    assert _visits(session, wo.request) == []


# --- at the door --------------------------------------------------------------------------------------------------


def test_reached_and_resolved_closes_the_visit_without_follow_on(session, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    result = visits.record_outcome(
        session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES, satisfaction=5, comments="Bright again", language="es"
    )
    assert result.closed and result.follow_on is None
    assert visit.status == VisitStatus.DONE and visit.outcome == VisitOutcome.REACHED
    assert (visit.resolved, visit.satisfaction, visit.language, visit.attempts) == (Resolution.YES, 5, "es", 1)
    assert visit.assigned_to_id == city.olga.id  # who knocked
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.parent_id == visit.request_id)) == 0
    assert _verbs(session, visit.request)[-1] == "visit:done"


@pytest.mark.parametrize("answer", [Resolution.NO, Resolution.PARTLY])
def test_not_or_partly_resolved_opens_a_linked_follow_on_with_its_own_sla(session, city, answer) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city, at=DAVIS_SQUARE, address="Davis Sq", description="Light out at the bus stop")
    original = visit.request
    original.resident_name, original.contact_consent = "Ana Residente", True
    at = utcnow() - dt.timedelta(minutes=10)
    result = visits.record_outcome(
        session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=answer, satisfaction=2, comments="Still dark at night", now=at
    )
    follow_on = result.follow_on
    assert follow_on is not None and visit.follow_on_request_id == follow_on.id
    assert follow_on.parent_id == original.id and follow_on.channel == Channel.STAFF
    assert (follow_on.service_type_id, follow_on.latitude, follow_on.longitude, follow_on.address) == (
        original.service_type_id, original.latitude, original.longitude, original.address
    )
    assert follow_on.district_id == original.district_id is not None
    # People's own words only: the link to the original is structured (parent_id) and said on the page.
    assert follow_on.description == "Still dark at night\n" + (original.description or "").strip() or follow_on.description == "Still dark at night"
    assert original.tracking_number not in follow_on.description and follow_on.parent_id == original.id
    assert follow_on.status == RequestStatus.OPEN and follow_on.work_orders == []  # into triage
    assert follow_on.created_at == at and follow_on.due_at == at + dt.timedelta(hours=city.streetlight.sla_hours)
    assert follow_on.resident_name == "Ana Residente"  # the same resident, kept private as on the original
    # History on both requests, naming the other.
    entry = session.scalar(sa.select(Activity).where(Activity.request_id == original.id, Activity.verb == "visit:follow_on"))
    words = "partly resolved" if answer == Resolution.PARTLY else "not resolved"
    assert entry.summary == f"Follow-up visit: {words} → follow-on {follow_on.tracking_number}"
    back = session.scalar(sa.select(Activity).where(Activity.request_id == follow_on.id, Activity.verb == "visit:follow_on_of"))
    assert original.tracking_number in back.summary
    assert visits.visit_of_follow_on(session, follow_on) is visit
    # The original stays closed: the follow-on is the reopened work.
    assert original.status == RequestStatus.CLOSED


def test_not_home_retries_another_day_then_leaves_a_card(session, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    t0 = dt.datetime(2025, 3, 4, 15, 0, tzinfo=ZONE).astimezone(dt.UTC)  # 3 pm in the city
    first = visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE, now=t0, resolved=Resolution.YES, satisfaction=4)
    assert not first.closed and visit.status == VisitStatus.PENDING
    assert (visit.attempts, visit.outcome, visit.resolved, visit.satisfaction) == (1, VisitOutcome.NOT_HOME, None, None)  # no answers without a resident
    assert visit.due_at >= dt.datetime(2025, 3, 5, 0, 0, tzinfo=ZONE)  # off today's list, on tomorrow's
    visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE, now=t0 + dt.timedelta(days=1))
    assert visit.status == VisitStatus.PENDING and visit.attempts == 2
    last = visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE, now=t0 + dt.timedelta(days=2), comments="Card in the door")
    assert last.closed and visit.status == VisitStatus.DONE and visit.outcome == VisitOutcome.LEFT_CARD and visit.attempts == 3
    assert _verbs(session, visit.request)[-3:] == ["visit:not_home", "visit:not_home", "visit:left_card"]
    with pytest.raises(Conflict):
        visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE)


def test_retry_limit_is_configurable(session, city, settings) -> None:  # type: ignore[no-untyped-def]
    assert visits.max_attempts(settings) == visits.MAX_NOT_HOME_ATTEMPTS == 3
    one = settings.with_(extra={"visit_max_attempts": 1})
    assert visits.max_attempts(one) == 1
    visit = make_due_visit(session, city)
    visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE, max_attempts=visits.max_attempts(one))
    assert visit.outcome == VisitOutcome.LEFT_CARD and visit.status == VisitStatus.DONE


def test_outcome_validation(session, city) -> None:  # type: ignore[no-untyped-def]
    visit = make_due_visit(session, city)
    with pytest.raises(DomainError, match="fixed"):
        visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE)
    with pytest.raises(DomainError, match="1 to 5"):
        visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES, satisfaction=6)
    with pytest.raises(DomainError, match="language"):
        visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES, language="<b>")
    assert visit.status == VisitStatus.PENDING and visit.attempts == 0


# --- who ------------------------------------------------------------------------------------------------------------


def test_crews_cannot_record_and_assigned_visits_are_the_assignees(session, city) -> None:  # type: ignore[no-untyped-def]
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user

    olivia = create_user(session, username="olivia", full_name="Olivia Outreach", password="x" * 12, role=Role.OUTREACH)
    visit = make_due_visit(session, city, assignee=olivia)
    with pytest.raises(Forbidden):
        visits.record_outcome(session, city.alice, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE)
    with pytest.raises(Forbidden):
        visits.record_outcome(session, city.olga, visit, outcome=VisitOutcome.NOT_HOME, zone=ZONE)
    with pytest.raises(NotFound):  # someone else's visit is not confirmed to exist (fieldops/access/policies.py)
        visits.get_visit(session, city.olga, visit.id)
    visits.record_outcome(session, city.sam, visit, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES)  # supervisors may
    assert visit.status == VisitStatus.DONE


def test_my_visits_lists_mine_and_unassigned_due_by_tonight(session, city) -> None:  # type: ignore[no-untyped-def]
    from fieldops.accounts.models import Role
    from fieldops.accounts.services import create_user

    olivia = create_user(session, username="olivia", full_name="Olivia Outreach", password="x" * 12, role=Role.OUTREACH)
    mine = make_due_visit(session, city, assignee=city.olga)
    shared = make_due_visit(session, city)
    theirs = make_due_visit(session, city, assignee=olivia)
    later = make_due_visit(session, city, closed_at=utcnow() + dt.timedelta(hours=-1))  # due in 47 h
    done = make_due_visit(session, city)
    visits.record_outcome(session, city.olga, done, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=Resolution.YES)
    tonight = visits.end_of_local_day(utcnow(), ZONE)
    listed = visits.my_visits(session, city.olga, due_before=tonight)
    assert [v.id for v in listed] == sorted([mine.id, shared.id], key=lambda i: session.get(FollowUpVisit, i).due_at)
    assert visits.upcoming_count(session, city.olga, after=tonight) == 1  # `later`
    assert {v.id for v in visits.my_visits(session, city.sam, due_before=tonight, everyone=True)} == {mine.id, shared.id, theirs.id}
    with pytest.raises(Forbidden):
        visits.my_visits(session, city.olga, due_before=tonight, everyone=True)
    with pytest.raises(Forbidden):
        visits.my_visits(session, city.alice, due_before=tonight)
    assert later.id not in {v.id for v in listed}


def test_supervisors_add_assign_and_cancel_visits_by_hand(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, service_type=city.streetlight)  # policy never: no visit of its own
    complete_job(session, city, wo)
    req = wo.request
    with pytest.raises(Forbidden):
        visits.add_visit(session, city.olga, req)
    with pytest.raises(DomainError, match="does not make follow-up visits"):
        visits.add_visit(session, city.sam, req, assignee=city.alice)
    visit = visits.add_visit(session, city.sam, req, assignee=city.olga)
    assert visit.reason == VisitReason.MANUAL and visit.assigned_to_id == city.olga.id and visit.work_order_id == wo.id
    visits.assign_visit(session, city.sam, visit, None)
    assert visit.assigned_to_id is None
    with pytest.raises(Forbidden):
        visits.assign_visit(session, city.olga, visit, city.olga)
    second = visits.add_visit(session, city.sam, req)  # by hand: as many as wanted
    visits.cancel_visit(session, city.sam, second, "Resident asked not to be visited")
    assert second.status == VisitStatus.CANCELLED
    with pytest.raises(DomainError):
        visits.cancel_visit(session, city.sam, second)
    verbs = _verbs(session, req)
    assert {"visit:added", "visit:assigned", "visit:cancelled"} <= set(verbs)


def test_offline_manifest_holds_my_visits_pages(session, client, city) -> None:  # type: ignore[no-untyped-def]
    from helpers import login

    mine = make_due_visit(session, city, assignee=city.olga)
    shared = make_due_visit(session, city)
    session.commit()
    manifest = offline_manifest(session, city.olga)
    assert "/visits" in manifest.pages and f"/visits/{mine.id}" in manifest.pages and f"/visits/{shared.id}" in manifest.pages
    assert not any(p.startswith("/visits") for p in offline_manifest(session, city.alice).pages)
    login(client, "olga")
    for url in manifest.pages:
        assert client.get(url).status_code == 200, url
