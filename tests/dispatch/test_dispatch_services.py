"""Triage queue, crew suggestion by district, assignment, merging duplicates, transfers, reassignment."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from factories import make_parks, make_untriaged, ward, zone_crews
from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE, make_job
from fieldops.activity.models import Activity
from fieldops.catalog.models import SlaUnit, TransferClock
from fieldops.db import utcnow
from fieldops.dispatch import services
from fieldops.dispatch.services import TriageFilters
from fieldops.errors import Conflict, DomainError, Forbidden, NotFound
from fieldops.photos.models import Photo, PhotoKind
from fieldops.photos.services import attach_photos, stage_photo
from fieldops.servicerequests.models import Channel, RequestStatus
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrderStatus as S
from imagefactory import make_jpeg


def _verbs(session, request_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(sa.select(Activity.verb).where(Activity.request_id == request_id).order_by(Activity.id)))


def _tracking(page: services.TriagePage) -> list[str]:
    return [r.tracking_number for r in page.rows]


# --- the queue ----------------------------------------------------------------------------------


def test_queue_holds_open_unassigned_unmerged_requests(session, city) -> None:  # type: ignore[no-untyped-def]
    waiting = make_untriaged(session, city)
    assigned = make_job(session, city).request
    sent_back = make_job(session, city)
    workorders.change_status(session, city.alice, sent_back, S.UNABLE, expected_version=None, reason="Car parked on it")
    merged = make_untriaged(session, city)
    services.merge_requests(session, city.sam, merged, waiting)
    session.flush()
    page = services.triage_queue(session, TriageFilters())
    assert set(_tracking(page)) == {waiting.tracking_number, sent_back.request.tracking_number}
    assert assigned.tracking_number not in _tracking(page)
    assert services.triage_count(session) == 2
    # The nav badge stops counting past its limit.
    assert services.triage_count(session, limit=1) == 1
    assert services.triage_badge(session, limit=2) == "2"
    assert services.triage_badge(session, limit=1) == "1+"


def test_queue_filters(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    now = utcnow()
    old_pothole = make_untriaged(session, city, created_at=now - dt.timedelta(days=4), at=UNION_SQUARE)
    new_light = make_untriaged(session, city, service_type=city.streetlight, created_at=now - dt.timedelta(hours=2), at=DAVIS_SQUARE, channel=Channel.WEB)
    tree = make_untriaged(session, city, service_type=parks.tree, created_at=now - dt.timedelta(days=2), at=CITY_HALL)
    session.flush()

    def q(**kw: object) -> list[str]:
        return _tracking(services.triage_queue(session, TriageFilters(**kw), now=now))  # type: ignore[arg-type]

    assert q(service_type_id=city.streetlight.id) == [new_light.tracking_number]
    assert q(department_id=parks.dept.id) == [tree.tracking_number]
    assert set(q(department_id=city.pwd.id)) == {old_pothole.tracking_number, new_light.tracking_number}
    assert q(district_id=ward(session, "6").id) == [new_light.tracking_number]
    assert q(channel=Channel.WEB) == [new_light.tracking_number]
    assert q(age="24h") == [old_pothole.tracking_number, tree.tracking_number]
    assert q(age="3d") == [old_pothole.tracking_number]
    # The 48-hour pothole reported 4 days ago is overdue.
    assert q(overdue_only=True) == [old_pothole.tracking_number]
    assert q() == [old_pothole.tracking_number, tree.tracking_number, new_light.tracking_number]
    assert q(sort="newest") == [new_light.tracking_number, tree.tracking_number, old_pothole.tracking_number]
    with pytest.raises(DomainError):
        TriageFilters(age="forever")


def test_transferred_requests_filter_by_their_new_department(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    req = make_untriaged(session, city)
    services.transfer_request(session, city.sam, req, department=parks.dept, reason="Tree roots")
    assert _tracking(services.triage_queue(session, TriageFilters(department_id=parks.dept.id))) == [req.tracking_number]
    assert _tracking(services.triage_queue(session, TriageFilters(department_id=city.pwd.id))) == []


def test_queue_pages(session, city) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    made = [make_untriaged(session, city, created_at=now - dt.timedelta(minutes=n)) for n in range(7)]
    session.flush()
    first = services.triage_queue(session, TriageFilters(sort="newest"), page_size=3)
    last = services.triage_queue(session, TriageFilters(sort="newest", page=3), page_size=3)
    beyond = services.triage_queue(session, TriageFilters(sort="newest", page=9), page_size=3)
    assert (first.total, first.pages) == (7, 3)
    assert _tracking(first) == [r.tracking_number for r in made[:3]]
    assert _tracking(last) == [made[6].tracking_number]
    assert beyond.page == 3


# --- suggestion ---------------------------------------------------------------------------------


def test_suggested_crew_is_the_one_whose_district_contains_the_point(session, city) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)
    union = make_untriaged(session, city, at=UNION_SQUARE)
    davis = make_untriaged(session, city, at=DAVIS_SQUARE)
    page = services.triage_queue(session, TriageFilters())
    assert page.suggestions[union.id] == city.crew_a
    assert page.suggestions[davis.id] == city.crew_b
    assert services.suggest_crew(session, davis) == city.crew_b


def test_suggestion_falls_back_to_the_least_busy_crew_of_the_department(session, city) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)
    make_job(session, city, assignee=city.alice)  # crew A has one open job
    outside = make_untriaged(session, city, at=CITY_HALL)  # ward 3: no crew zone
    nowhere = make_untriaged(session, city, at=None, address="Somewhere without a point")
    assert services.suggest_crew(session, outside) == city.crew_b
    assert services.suggest_crew(session, nowhere) == city.crew_b


def test_suggestion_stays_in_the_request_department(session, city) -> None:  # type: ignore[no-untyped-def]
    zone_crews(session, city)
    parks = make_parks(session)
    tree = make_untriaged(session, city, service_type=parks.tree, at=UNION_SQUARE)
    assert services.suggest_crew(session, tree) == parks.crew
    parks.crew.active = False
    assert services.suggest_crew(session, tree) is None


# --- assignment ---------------------------------------------------------------------------------


def test_assigning_creates_a_work_order_for_the_crew_and_member(session, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city)
    wo = services.assign_request(session, city.sam, req, crew=city.crew_a, assignee=city.alice, priority=2, instructions=" Cones in the truck ")
    assert (wo.crew_id, wo.assignee_id, wo.priority, wo.status, wo.instructions) == (city.crew_a.id, city.alice.id, 2, S.ASSIGNED, "Cones in the truck")
    assert wo.due_at == req.due_at
    assert services.triage_count(session) == 0
    assert wo in workorders.my_work(session, city.alice)
    # Crew-only assignment shows on every crew member's list.
    other = make_untriaged(session, city)
    crew_job = services.assign_request(session, city.sam, other, crew=city.crew_b)
    assert crew_job in workorders.my_work(session, city.bob)


def test_assignment_is_checked(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    req = make_untriaged(session, city)
    with pytest.raises(Forbidden):
        services.assign_request(session, city.alice, req, crew=city.crew_a)
    with pytest.raises(DomainError, match="not in DPW Crew A"):
        services.assign_request(session, city.sam, req, crew=city.crew_a, assignee=city.bob)
    with pytest.raises(DomainError, match="works for Parks"):
        services.assign_request(session, city.sam, req, crew=parks.crew)
    with pytest.raises(DomainError, match="Choose the crew"):
        services.assign_request(session, city.sam, req, crew=None)
    with pytest.raises(DomainError, match="Priority"):
        services.assign_request(session, city.sam, req, crew=city.crew_a, priority=7)
    with pytest.raises(DomainError, match="not an active crew member"):
        services.assign_request(session, city.sam, req, crew=None, assignee=city.olga)
    wo = services.assign_request(session, city.sam, req, crew=None, assignee=city.alice)
    assert wo.crew_id == city.crew_a.id  # the assignee's crew
    with pytest.raises(Conflict, match=f"already has open work order #{wo.id}"):
        services.assign_request(session, city.sam, req, crew=city.crew_b)


# --- merging ------------------------------------------------------------------------------------


def test_merging_closes_the_duplicate_and_keeps_its_photos_visible(session, city, settings) -> None:  # type: ignore[no-untyped-def]
    survivor = make_untriaged(session, city)
    dup = make_untriaged(session, city, description="Same pothole, reported again")
    photo, _ = stage_photo(session, settings, city.sam, photo_id=None, raw=make_jpeg(lat=42.38, lon=-71.09), kind=PhotoKind.INTAKE, filename="a.jpg")
    attach_photos(session, city.sam, [photo.id], request_id=dup.id)
    job = services.assign_request(session, city.sam, dup, crew=city.crew_a)
    services.merge_requests(session, city.sam, dup, survivor)
    assert dup.duplicate_of_id == survivor.id
    assert dup.status == RequestStatus.CLOSED and dup.closed_at is not None
    assert dup.closure_reason == f"Duplicate of {survivor.tracking_number}"
    assert job.status == S.CANCELLED
    assert "request:merged" in _verbs(session, dup.id)
    assert "request:duplicate_merged" in _verbs(session, survivor.id)
    assert [p.id for p in services.request_photos(session, city.sam, survivor)] == [photo.id]
    assert services.duplicates_of(session, survivor) == [dup]
    # The cancelled job does not close the survivor, and the survivor waits in triage.
    assert survivor.status == RequestStatus.OPEN
    assert _tracking(services.triage_queue(session, TriageFilters())) == [survivor.tracking_number]


def test_merge_chains_stay_one_step_long(session, city) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (make_untriaged(session, city) for _ in range(3))
    services.merge_requests(session, city.sam, a, b)
    services.merge_requests(session, city.sam, b, c)
    assert a.duplicate_of_id == c.id and b.duplicate_of_id == c.id
    assert a.closure_reason == f"Duplicate of {c.tracking_number}"
    assert set(services.duplicates_of(session, c)) == {a, b}


def test_merge_refusals(session, city) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (make_untriaged(session, city) for _ in range(3))
    with pytest.raises(DomainError, match="into itself"):
        services.merge_requests(session, city.sam, a, a)
    with pytest.raises(Forbidden):
        services.merge_requests(session, city.alice, a, b)
    services.merge_requests(session, city.sam, a, b)
    with pytest.raises(DomainError, match=f"merged into {b.tracking_number}; merge into that one"):
        services.merge_requests(session, city.sam, c, a)
    with pytest.raises(Conflict):
        services.merge_requests(session, city.sam, a, c)


def test_duplicate_candidates_are_nearby_requests_of_the_same_type(session, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city, at=UNION_SQUARE)
    near = make_untriaged(session, city, at=(UNION_SQUARE[0] + 0.0002, UNION_SQUARE[1]))  # ~22 m
    make_untriaged(session, city, at=(UNION_SQUARE[0] + 0.002, UNION_SQUARE[1]))  # ~220 m
    make_untriaged(session, city, service_type=city.streetlight, at=UNION_SQUARE)
    found = services.duplicate_candidates(session, req)
    assert [(r.id, round(d)) for r, d in found] == [(near.id, 22)]


# --- transfer -----------------------------------------------------------------------------------


def test_transfer_with_a_restarting_clock(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session, on_transfer=TransferClock.RESTART)
    created = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)  # Monday 10:00 in Boston
    req = make_untriaged(session, city, created_at=created)
    job = services.assign_request(session, city.sam, req, crew=city.crew_a)
    moved = dt.datetime(2025, 6, 4, 15, 0, tzinfo=dt.UTC)  # Wednesday 11:00
    plan = services.transfer_request(session, city.sam, req, department=parks.dept, service_type=parks.tree, reason="Tree roots lifted the road", now=moved)
    assert plan.rule == TransferClock.RESTART
    assert req.department_id == parks.dept.id and req.service_type_id == parks.tree.id
    assert req.sla_started_at == moved
    # 10 business days from Wednesday 4 June: Wednesday 18 June at 17:00 EDT (21:00 UTC).
    assert req.due_at == dt.datetime(2025, 6, 18, 21, 0, tzinfo=dt.UTC)
    assert job.status == S.CANCELLED
    entry = session.scalars(sa.select(Activity).where(Activity.request_id == req.id, Activity.verb == "request:transferred")).one()
    detail = json.loads(entry.detail_json)
    assert detail["reason"] == "Tree roots lifted the road" and detail["clock"] == "restart"
    assert detail["cancelled_work_orders"] == [job.id]
    assert "Tree roots lifted the road" in entry.summary and "restarts" in entry.summary
    cancel = session.scalars(sa.select(Activity).where(Activity.work_order_id == job.id, Activity.verb == "status:cancelled")).one()
    assert "transferred to Parks and Recreation: Tree roots lifted the road" in cancel.summary
    assert req.status == RequestStatus.OPEN


def test_transfer_with_a_continuing_clock_keeps_the_due_time(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session, on_transfer=TransferClock.CONTINUE)
    created = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)
    req = make_untriaged(session, city, created_at=created)
    due = req.due_at
    city.pothole.sla_on_transfer = TransferClock.CONTINUE
    services.transfer_request(session, city.sam, req, department=parks.dept, reason="Parks fixes paths in parks", now=created + dt.timedelta(days=1))
    assert (req.due_at, req.sla_started_at, req.service_type_id) == (due, created, city.pothole.id)
    # Now re-typed as a tree request, still counted from the original start: 10 business days from Monday 2 June.
    services.transfer_request(session, city.sam, req, department=parks.dept, service_type=parks.tree, reason="It is a tree", now=created + dt.timedelta(days=2))
    assert req.sla_started_at == created
    assert req.due_at == dt.datetime(2025, 6, 16, 21, 0, tzinfo=dt.UTC)


def test_transfer_refusals(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    req = make_untriaged(session, city)
    with pytest.raises(DomainError, match="Say why"):
        services.transfer_request(session, city.sam, req, department=parks.dept, reason="  ")
    with pytest.raises(DomainError, match="already with Public Works"):
        services.transfer_request(session, city.sam, req, department=city.pwd, reason="why not")
    with pytest.raises(DomainError, match="handled by Public Works"):
        services.transfer_request(session, city.sam, req, department=parks.dept, service_type=city.streetlight, reason="x")
    with pytest.raises(Forbidden):
        services.transfer_request(session, city.alice, req, department=parks.dept, reason="x")


def test_transfer_plan_matches_the_transfer(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    req = make_untriaged(session, city)
    now = utcnow()
    plan = services.transfer_plan(session, req, parks.dept, parks.tree, now)
    done = services.transfer_request(session, city.sam, req, department=parks.dept, service_type=parks.tree, reason="tree", now=now)
    assert plan == done


# --- reassignment -------------------------------------------------------------------------------


def test_reassigning_records_the_new_holder_for_the_sync_conflict_check(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    workorders.change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=None)
    version = wo.version
    workorders.reassign(session, city.sam, wo, city.crew_b, city.bob)
    assert (wo.crew_id, wo.assignee_id, wo.status) == (city.crew_b.id, city.bob.id, S.ASSIGNED)
    assert wo.version > version
    entry = session.scalars(sa.select(Activity).where(Activity.work_order_id == wo.id, Activity.verb == "workorder:reassigned")).one()
    assert entry.detail == {
        "crew_id": city.crew_b.id,
        "assignee_id": city.bob.id,
        "from_crew_id": city.crew_a.id,
        "from_assignee_id": city.alice.id,
        "from": "en_route",
        "to": "assigned",
    }
    assert entry.summary == "Reassigned from Alice Crew (DPW Crew A) to Bob Crew (DPW Crew B) (En route → Assigned)"
    assert wo not in workorders.my_work(session, city.alice) and wo in workorders.my_work(session, city.bob)


def test_reassignment_rules(session, city) -> None:  # type: ignore[no-untyped-def]
    parks = make_parks(session)
    wo = make_job(session, city, assignee=city.alice)
    with pytest.raises(Forbidden):
        workorders.reassign(session, city.alice, wo, city.crew_b, None)
    with pytest.raises(DomainError, match="already assigned to Alice Crew"):
        workorders.reassign(session, city.sam, wo, city.crew_a, city.alice)
    with pytest.raises(DomainError, match="not in DPW Crew B"):
        workorders.reassign(session, city.sam, wo, city.crew_b, city.alice)
    with pytest.raises(DomainError, match="transfer the request"):
        workorders.reassign(session, city.sam, wo, parks.crew, None)
    workorders.reassign(session, city.sam, wo, None, None)
    assert wo.status == S.NEW and wo.crew_id is None
    workorders.reassign(session, city.sam, wo, None, city.bob)
    assert (wo.crew_id, wo.status) == (city.crew_b.id, S.ASSIGNED)
    workorders.change_status(session, city.sam, wo, S.CANCELLED, expected_version=None)
    with pytest.raises(Exception, match="only open jobs"):
        workorders.reassign(session, city.sam, wo, city.crew_a, None)


# --- who may look -------------------------------------------------------------------------------


def test_request_page_access(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    loose = make_untriaged(session, city)
    assert services.get_request_for_user(session, city.sam, wo.request_id) is wo.request
    assert services.get_request_for_user(session, city.alice, wo.request_id) is wo.request
    with pytest.raises(NotFound):
        services.get_request_for_user(session, city.bob, wo.request_id)
    with pytest.raises(NotFound):
        services.get_request_for_user(session, city.alice, loose.id)
    with pytest.raises(NotFound):
        services.get_request_for_user(session, city.olga, loose.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
