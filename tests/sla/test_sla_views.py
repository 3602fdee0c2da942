"""The service standards page: edit targets, calendars and holidays through the real forms."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from fieldops.catalog.models import BusinessCalendar, Holiday, SlaUnit, TransferClock
from fieldops.sla.services import DEFAULT_CALENDAR_NAME
from helpers import csrf_token, login

HTMX = {"HX-Request": "true"}


def _default(session) -> BusinessCalendar:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(BusinessCalendar).where(BusinessCalendar.name == DEFAULT_CALENDAR_NAME)).one()


def test_standards_page_lists_types_and_the_default_calendar(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    resp = client.get("/sla")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Pothole" in html and "48 hours" in html and DEFAULT_CALENDAR_NAME in html
    assert "Patriots" in html  # holidays seeded with the default calendar
    session.expire_all()
    assert _default(session).holidays


def test_editing_a_service_standard(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    client.get("/sla")
    cal = _default(session)
    token = csrf_token(client, "/sla")
    resp = client.post(
        f"/sla/service-types/{city.streetlight.id}",
        data={"csrf_token": token, "value": "5", "unit": "business_days", "calendar_id": str(cal.id), "on_transfer": "restart"},
        headers=HTMX,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Street light out: 5 business days; transfers restart the clock" in html and "<html" not in html
    session.expire_all()
    st = city.streetlight
    session.refresh(st)
    assert (st.sla_unit, st.sla_value, st.sla_calendar_id, st.sla_on_transfer) == (SlaUnit.BUSINESS_DAYS, 5, cal.id, TransferClock.RESTART)
    bad = client.post(f"/sla/service-types/{st.id}", data={"csrf_token": token, "value": "abc", "unit": "hours", "on_transfer": "continue"}, headers=HTMX)
    assert bad.status_code == 422 and "whole number" in bad.get_data(as_text=True)
    bad = client.post(f"/sla/service-types/{st.id}", data={"csrf_token": token, "value": "3", "unit": "weeks", "on_transfer": "continue"}, headers=HTMX)
    assert bad.status_code == 422 and "Choose a unit" in bad.get_data(as_text=True)
    # Without JavaScript: back to the page, at the type's row.
    resp = client.post(f"/sla/service-types/{st.id}", data={"csrf_token": token, "value": "72", "unit": "hours", "on_transfer": "continue"})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/sla#type-{st.id}"


def test_calendar_hours_days_and_holidays(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    client.get("/sla")
    cal = _default(session)
    token = csrf_token(client, "/sla")
    resp = client.post(
        f"/sla/calendars/{cal.id}",
        data={"csrf_token": token, "name": DEFAULT_CALENDAR_NAME, "work_start": "07:30", "work_end": "16:00", "workdays": ["1", "2", "3", "4"]},
        headers=HTMX,
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    session.expire_all()
    cal = _default(session)
    assert (cal.work_start, cal.work_end, cal.workdays) == (dt.time(7, 30), dt.time(16), "1,2,3,4")
    bad = client.post(f"/sla/calendars/{cal.id}", data={"csrf_token": token, "name": DEFAULT_CALENDAR_NAME, "work_start": "16:00", "work_end": "07:30", "workdays": "1"}, headers=HTMX)
    assert bad.status_code == 422 and "must end after it starts" in bad.get_data(as_text=True)
    bad = client.post(f"/sla/calendars/{cal.id}", data={"csrf_token": token, "name": DEFAULT_CALENDAR_NAME, "work_start": "8am", "work_end": "17:00", "workdays": "1"}, headers=HTMX)
    assert bad.status_code == 422 and "must be a time like 08:00" in bad.get_data(as_text=True)

    resp = client.post(f"/sla/calendars/{cal.id}/holidays", data={"csrf_token": token, "day": "2030-03-18", "name": "Snow closure"}, headers=HTMX)
    assert resp.status_code == 200 and "Snow closure" in resp.get_data(as_text=True)
    bad = client.post(f"/sla/calendars/{cal.id}/holidays", data={"csrf_token": token, "day": "18/03/2030", "name": "x"}, headers=HTMX)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    holiday = session.scalars(sa.select(Holiday).where(Holiday.name == "Snow closure")).one()
    resp = client.post(f"/sla/calendars/{cal.id}/holidays/{holiday.id}/delete", data={"csrf_token": token}, headers=HTMX)
    assert resp.status_code == 200 and "removed" in resp.get_data(as_text=True)
    assert session.scalars(sa.select(Holiday).where(Holiday.name == "Snow closure")).first() is None

    resp = client.post(f"/sla/calendars/{cal.id}/public-holidays", data={"csrf_token": token, "year": "2032"}, headers=HTMX)
    # Twelve, plus New Year 2033 (a Saturday) observed on Friday 31 December 2032.
    assert resp.status_code == 200 and "13 public holidays of 2032" in resp.get_data(as_text=True)

    resp = client.post("/sla/calendars", data={"csrf_token": token, "name": "Sign shop", "work_start": "07:00", "work_end": "15:30", "workdays": ["2", "6"]})
    assert resp.status_code == 302
    assert session.scalars(sa.select(BusinessCalendar.workdays).where(BusinessCalendar.name == "Sign shop")).one() == "2,6"


def test_crews_cannot_change_standards(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    token = csrf_token(client, "/my-work")
    assert client.post(f"/sla/service-types/{city.pothole.id}", data={"csrf_token": token, "value": "1", "unit": "hours", "on_transfer": "continue"}).status_code == 403


def test_refusals_come_back_in_the_readers_language(session, client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    client.get("/sla?lang=es")  # kept for the session, as the language menu does
    cal = _default(session)
    token = csrf_token(client, "/sla")
    bad = client.post(f"/sla/calendars/{cal.id}", data={"csrf_token": token, "name": DEFAULT_CALENDAR_NAME, "work_start": "16:00", "work_end": "07:30", "workdays": "1"}, headers=HTMX)
    assert bad.status_code == 422 and "La jornada laboral debe terminar después de empezar (16:00 – 07:30)." in bad.get_data(as_text=True)
    bad = client.post(f"/sla/service-types/{city.pothole.id}", data={"csrf_token": token, "value": "300", "unit": "business_days", "on_transfer": "continue"}, headers=HTMX)
    assert bad.status_code == 422 and "Un objetivo de 300 días hábiles es más de un año; revise el número." in bad.get_data(as_text=True)
    client.post(f"/sla/calendars/{cal.id}/holidays", data={"csrf_token": token, "day": "2030-03-18", "name": "Snow closure"}, headers=HTMX)
    again = client.post(f"/sla/calendars/{cal.id}/holidays", data={"csrf_token": token, "day": "2030-03-18", "name": "Snow closure"}, headers=HTMX)
    html = again.get_data(as_text=True)
    # The date too is written the Spanish way, not "Monday March 18, 2030".
    assert again.status_code == 422 and f"lunes, 18 de marzo de 2030 ya es feriado en {DEFAULT_CALENDAR_NAME}." in html and "Monday" not in html
