import datetime as dt

import pytest

from factories import DAVIS_SQUARE, make_job
from fieldops.activity.services import history
from fieldops.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound
from fieldops.photos.models import PhotoKind
from fieldops.photos.services import add_work_order_photo
from fieldops.servicerequests.models import RequestStatus
from fieldops.workorders import services
from fieldops.workorders.models import WorkOrderStatus as S
from imagefactory import make_jpeg


def test_crew_walks_a_job_through_to_completed(session, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, service_type=city.streetlight)
    for to in (S.EN_ROUTE, S.ON_SITE):
        services.change_status(session, city.alice, wo, to, expected_version=wo.version)
    services.change_status(session, city.alice, wo, S.COMPLETED, expected_version=wo.version, resolution="Replaced the lamp")
    session.commit()
    assert wo.status == S.COMPLETED and wo.completed_at is not None
    assert wo.request.status == RequestStatus.CLOSED and wo.request.closed_at == wo.completed_at
    assert [a.verb for a in history(session, wo.request_id)][-3:] == ["status:en_route", "status:on_site", "status:completed"]


@pytest.mark.parametrize(("start", "to"), [(S.ASSIGNED, S.COMPLETED), (S.EN_ROUTE, S.ASSIGNED), (S.COMPLETED, S.ON_SITE)])
def test_invalid_transitions_are_refused_with_a_clear_message(session, city, start, to) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    wo.status = start
    session.flush()
    with pytest.raises(InvalidTransition, match=f"cannot be set to {to.label.lower()}"):
        services.change_status(session, city.alice, wo, to, expected_version=None, resolution="x")
    assert wo.status == start


def test_stale_version_is_a_conflict_and_changes_nothing(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    seen = wo.version
    services.change_status(session, city.sam, wo, S.CANCELLED, expected_version=seen)
    session.commit()
    with pytest.raises(Conflict, match="changed since you opened it"):
        services.change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=seen)
    assert wo.status == S.CANCELLED


def test_version_increases_on_every_change(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, service_type=city.streetlight)
    session.commit()
    v0 = wo.version
    services.change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=v0)
    session.commit()
    assert wo.version == v0 + 1


def test_completion_needs_a_resolution_and_the_required_after_photo(session, city, settings) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)  # potholes require an "after" photo
    services.change_status(session, city.alice, wo, S.ON_SITE, expected_version=None)
    with pytest.raises(DomainError, match="Say how the job was resolved"):
        services.change_status(session, city.alice, wo, S.COMPLETED, expected_version=None, resolution="  ")
    with pytest.raises(DomainError, match="need an “after” photo"):
        services.change_status(session, city.alice, wo, S.COMPLETED, expected_version=None, resolution="Filled")
    add_work_order_photo(session, settings, city.alice, wo, raw=make_jpeg(), kind=PhotoKind.BEFORE)
    with pytest.raises(DomainError, match="need an “after” photo"):
        services.change_status(session, city.alice, wo, S.COMPLETED, expected_version=None, resolution="Filled")
    add_work_order_photo(session, settings, city.alice, wo, raw=make_jpeg(color=(1, 2, 3)), kind=PhotoKind.AFTER)
    services.change_status(session, city.alice, wo, S.COMPLETED, expected_version=None, resolution="Filled")
    assert wo.status == S.COMPLETED


def test_unable_to_complete_needs_a_reason_and_keeps_the_request_open(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    with pytest.raises(DomainError, match="reason"):
        services.change_status(session, city.alice, wo, S.UNABLE, expected_version=None)
    services.change_status(session, city.alice, wo, S.UNABLE, expected_version=None, reason="Car parked on it")
    assert wo.unable_reason == "Car parked on it"
    assert wo.request.status == RequestStatus.OPEN


def test_crews_cannot_touch_other_crews_jobs(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city, assignee=city.alice)
    with pytest.raises(NotFound):  # another crew's job reads as unknown (fieldops/access/policies.py)
        services.get_for_user(session, city.bob, wo.id)
    with pytest.raises(Forbidden):
        services.change_status(session, city.bob, wo, S.EN_ROUTE, expected_version=None)
    with pytest.raises(NotFound):
        services.get_for_user(session, city.olga, wo.id)
    assert services.get_for_user(session, city.sam, wo.id) is wo
    # Only supervisors may cancel.
    assert S.CANCELLED not in services.allowed_next(city.alice, wo)
    assert S.CANCELLED in services.allowed_next(city.sam, wo)


def test_my_work_is_mine_open_and_soonest_due_first(session, city) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    later = make_job(session, city, created_at=now - dt.timedelta(hours=1))  # due in 47 h
    overdue = make_job(session, city, created_at=now - dt.timedelta(hours=50), at=DAVIS_SQUARE)  # due 2 h ago
    light = make_job(session, city, service_type=city.streetlight, created_at=now - dt.timedelta(hours=40))  # due in 32 h
    make_job(session, city, assignee=city.bob)
    done = make_job(session, city, service_type=city.streetlight)
    done.status = S.COMPLETED
    session.commit()
    mine = services.my_work(session, city.alice)
    assert [w.id for w in mine] == [overdue.id, light.id, later.id]
    assert [w.is_overdue(now) for w in mine] == [True, False, False]
    assert [w.id for w in services.my_work(session, city.alice, [S.COMPLETED])] == [done.id]


def test_crew_jobs_without_an_assignee_show_to_every_member(session, city) -> None:  # type: ignore[no-untyped-def]
    from fieldops.servicerequests.models import Channel
    from fieldops.servicerequests.services import create_request

    req = create_request(session, city.sam, service_type=city.pothole, channel=Channel.PHONE, latitude=42.38, longitude=-71.1)
    wo = services.create_work_order(session, city.sam, req, crew_id=city.crew_a.id)
    assert wo.status == S.ASSIGNED
    assert wo in services.my_work(session, city.alice)
    assert wo not in services.my_work(session, city.bob)
