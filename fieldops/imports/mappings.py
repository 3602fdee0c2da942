"""How the columns of a city's 311 export map onto requests: built-in formats and mapping files.

A mapping file is TOML (or JSON with the same keys). Every key but `name` and `columns.id/type/opened`
is optional; see docs in README ("Importing 311 history") and the two built-in mappings below:

    name = "cambridge"                  # external ids become "cambridge:<id>"; re-imports skip them
    label = "City of Cambridge SeeClickFix export"
    detect = ["ticket_id", "issue_type"]  # header columns that identify the format (for --format auto)
    time_formats = ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S"]   # tried in order
    timezone = ""                       # zone of the file's clock times; "" = FIELDOPS_TIMEZONE
    default_points = [[42.3594, -71.0587]]  # geocoder fall-backs: imported without a point, reported
    point_decimals = 4                  # precision the default points are compared at
    due_from_sla = false                # no due column/value: true = type's SLA from opening, false = no target
    description_ignore = ["PRINTED"]    # workflow words some exports put where a description belongs
    default_department = ["IMPORT", "Imported requests"]

    [columns]                           # a column name, or a list: the first non-blank one wins
    id = "ticket_id"
    type = "issue_type"
    opened = "ticket_created_date_time"
    closed = ["ticket_closed_date_time"]
    due = ""
    status = "ticket_status"
    closure_reason = ""
    description = "issue_description"
    address = "address"
    latitude = "lat"
    longitude = "lng"
    point = "location"                  # "(lat, lon)" text, used when latitude/longitude are blank
    department = ""
    media_url = "image"
    details = ["city", "rating"]        # copied into the import's history entry

    [status]                            # file status -> open/closed (case-insensitive)
    closed = ["Closed", "Archived"]
    open = ["Open", "Acknowledged"]

    [departments]                       # file department -> [code, name] (created if missing)
    PWDx = ["PWD", "Public Works"]

    [types]                             # file type -> an existing service type's code
    "Pothole Repair (Internal)" = "pothole"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldops.errors import DomainError

COLUMN_KEYS = (
    "id",
    "type",
    "opened",
    "closed",
    "due",
    "status",
    "closure_reason",
    "description",
    "address",
    "latitude",
    "longitude",
    "point",
    "department",
    "media_url",
    "details",
)
REQUIRED_COLUMNS = ("id", "type", "opened")
TOP_KEYS = {
    "name",
    "label",
    "detect",
    "time_formats",
    "timezone",
    "default_points",
    "point_decimals",
    "due_from_sla",
    "description_ignore",
    "default_department",
    "columns",
    "status",
    "departments",
    "types",
}


class MappingError(DomainError):
    """A mapping file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class ImportMapping:
    """Which column holds what, how times are written, and how values translate."""

    name: str
    label: str
    columns: dict[str, tuple[str, ...]]
    details: tuple[str, ...] = ()
    detect: tuple[str, ...] = ()
    time_formats: tuple[str, ...] = ("%m/%d/%Y %I:%M:%S %p",)
    timezone: str = ""
    default_points: tuple[tuple[float, float], ...] = ()
    point_decimals: int = 4
    due_from_sla: bool = False
    description_ignore: frozenset[str] = frozenset()
    default_department: tuple[str, str] = ("IMPORT", "Imported requests")
    closed_statuses: frozenset[str] = frozenset({"closed"})
    open_statuses: frozenset[str] = frozenset({"open"})
    departments: dict[str, tuple[str, str]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> tuple[str, ...]:
        """The file columns for one field, in order of preference (empty when the file has none)."""
        return self.columns.get(key, ())

    def missing_columns(self, header: list[str]) -> list[str]:
        """Required columns this mapping expects that the file's header lacks."""
        present = set(header)
        missing = []
        for key in REQUIRED_COLUMNS:
            if not any(c in present for c in self.column(key)):
                missing.append(" or ".join(self.column(key)) or key)
        return missing

    def matches(self, header: list[str]) -> bool:
        """True when the header carries every detect column."""
        return bool(self.detect) and set(self.detect) <= set(header)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "mapping") -> ImportMapping:
        """Build and check a mapping from parsed TOML/JSON."""
        unknown = set(data) - TOP_KEYS
        if unknown:
            raise MappingError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}.")
        name = str(data.get("name", "")).strip()
        if not name or ":" in name or len(name) > 30:
            raise MappingError(f"{origin}: 'name' is required (up to 30 characters, no ':'); it prefixes every external id.")
        raw_columns = data.get("columns") or {}
        if not isinstance(raw_columns, Mapping):
            raise MappingError(f"{origin}: [columns] must be a table.")
        unknown = set(raw_columns) - set(COLUMN_KEYS)
        if unknown:
            raise MappingError(f"{origin}: unknown column key(s) {', '.join(sorted(unknown))}; known: {', '.join(COLUMN_KEYS)}.")
        columns = {key: _names(raw_columns.get(key), f"{origin}: columns.{key}") for key in COLUMN_KEYS if key != "details"}
        for key in REQUIRED_COLUMNS:
            if not columns[key]:
                raise MappingError(f"{origin}: columns.{key} is required.")
        status = data.get("status") or {}
        departments = {}
        for key, value in (data.get("departments") or {}).items():
            if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
                raise MappingError(f"{origin}: departments.{key} must be [code, name].")
            departments[str(key)] = (value[0][:32], value[1][:120])
        default_department = data.get("default_department") or ["IMPORT", "Imported requests"]
        if not (isinstance(default_department, list | tuple) and len(default_department) == 2):
            raise MappingError(f"{origin}: default_department must be [code, name].")
        points = []
        for p in data.get("default_points") or []:
            try:
                lat, lon = (float(v) for v in p)
            except (TypeError, ValueError) as exc:
                raise MappingError(f"{origin}: default_points must be [[lat, lon], ...].") from exc
            points.append((lat, lon))
        formats = data.get("time_formats") or ["%m/%d/%Y %I:%M:%S %p"]
        if isinstance(formats, str):
            formats = [formats]
        return cls(
            name=name,
            label=str(data.get("label") or name),
            columns=columns,
            details=_names(raw_columns.get("details"), f"{origin}: columns.details"),
            detect=_names(data.get("detect"), f"{origin}: detect"),
            time_formats=tuple(str(f) for f in formats),
            timezone=str(data.get("timezone") or ""),
            default_points=tuple(points),
            point_decimals=int(data.get("point_decimals", 4)),
            due_from_sla=bool(data.get("due_from_sla", False)),
            description_ignore=frozenset(str(v).strip().upper() for v in data.get("description_ignore") or []),
            default_department=(str(default_department[0])[:32], str(default_department[1])[:120]),
            closed_statuses=frozenset(str(v).strip().lower() for v in status.get("closed", ["Closed"])),
            open_statuses=frozenset(str(v).strip().lower() for v in status.get("open", ["Open"])),
            departments=departments,
            types={str(k): str(v) for k, v in (data.get("types") or {}).items()},
        )


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise MappingError(f"{where} must be a column name or a list of column names.")


