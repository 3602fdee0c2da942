"""Bad rows are reported (never dropped, never a crash); time zones, mappings and the SeeClickFix export."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json

import pytest
import sqlalchemy as sa

from fieldops.activity.models import Activity
from fieldops.errors import DomainError
from fieldops.imports.mappings import BOSTON311, MappingError, load_mapping
from fieldops.imports.services import import_requests, located_rows
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from data_files import shared_file

BOSTON_HEADER = (
    "ROW_INDEX,CASE_ENQUIRY_ID,OPEN_DT,TARGET_DT,CLOSED_DT,OnTime_Status,CASE_STATUS,CLOSURE_REASON,CASE_TITLE,SUBJECT,REASON,TYPE,QUEUE,"
    "Department,SubmittedPhoto,ClosedPhoto,Location,fire_district,pwd_district,city_council_district,police_district,neighborhood,"
    "neighborhood_services_district,ward,precinct,land_usage,LOCATION_STREET_NAME,LOCATION_ZIPCODE,Property_Type,Property_ID,LATITUDE,"
    "LONGITUDE,Source,Geocoded_Location"
).split(",")


def boston_row(case_id: str, **values: str) -> list[str]:
    base = {
        "CASE_ENQUIRY_ID": case_id,
        "OPEN_DT": "03/02/2015 09:15:00 AM",
        "CASE_STATUS": "Open",
        "TYPE": "Pothole Repair (Internal)",
        "QUEUE": "PWDx_District 1C: North Dorchester",
        "Department": "PWDx",
        "Location": "10 Main St  Boston  MA  02129",
        "LATITUDE": "42.3751",
        "LONGITUDE": "-71.0621",
        "Source": "Constituent Call",
    }
    base.update(values)
    return [base.get(h, "") for h in BOSTON_HEADER]


def write_csv(path, rows, header=BOSTON_HEADER, gz=False):  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        if isinstance(row, str):
            buf.write(row + "\r\n")  # a raw, broken line
        else:
            writer.writerow(row)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def by_external(session, case_id):  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(ServiceRequest).where(ServiceRequest.external_id == f"boston311:{case_id}"))


def test_every_kind_of_bad_row_is_counted_with_its_row_number(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "bad.csv",
        [
            boston_row("1"),  # row 2: fine
            boston_row("2", TYPE=""),  # row 3: no type
            boston_row("3", OPEN_DT="31/31/2015 9:00"),  # row 4: unreadable opening time
            boston_row("4", CASE_STATUS="Closed", CLOSED_DT="03/01/2015 08:00:00 AM"),  # row 5: closed before opened
            boston_row("5", LATITUDE="42.3594", LONGITUDE="-71.0587"),  # row 6: City Hall default point
            "6,7,not,enough,fields",  # row 7: wrong number of fields
            boston_row("1"),  # row 8: same id again
            boston_row(""),  # row 9: no id
            boston_row("9", CASE_STATUS="Closed", CLOSED_DT="03/05/2015 10:00:00 AM", TARGET_DT="03/04/2015 09:15:00 AM"),  # row 10: late
            boston_row("10", CLOSED_DT="soon", CASE_STATUS="Closed"),  # row 11: unreadable close time
            boston_row("11", LATITUDE="95", LONGITUDE="-71"),  # row 12: off the globe
        ],
    )
    s = import_requests(session, None, path, mapping=BOSTON311)
    session.commit()

    assert s.rows == 11 and s.balanced
    assert {k: (t.count, t.rows) for k, t in s.rejected.items()} == {
        "malformed": (1, [7]),
        "no_id": (1, [9]),
        "duplicate_in_file": (1, [8]),
        "no_type": (1, [3]),
        "bad_opened": (1, [4]),
    }
    assert {k: (t.count, t.rows) for k, t in s.warnings.items()} == {
        "default_point": (1, [6]),
        "bad_point": (1, [12]),
        "closed_before_opened": (1, [5]),
        "bad_closed": (1, [11]),
    }
    assert s.imported == 6 and s.imported_with_warnings == 4 and s.imported_clean == 2
    text = "\n".join(s.lines())
    assert "no_type" in text and "rows 3" in text and "= 11 rows" in text

    cb = by_external(session, "4")
    assert cb.status == RequestStatus.CLOSED and cb.closed_at is None
    hall = by_external(session, "5")
    assert hall.latitude is None and hall.longitude is None and hall.address.startswith("10 Main St")
    late = by_external(session, "9")
    assert late.closed_at > late.due_at
    history = session.scalar(sa.select(Activity).where(Activity.request_id == hall.id))
    assert history.verb == "request:imported"
    assert history.detail["row"] == 6 and history.detail["warnings"] == ["default_point"] and history.detail["Source"] == "Constituent Call"


def test_clock_changes_are_read_by_a_fixed_rule_and_reported(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "dst.csv.gz",
        [
            boston_row("100", OPEN_DT="03/08/2015 02:30:00 AM"),  # never happened in Boston: clocks went 2:00 -> 3:00
            boston_row("101", OPEN_DT="11/01/2015 01:30:00 AM"),  # happened twice: first EDT, then EST
            boston_row("102", OPEN_DT="11/01/2015 03:30:00 AM"),
        ],
        gz=True,
    )
    s = import_requests(session, None, path, mapping=BOSTON311)
    assert s.warnings["dst_skipped_hour"].rows == [2]
    assert s.warnings["dst_repeated_hour"].rows == [3]
    # Skipped hour: read with the offset before the change (EST), i.e. 07:30 UTC = 03:30 EDT.
    assert by_external(session, "100").created_at == dt.datetime(2015, 3, 8, 7, 30, tzinfo=dt.UTC)
    # Repeated hour: the first occurrence (EDT, UTC-4).
    assert by_external(session, "101").created_at == dt.datetime(2015, 11, 1, 5, 30, tzinfo=dt.UTC)
    assert by_external(session, "102").created_at == dt.datetime(2015, 11, 1, 8, 30, tzinfo=dt.UTC)


def test_broken_bytes_and_runaway_quotes_never_stop_an_import(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = io.StringIO()
    writer = csv.writer(good)
    writer.writerow(BOSTON_HEADER)
    writer.writerow(boston_row("200"))
    raw = good.getvalue().encode() + b'201,\xff\xfe bad bytes,' + b"x," * 32 + b"\r\n"
    path = tmp_path / "bytes.csv"
    path.write_bytes(raw)
    s = import_requests(session, None, path, mapping=BOSTON311)
    assert s.rows == 2 and s.balanced and s.imported == 1 and s.rejected["malformed"].rows == [3]


def test_a_file_no_mapping_knows_is_refused_with_its_columns(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "other.csv", [["1", "x"]], header=["id", "what"])
    with pytest.raises(DomainError, match="match no built-in format.*id, what"):
        import_requests(session, None, path)


def test_a_mapping_file_imports_another_citys_export(session, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "somerville.toml"
    mapping.write_text(
        """
