"""The real 36,000-row Boston sample: the import's summary matches a count made independently with csv."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections import Counter
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from fieldops.activity.models import Activity
from fieldops.catalog.models import ServiceType
from fieldops.districts.services import import_districts, load_geojson
from fieldops.imports.services import import_requests
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from data_files import data_file, shared_file

BOSTON = ZoneInfo("America/New_York")


def _sample():  # type: ignore[no-untyped-def]
    """The whole 36,000-row sample (its exact counts are asserted), from ../shared/data."""
    return shared_file("boston311_2015_sample36k.csv.gz")


def independent_count(path=None):  # type: ignore[no-untyped-def]
    """Counts written from the issue's rules, straight from the file, sharing no code with the importer."""
    path = path or _sample()
    out = {"rows": 0, "no_type": [], "bad_open": [], "default_point": [], "closed_before_opened": [], "warned": 0, "ids": Counter()}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for n, rec in enumerate(csv.DictReader(f), start=2):  # the header is spreadsheet row 1
            out["rows"] += 1
            out["ids"][rec["CASE_ENQUIRY_ID"]] += 1
            if not rec["TYPE"].strip():
                out["no_type"].append(n)
                continue
            try:
                opened = dt.datetime.strptime(rec["OPEN_DT"], "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=BOSTON)
            except ValueError:
                out["bad_open"].append(n)
                continue
            warned = False
            if rec["LATITUDE"] == "42.3594" and rec["LONGITUDE"] == "-71.0587":
                out["default_point"].append(n)
                warned = True
            if rec["CLOSED_DT"]:
                closed = dt.datetime.strptime(rec["CLOSED_DT"], "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=BOSTON)
                if closed.astimezone(dt.UTC) < opened.astimezone(dt.UTC):
                    out["closed_before_opened"].append(n)
                    warned = True
            out["warned"] += warned
    return out


def test_boston_sample_imports_every_row_accounted_for_and_reimport_adds_nothing(session) -> None:  # type: ignore[no-untyped-def]
    import_districts(session, load_geojson(data_file("boston_wards_2012-2022.geojson")), kind="ward", code_property="WARD", name_prefix="Ward ")
    session.commit()
    sample = _sample()
    expected = independent_count(sample)
    progress: list[tuple[int, int]] = []

    summary = import_requests(session, None, sample, progress=lambda done, total: progress.append((done, total)))
    session.commit()

    assert summary.rows == expected["rows"] == 36_000
    assert summary.balanced
    assert all(n == 1 for n in expected["ids"].values())  # no duplicate ids in the sample
    rejected = {k: t.count for k, t in summary.rejected.items()}
    assert rejected.get("no_type", 0) == len(expected["no_type"])
    assert rejected.get("bad_opened", 0) == len(expected["bad_open"])
    assert summary.imported == expected["rows"] - len(expected["no_type"]) - len(expected["bad_open"])
    assert summary.warnings["default_point"].count == len(expected["default_point"]) == 5_195
    assert summary.warnings["default_point"].rows == expected["default_point"][:10]
    assert summary.warnings["closed_before_opened"].count == len(expected["closed_before_opened"])
    assert summary.warnings["closed_before_opened"].rows == expected["closed_before_opened"][:10]
    assert summary.imported_with_warnings == expected["warned"]
    # Progress is by bytes of the (compressed) file and ends at the whole file.
    assert progress and progress[-1][0] == progress[-1][1] == sample.stat().st_size
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)

    # The database holds exactly what the summary says.
    count = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))
    assert count == summary.imported
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.latitude.is_(None))) == len(expected["default_point"])
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.verb == "request:imported")) == summary.imported
    # Located requests were placed in Boston's wards (most of them: a few points lie in the harbour or outside).
    located = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.district_id.is_not(None)))
    assert located > 0.97 * (summary.imported - len(expected["default_point"]))

    # One known row, checked by hand: 01/01/2015 12:25:23 AM EST is 05:25:23 UTC; target and closure kept.
    req = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.external_id == "boston311:101001240735"))
    assert req.created_at == dt.datetime(2015, 1, 1, 5, 25, 23, tzinfo=dt.UTC)
    assert req.due_at == dt.datetime(2015, 1, 16, 13, 30, tzinfo=dt.UTC)
    assert req.closed_at == dt.datetime(2015, 1, 2, 21, 17, 43, tzinfo=dt.UTC)
    assert req.status == RequestStatus.CLOSED and req.channel == Channel.IMPORT
    assert req.closure_reason.startswith("Case Closed Duplicate")
    assert req.service_type.name == "Street Light Outages" and req.department.name == "Public Works"
    assert req.resident_name == req.resident_phone == req.resident_email == ""
    # A summer row is read as daylight time (UTC-4).
    summer = session.scalar(
        sa.select(ServiceRequest).where(ServiceRequest.created_at >= dt.datetime(2015, 7, 1, 4, tzinfo=dt.UTC)).order_by(ServiceRequest.created_at).limit(1)
    )
    assert summer.created_at.astimezone(BOSTON).utcoffset() == dt.timedelta(hours=-4)
    # Types made by the import stay off the intake form until someone offers them.
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceType).where(ServiceType.active.is_(True))) == 0

    again = import_requests(session, None, sample)
    session.commit()
    assert again.imported == 0
    assert again.already_imported == summary.imported
    assert again.balanced
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == count
    assert again.created_types == [] and again.created_departments == []


def test_cli_import_prints_the_summary_and_a_progress_bar(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A 300-row slice of the real sample, gzipped like the original, through the real command.
    with gzip.open(data_file("boston311_2015_first300.csv.gz"), "rt", encoding="utf-8", newline="") as f:
        lines = [next(f) for _ in range(301)]
    small = tmp_path / "boston-300.csv.gz"
    with gzip.open(small, "wt", encoding="utf-8", newline="") as f:
        f.writelines(lines)
    runner = app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported(app) else app.test_cli_runner()
    result = runner.invoke(args=["import-requests", str(small)])
    assert result.exit_code == 0, result.output
    assert "300 rows" in result.output and "check: " in result.output and "= 300 rows" in result.output
    stderr = getattr(result, "stderr", "") if _mix_stderr_supported(app) else result.output
    assert "100%" in stderr
    rerun = runner.invoke(args=["import-requests", str(small), "--json", "--no-progress"])
    assert rerun.exit_code == 0, rerun.output
    assert '"already_imported": 300' in rerun.output


def _mix_stderr_supported(app) -> bool:  # type: ignore[no-untyped-def]
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_the_sample_is_what_the_count_expects() -> None:
    """Guard: the independent counter itself sees the file's documented quirks."""
    sample = _sample()
    expected = independent_count(sample)
    assert expected["rows"] == 36_000
    assert len(expected["closed_before_opened"]) == 55
    with gzip.open(sample, "rb") as f:
        header = io.TextIOWrapper(f, encoding="utf-8").readline()
    assert header.startswith("ROW_INDEX,CASE_ENQUIRY_ID,OPEN_DT,TARGET_DT,CLOSED_DT")
