import sqlalchemy as sa

from fieldops.cli import create_user, import_districts
from fieldops.demo import load_demo
from fieldops.districts.models import District
from fieldops.models import ServiceRequest, User, WorkOrder, WorkOrderStatus
from data_files import data_file


def test_import_districts_command(app, session) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(import_districts, [str(data_file("somerville_wards.geojson")), "--code-property", "Ward", "--name-prefix", "Ward "])
    assert result.exit_code == 0, result.output
    assert "7 created, 0 updated" in result.output
    assert session.scalar(sa.select(District.name).where(District.code == "3")) == "Ward 3"
    again = runner.invoke(import_districts, [str(data_file("somerville_wards.geojson")), "--code-property", "Ward"])
    assert "0 created, 7 updated" in again.output


def test_import_districts_reports_bad_files_without_a_traceback(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "wards.geojson"
    bad.write_text('{"type": "Feature"}')
    result = app.test_cli_runner().invoke(import_districts, [str(bad)])
    assert result.exit_code == 1
    assert "not a GeoJSON FeatureCollection" in result.output and "Traceback" not in result.output


def test_create_user_command(app, session) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(create_user, ["maria", "--role", "supervisor", "--name", "Maria S", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.username == "maria"))
    assert user.check_password("a-long-password") and not user.check_password("wrong")
    short = runner.invoke(create_user, ["x", "--role", "crew", "--password", "short"])
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_demo_data_is_real_and_complete(session) -> None:  # type: ignore[no-untyped-def]
    logins = load_demo(session)
    session.commit()
    assert {login.role for login in logins} == {"crew", "supervisor", "outreach", "admin"}
    # Boston's 22 wards, plus one crew zone per Public Works crew (fieldops/dispatch/demo.py) for crew suggestions.
    assert session.scalar(sa.select(sa.func.count()).where(District.kind == "ward")) == 22
    assert session.scalar(sa.select(sa.func.count()).where(District.kind != "ward")) == 3
    # 700 imported cases; the features' demos add their own on top (e.g. follow-ons opened by follow-up visits).
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) >= 700
    # Every demo case is a real Boston record, placed in a Boston ward by point-in-polygon.
    assert session.scalar(sa.select(sa.func.count()).where(ServiceRequest.external_id.like("boston311:%"))) == 700
    located = session.scalar(sa.select(sa.func.count()).where(ServiceRequest.district_id.is_not(None)))
    assert located >= 690
    open_jobs = session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(WorkOrder.status == WorkOrderStatus.ASSIGNED))
    assert 100 < open_jobs < 400
