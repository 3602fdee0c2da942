"""Open requests follow a changed service standard or business calendar: service, page and console command."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from factories import UNION_SQUARE, make_job
from fieldops.activity.models import Activity
from fieldops.sla import standards
from fieldops.catalog.models import BusinessCalendar, Holiday, ServiceType, SlaUnit, TransferClock
from fieldops.dispatch.services import merge_requests, transfer_request
from fieldops.errors import Forbidden
from fieldops.open311 import services as open311
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.servicerequests.services import create_request
from fieldops.sla import services
from fieldops.sla.recompute import VERB, recompute_open_due_times
from fieldops.workorders.models import WorkOrder
from fieldops.workorders.services import create_work_order
from helpers import csrf_token, login

UTC = dt.UTC
HTMX = {"HX-Request": "true"}
# Boston is on EDT (UTC-4) in June 2030; 2030-06-03 is a Monday with no public holiday that week.
MON_10AM = dt.datetime(2030, 6, 3, 14, 0, tzinfo=UTC)
TUE_5PM = dt.datetime(2030, 6, 4, 21, 0, tzinfo=UTC)
WED_5PM = dt.datetime(2030, 6, 5, 21, 0, tzinfo=UTC)
THU_5PM = dt.datetime(2030, 6, 6, 21, 0, tzinfo=UTC)
NOW = dt.datetime(2030, 6, 3, 16, 0, tzinfo=UTC)


def _request(session, city, *, st: ServiceType | None = None, at: dt.datetime = MON_10AM, channel: Channel = Channel.PHONE) -> ServiceRequest:  # type: ignore[no-untyped-def]
    return create_request(
        session, city.sam, service_type=st or city.pothole, channel=channel, latitude=UNION_SQUARE[0], longitude=UNION_SQUARE[1], created_at=at
    )


def _history(session, req: ServiceRequest) -> list[Activity]:  # type: ignore[no-untyped-def]
    return list(session.scalars(sa.select(Activity).where(Activity.request_id == req.id, Activity.verb == VERB).order_by(Activity.id)))


def _set_standard(session, city, st: ServiceType, unit: SlaUnit, value: int, calendar: BusinessCalendar | None = None) -> None:  # type: ignore[no-untyped-def]
    standards.update_service_standard(session, city.sam, st, unit=unit, value=value, calendar=calendar, on_transfer=st.sla_on_transfer)


def test_a_new_standard_moves_open_requests_of_that_type_only(session, city) -> None:  # type: ignore[no-untyped-def]
    open_one = _request(session, city)
    follows = create_work_order(session, city.sam, open_one, assignee=city.alice)
    own_due = create_work_order(session, city.sam, open_one, assignee=city.bob, due_at=MON_10AM + dt.timedelta(hours=4))
    closed = _request(session, city)
    closed.status, closed.closed_at = RequestStatus.CLOSED, MON_10AM + dt.timedelta(hours=30)
    duplicate = _request(session, city)
    merge_requests(session, city.sam, duplicate, open_one, now=MON_10AM + dt.timedelta(hours=1))
    imported = _request(session, city, channel=Channel.IMPORT)
    other_type = _request(session, city, st=city.streetlight)
    session.commit()
    before = {r.id: r.due_at for r in (closed, duplicate, imported, other_type)}
    version = follows.version
    public_notes = open311.get_request(session, open_one.tracking_number, extensions=True).notes
    assert open_one.due_at == MON_10AM + dt.timedelta(hours=48)

    _set_standard(session, city, city.pothole, SlaUnit.HOURS, 24)
    result = recompute_open_due_times(session, city.sam, service_type_ids=[city.pothole.id], reason="test", now=NOW)
    # Objects the session already holds show the new values before any commit (Core writes, expired attributes).
    assert open_one.due_at == MON_10AM + dt.timedelta(hours=24) and follows.version == version + 1
    session.commit()

    assert (result.examined, result.changed, result.work_orders) == (1, 1, 1)  # the imported one is not even looked at
    session.expire_all()
    assert session.get(ServiceRequest, open_one.id).due_at == MON_10AM + dt.timedelta(hours=24)
    assert session.get(ServiceRequest, open_one.id).updated_at == NOW  # Open311 change feeds pick it up
    assert {r.id: session.get(ServiceRequest, r.id).due_at for r in (closed, duplicate, imported, other_type)} == before
    assert session.get(WorkOrder, follows.id).due_at == MON_10AM + dt.timedelta(hours=24)
    assert session.get(WorkOrder, follows.id).version == version + 1  # a tablet's copy is now stale and refreshes
    assert session.get(WorkOrder, own_due.id).due_at == MON_10AM + dt.timedelta(hours=4)  # its own due time stays

    [entry] = _history(session, open_one)
    assert entry.actor_id == city.sam.id and entry.created_at == NOW
    assert entry.detail["old_due_at"] == (MON_10AM + dt.timedelta(hours=48)).isoformat()
    assert entry.detail["new_due_at"] == (MON_10AM + dt.timedelta(hours=24)).isoformat()
    assert entry.detail["work_order_ids"] == [follows.id] and "Due time changed from" in entry.summary
    for other in (closed, duplicate, imported, other_type):
        assert _history(session, other) == []

    # Private history, public due time: Open311 shows the new expected_datetime but no note about the rule change.
    assert VERB not in open311.PUBLIC_VERBS
    public = open311.get_request(session, open_one.tracking_number, extensions=True)
    assert public.expected_datetime == MON_10AM + dt.timedelta(hours=24) and public.updated_datetime == NOW
    assert public.notes == public_notes

    # Nothing left to do: a second run changes and records nothing.
    again = recompute_open_due_times(session, city.sam, service_type_ids=[city.pothole.id], now=NOW)
    assert again.changed == 0 and len(_history(session, open_one)) == 1


def test_a_holiday_inside_the_window_pushes_the_due_time_out_and_back(session, city) -> None:  # type: ignore[no-untyped-def]
    cal = services.default_calendar(session)
    _set_standard(session, city, city.pothole, SlaUnit.BUSINESS_DAYS, 2)  # the city default calendar
    req = _request(session, city)
    wall_clock = _request(session, city, st=city.streetlight)  # 72 wall-clock hours: no calendar
    shop = standards.create_calendar(session, city.sam, name="Sign shop", work_start=dt.time(7), work_end=dt.time(15), workdays={1, 2, 3, 4, 5, 6})
    signs = ServiceType(code="sign", name="Sign down", department=city.pwd, sla_unit=SlaUnit.BUSINESS_DAYS, sla_value=2, sla_calendar=shop)
    session.add(signs)
    session.flush()
    sign_req = _request(session, city, st=signs)
    session.commit()
    assert req.due_at == WED_5PM
    sign_due, light_due = sign_req.due_at, wall_clock.due_at

    holiday = standards.add_holiday(session, city.sam, cal, day=dt.date(2030, 6, 4), name="Snow closure")
    result = recompute_open_due_times(session, city.sam, calendar_ids=[cal.id], reason="Snow closure added", now=NOW)
    session.commit()
    assert result.service_type_ids == (city.pothole.id,) and result.changed == 1
    assert req.due_at == THU_5PM
    assert (sign_req.due_at, wall_clock.due_at) == (sign_due, light_due)  # other calendar, wall-clock type

    standards.remove_holiday(session, city.sam, cal, holiday.id)
    assert recompute_open_due_times(session, city.sam, calendar_ids=[cal.id], now=NOW).changed == 1
    session.commit()
    assert req.due_at == WED_5PM
    assert [e.detail["new_due_at"] for e in _history(session, req)] == [THU_5PM.isoformat(), WED_5PM.isoformat()]


def test_transferred_requests_keep_their_clock_start(session, city) -> None:  # type: ignore[no-untyped-def]
    later = MON_10AM + dt.timedelta(hours=5)
    restarted = _request(session, city)
    continued = _request(session, city)
    city.streetlight.sla_on_transfer = TransferClock.RESTART
    transfer_request(session, city.sam, restarted, department=city.pwd, service_type=city.streetlight, reason="it is a light", now=later)
    city.streetlight.sla_on_transfer = TransferClock.CONTINUE
    transfer_request(session, city.sam, continued, department=city.pwd, service_type=city.streetlight, reason="it is a light", now=later)
    session.commit()
    assert (restarted.sla_started_at, continued.sla_started_at) == (later, MON_10AM)

    _set_standard(session, city, city.streetlight, SlaUnit.HOURS, 10)
    assert recompute_open_due_times(session, city.sam, service_type_ids=[city.streetlight.id], now=NOW).changed == 2
    session.commit()
    assert restarted.due_at == later + dt.timedelta(hours=10)
    assert continued.due_at == MON_10AM + dt.timedelta(hours=10)
    assert restarted.sla_started_at == later  # the clock start itself is never moved


def test_batches_cover_every_open_request(session, city) -> None:  # type: ignore[no-untyped-def]
    reqs = [_request(session, city, at=MON_10AM + dt.timedelta(minutes=i)) for i in range(7)]
    session.commit()
    _set_standard(session, city, city.pothole, SlaUnit.HOURS, 5)
    result = recompute_open_due_times(session, None, service_type_ids=[city.pothole.id], now=NOW, batch_size=2)
    session.commit()
    assert (result.examined, result.changed) == (7, 7)
    assert [r.due_at for r in reqs] == [MON_10AM + dt.timedelta(minutes=i, hours=5) for i in range(7)]
    assert all(e.actor_id is None for r in reqs for e in _history(session, r))


def test_only_supervisors_recompute(session, city) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        recompute_open_due_times(session, city.alice, service_type_ids=[city.pothole.id])


def test_the_page_says_how_many_open_requests_moved(session, client, city) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(UTC)
    reqs = [_request(session, city, at=now - dt.timedelta(hours=i)) for i in range(3)]
    done = make_job(session, city, created_at=now - dt.timedelta(hours=2))
    done.request.status, done.request.closed_at = RequestStatus.CLOSED, now
    session.commit()
    login(client, "sam")
    token = csrf_token(client, "/sla")
    form = {"csrf_token": token, "value": "24", "unit": "hours", "calendar_id": "", "on_transfer": "continue"}

    resp = client.post(f"/sla/service-types/{city.pothole.id}", data=form, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "Pothole: 24 hours; transfers continue the clock. 3 open requests have a new due time." in html
    session.expire_all()
    assert [session.get(ServiceRequest, r.id).due_at for r in reqs] == [r.created_at + dt.timedelta(hours=24) for r in reqs]
    assert len(session.scalars(sa.select(Activity).where(Activity.verb == VERB)).all()) == 3

    again = client.post(f"/sla/service-types/{city.pothole.id}", data=form, headers=HTMX).get_data(as_text=True)
    assert "No open request needed a new due time." in again

    # A holiday on the page: business-day types in that calendar follow, in the same request.
    cal = services.default_calendar(session)
    one = _request(session, city, st=city.streetlight)
    session.commit()
    client.post(f"/sla/service-types/{city.streetlight.id}", data={**form, "value": "3", "unit": "business_days", "calendar_id": str(cal.id)}, headers=HTMX)
    session.expire_all()
    before = session.get(ServiceRequest, one.id).due_at
    day = before.astimezone(services.city_zone()).date()  # the working day it falls due on
    resp = client.post(f"/sla/calendars/{cal.id}/holidays", data={"csrf_token": token, "day": day.isoformat(), "name": "Snow closure"}, headers=HTMX)
    assert "1 open request has a new due time." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(ServiceRequest, one.id).due_at > before

    # Without JavaScript the same message comes as a flash after the redirect.
    resp = client.post(f"/sla/service-types/{city.pothole.id}", data={**form, "value": "30"}, follow_redirects=True)
    assert "Pothole: 30 hours; transfers continue the clock. 3 open requests have a new due time." in resp.get_data(as_text=True)
    page = client.get("/sla").get_data(as_text=True)
    assert "also gives every open request it affects a new due time" in page and "apply to requests that arrive from now on" not in page


def test_console_command(app, session, city) -> None:  # type: ignore[no-untyped-def]
    req = _request(session, city)
    light = _request(session, city, st=city.streetlight)
    # Changed outside the page (e.g. an SQL script): nothing recomputed yet.
    city.pothole.sla_hours, city.streetlight.sla_hours = 10, 20
    session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["sla-recompute", "--type", "pothole", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing changed: 1 of 1 open request(s) of pothole would get a new due time" in result.output
    session.expire_all()
    assert session.get(ServiceRequest, req.id).due_at == MON_10AM + dt.timedelta(hours=48)

    result = runner.invoke(args=["sla-recompute", "--type", "pothole"])
    assert result.exit_code == 0 and "1 of 1 open request(s) of pothole have a new due time" in result.output
    session.expire_all()
    assert session.get(ServiceRequest, req.id).due_at == MON_10AM + dt.timedelta(hours=10)
    assert session.get(ServiceRequest, light.id).due_at == MON_10AM + dt.timedelta(hours=72)
    assert len(_history(session, session.get(ServiceRequest, req.id))) == 1

    result = runner.invoke(args=["sla-recompute"])
    assert result.exit_code == 0 and "1 of 2 open request(s) of all service types have a new due time" in result.output
    session.expire_all()
    assert session.get(ServiceRequest, light.id).due_at == MON_10AM + dt.timedelta(hours=20)

    result = runner.invoke(args=["sla-recompute", "--type", "nope"])
    assert result.exit_code != 0 and "No service type with code 'nope'" in result.output


def test_holidays_command_moves_open_requests(app, session, city) -> None:  # type: ignore[no-untyped-def]
    # Friday 2031-04-18, 10 am EDT + 1 business day: Monday the 21st, Patriots' Day once 2031's holidays are in.
    friday = dt.datetime(2031, 4, 18, 14, 0, tzinfo=UTC)
    _set_standard(session, city, city.pothole, SlaUnit.BUSINESS_DAYS, 1)
    req = _request(session, city, at=friday)
    session.commit()
    assert req.due_at == dt.datetime(2031, 4, 21, 21, 0, tzinfo=UTC)
    result = app.test_cli_runner().invoke(args=["holidays", "--year", "2031"])
    assert result.exit_code == 0 and "1 open request(s) have a new due time" in result.output, result.output
    session.expire_all()
    assert session.get(ServiceRequest, req.id).due_at == dt.datetime(2031, 4, 22, 21, 0, tzinfo=UTC)


def test_a_calendar_that_cannot_compute_is_refused_in_the_readers_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    _request(session, city)  # open, reported on MON_10AM
    # Sundays only, and every Sunday of the next three years a holiday: no due time can be found.
    blocked = BusinessCalendar(name="Sunday crew", work_start=dt.time(8, 0), work_end=dt.time(17, 0), workdays="7")
    sunday = dt.date(2030, 6, 2)
    blocked.holidays = [Holiday(day=sunday + dt.timedelta(weeks=w), name="Closed") for w in range(160)]
    session.add(blocked)
    city.pothole.sla_unit, city.pothole.sla_value, city.pothole.sla_calendar = SlaUnit.BUSINESS_DAYS, 2, blocked
    session.commit()
    login(client, "sam")
    token = csrf_token(client, "/sla")
    resp = client.post(
        f"/sla/calendars/{blocked.id}/holidays?lang=es", data={"csrf_token": token, "day": "2030-03-18", "name": "Cierre"}, headers=HTMX
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert (
        ": no se pueden calcular las horas límite (El calendario no tiene ningún día laborable en los próximos tres años;"
        " revise sus días laborables y feriados.); revise los días laborables y los feriados de su calendario." in html
    )
    assert "cannot compute" not in html


def test_only_supervisors_recompute_says_so_in_the_readers_language(app, session, city) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/sla", headers={"Accept-Language": "pt-BR,pt;q=0.9"}):
        with pytest.raises(Forbidden, match="Só supervisores e administradores podem mudar os prazos"):
            recompute_open_due_times(session, city.alice, service_type_ids=[city.pothole.id])