name = "somerville"
label = "Somerville export"
time_formats = ["%Y-%m-%dT%H:%M:%S"]
due_from_sla = true
default_department = ["DPW", "Public Works"]

[columns]
id = "Ticket"
type = "Kind"
opened = "Opened"
closed = "Closed"
status = "State"
address = "Where"
point = "LatLon"
details = ["Ward"]

[status]
closed = ["done"]
open = ["new", "in progress"]

[types]
"Pot hole" = "pothole"
""",
        encoding="utf-8",
    )
    data = write_csv(
        tmp_path / "somerville.csv",
        [
            ["S-1", "Pot hole", "2024-05-01T08:00:00", "2024-05-02T09:30:00", "done", "93 Highland Ave", "(42.3876, -71.0995)", "3"],
            ["S-2", "Graffiti", "2024-05-03T10:00:00", "", "in progress", "Union Sq", "", "2"],
            ["S-3", "Pot hole", "2024-05-04T10:00:00", "", "weird", "Davis Sq", "42.3967,-71.1224", "6"],
        ],
        header=["Ticket", "Kind", "Opened", "Closed", "State", "Where", "LatLon", "Ward"],
    )
    s = import_requests(session, None, data, mapping=load_mapping(mapping))
    session.commit()
    assert s.imported == 3 and s.balanced
    assert s.warnings["no_point"].rows == [3] and s.warnings["unknown_status"].rows == [4]
    first = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.external_id == "somerville:S-1"))
    assert first.service_type_id == city.pothole.id  # mapped onto the existing type
    assert first.created_at == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)  # EDT
    assert first.due_at == first.created_at + dt.timedelta(hours=48)  # the type's standard
    assert first.district is not None and first.district.name == "Ward 3"
    third = session.scalar(sa.select(ServiceRequest).where(ServiceRequest.external_id == "somerville:S-3"))
    assert third.status == RequestStatus.OPEN and third.latitude == pytest.approx(42.3967)
    assert s.created_types == ["Graffiti"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n[columns]\nid = "a"\ntype = "b"\n', "columns.opened is required"),
        ('name = "x"\ncolour = "red"\n[columns]\nid="a"\ntype="b"\nopened="c"\n', "unknown key"),
        ('name = "x"\n[columns]\nid="a"\ntype="b"\nopened="c"\nwhen="d"\n', "unknown column key"),
        ('[columns]\nid="a"\ntype="b"\nopened="c"\n', "'name' is required"),
        ("name = ", "not valid TOML"),
    ],
)
def test_mapping_files_with_mistakes_are_refused_with_the_key(tmp_path, text, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_mapping(path)


def test_json_mapping_files_work_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"name": "j", "columns": {"id": "a", "type": "b", "opened": ["c", "d"]}}), encoding="utf-8")
    assert load_mapping(path).column("opened") == ("c", "d")


def test_seeclickfix_commonwealth_connect_export(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = shared_file("commonwealth_connect_ma_snow_reports.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with_point = sum(1 for r in rows if (r["lat"] and r["lng"]) or r["location"].strip().startswith("("))
    closed = sum(1 for r in rows if r["ticket_status"] in ("Closed", "Archived"))

    s = import_requests(session, None, path)  # detected from the header
    session.commit()
    assert s.mapping == "seeclickfix" and s.rows == len(rows) == 3080 and s.balanced
    assert s.imported == 3080
    n_points = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.latitude.is_not(None)))
    assert n_points == with_point
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.status == RequestStatus.CLOSED)) == closed
    # No target column: every request gets its type's standard as a due time.
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.due_at.is_(None))) == 0
    assert s.warnings["close_time_on_open"].count == sum(1 for r in rows if r["ticket_status"] in ("Open", "Acknowledged") and r["ticket_closed_date_time"])
    again = import_requests(session, None, path)
    assert again.already_imported == 3080 and again.imported == 0


def test_located_rows_leave_out_unlocated_and_fallback_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"CASE_ENQUIRY_ID": "1", "LATITUDE": "42.3188", "LONGITUDE": "-71.0846"},
        {"CASE_ENQUIRY_ID": "2", "LATITUDE": "42.3594", "LONGITUDE": "-71.0587"},  # City Hall: the geocoder gave up
        {"CASE_ENQUIRY_ID": "3", "LATITUDE": "", "LONGITUDE": "-71.0846"},
        {"CASE_ENQUIRY_ID": "4", "LATITUDE": "42.35941", "LONGITUDE": "-71.05869"},  # the same, at more decimals
        {"CASE_ENQUIRY_ID": "5", "LATITUDE": "42.3505", "LONGITUDE": "-71.0620"},
    ]
    path = tmp_path / "boston.csv.gz"
    with gzip.open(path, "wt", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    found = [(lat, lon, row["CASE_ENQUIRY_ID"]) for lat, lon, row in located_rows(path)]
    assert found == [(42.3188, -71.0846, "1"), (42.3505, -71.062, "5")]
    assert BOSTON311.default_points == ((42.3594, -71.0587),)