def load_mapping(path: Path) -> ImportMapping:
    """Read a mapping file (.toml or .json)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"Cannot read the mapping file {path}: {exc.strerror}.") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path.name} is not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{path.name} must hold a table of settings.")
    return ImportMapping.from_dict(data, origin=path.name)


# Boston's department codes (the `Department` column) with the names people use.
BOSTON_DEPARTMENTS = {
    "PWDx": ["PWD", "Public Works"],
    "ISD": ["ISD", "Inspectional Services"],
    "BTDT": ["BTD", "Transportation"],
    "INFO": ["INFO", "Mayor's Hotline / Information"],
    "PARK": ["PARKS", "Parks and Recreation"],
    "PROP": ["PROP", "Property Management"],
    "HS_O": ["HS", "Health and Human Services"],
    "HS_Y": ["HS", "Health and Human Services"],
    "HS_V": ["HS", "Health and Human Services"],
    "HS_D": ["HS", "Health and Human Services"],
    "BWSC": ["BWSC", "Boston Water and Sewer Commission"],
    "DISB": ["DISB", "Disabilities Commission"],
    "GEN_": ["GEN", "General"],
    "ANML": ["ANML", "Animal Control"],
    "CHT_": ["CHT", "City Hall To Go"],
    "BPS_": ["BPS", "Boston Public Schools"],
}

BOSTON311 = ImportMapping.from_dict(
    {
        "name": "boston311",
        "label": "City of Boston 311 export (Analyze Boston / data.cityofboston.gov)",
        "detect": ["CASE_ENQUIRY_ID", "OPEN_DT", "TYPE"],
        "time_formats": ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S"],
        # 14% of Boston's rows carry City Hall's point when the address could not be geocoded.
        "default_points": [[42.3594, -71.0587]],
        "point_decimals": 4,
        # A blank TARGET_DT means Boston set no target for that case (information requests, ...).
        "due_from_sla": False,
        "description_ignore": ["PRINTED"],
        "default_department": ["BOS", "City of Boston"],
        "columns": {
            "id": "CASE_ENQUIRY_ID",
            "type": "TYPE",
            "opened": "OPEN_DT",
            "closed": "CLOSED_DT",
            "due": "TARGET_DT",
            "status": "CASE_STATUS",
            "closure_reason": "CLOSURE_REASON",
            "description": "CASE_TITLE",
            "address": "Location",
            "latitude": "LATITUDE",
            "longitude": "LONGITUDE",
            "department": "Department",
            "details": ["Source", "QUEUE", "SUBJECT", "REASON", "OnTime_Status", "neighborhood", "ward", "precinct"],
        },
        "status": {"closed": ["Closed"], "open": ["Open"]},
        "departments": BOSTON_DEPARTMENTS,
    },
    origin="built-in boston311",
)

SEECLICKFIX = ImportMapping.from_dict(
    {
        "name": "seeclickfix",
        "label": "SeeClickFix / Commonwealth Connect export",
        "detect": ["ticket_id", "issue_type", "ticket_created_date_time"],
        "time_formats": ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        # The export has no target time: judge each request against its service type's standard.
        "due_from_sla": True,
        "default_department": ["SCF", "SeeClickFix reports"],
        "columns": {
            "id": "ticket_id",
            "type": "issue_type",
            "opened": "ticket_created_date_time",
            # A few archived tickets have no close time; the last update is when they were archived.
            "closed": ["ticket_closed_date_time", "ticket_last_updated_date_time"],
            "status": "ticket_status",
            "description": "issue_description",
            "address": "address",
            "latitude": "lat",
            "longitude": "lng",
            # Two thirds of the rows leave lat/lng blank but carry "(lat, lon)" here.
            "point": "location",
            "media_url": "image",
            "details": ["city", "rating", "acknowledged_at"],
        },
        "status": {"closed": ["Closed", "Archived"], "open": ["Open", "Acknowledged"]},
    },
    origin="built-in seeclickfix",
)

BUILT_IN: dict[str, ImportMapping] = {m.name: m for m in (BOSTON311, SEECLICKFIX)}


def detect_mapping(header: list[str]) -> ImportMapping:
    """The built-in mapping whose detect columns the header has."""
    for mapping in BUILT_IN.values():
        if mapping.matches(header):
            return mapping
    raise MappingError(
        "The file's columns match no built-in format (boston311, seeclickfix); "
        f"write a mapping file (--mapping FILE.toml). Its columns are: {', '.join(header[:20])}"
    )
