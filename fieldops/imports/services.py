"""Stream a 311 export into requests: every row is accounted for, re-imports never duplicate.

Each row of the file ends in exactly one of four places, so the summary always adds up to the file:
  imported (clean) + imported with warnings + already imported + rejected = rows in the file.
A rejected row (no id, no type, no readable opening time, a broken CSV line) is not imported; a row
with a warning is imported with the doubtful value left out (e.g. the geocoder's default point) and the
warning says what was left out. Each reason keeps its count and the first row numbers.

Row numbers are as a spreadsheet shows them: the header is row 1, the first record row 2.

Times in exports are local clock times without a zone. They are read in the mapping's zone (the app's
FIELDOPS_TIMEZONE by default) and stored in UTC. Around daylight-saving changes the rule is fixed and
reported: a time that happened twice (the repeated hour in November) is taken as the first occurrence
(daylight time); a time that never happened (the skipped hour in March) is read with the offset in
force before the change, which lands one hour later on the new clock (02:30 -> 03:30 EDT).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.activity.models import Activity
from fieldops.activity.services import summary_fields
from fieldops.activity.verbs import Verb
from fieldops.catalog.models import Department, ServiceType
from fieldops.db import utcnow
from fieldops.districts.services import DistrictIndex
from fieldops.errors import DomainError
from fieldops.imports.mappings import BOSTON311, ImportMapping, MappingError, detect_mapping
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.servicerequests.services import TRACKING_ALPHABET
from fieldops.sla.services import compute_due

CHUNK_SIZE = 1000
SAMPLE_ROWS = 10

REJECT_REASONS: dict[str, str] = {
    "malformed": "line is not readable CSV or has the wrong number of fields",
    "no_id": "no record id",
    "duplicate_in_file": "same record id as an earlier row of this file",
    "no_type": "no request type",
    "bad_opened": "opening time missing or unreadable",
}
WARNING_REASONS: dict[str, str] = {
    "default_point": "at the geocoder's default point: imported without a location",
    "no_point": "no location given: imported without one",
    "bad_point": "location unreadable or off the globe: imported without one",
    "closed_before_opened": "closed before it was opened: imported as closed, close time left out",
    "bad_closed": "close time unreadable: imported without it",
    "closed_without_time": "closed with no close time",
    "close_time_on_open": "status open but a close time is given: kept open, close time left out",
    "bad_due": "target time unreadable: imported without a target",
    "unknown_status": "status not in the mapping: open unless a close time is given",
    "dst_repeated_hour": "time in the repeated hour of the autumn clock change: read as the first (daylight) one",
    "dst_skipped_hour": "time in the skipped hour of the spring clock change: read with the winter offset",
    "truncated": "a value longer than the database allows was cut",
}

# service_request column widths that file values must fit (PostgreSQL enforces them).
ADDRESS_MAX = 255
MEDIA_URL_MAX = 1024
NAME_MAX = 120

ProgressCallback = Callable[[int], None]


@dataclass
class Tally:
    """How many rows had one reason, and the first of their row numbers."""

    count: int = 0
    rows: list[int] = field(default_factory=list)

    def add(self, row: int, keep: int) -> None:
        self.count += 1
        if len(self.rows) < keep:
            self.rows.append(row)


@dataclass
class ImportSummary:
    """The account of one import: every row of the file in exactly one bucket."""

    source: str
    mapping: str
    rows: int = 0
    imported: int = 0
    imported_with_warnings: int = 0
    already_imported: int = 0
    rejected: dict[str, Tally] = field(default_factory=dict)
    warnings: dict[str, Tally] = field(default_factory=dict)
    created_types: list[str] = field(default_factory=list)
    created_departments: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def imported_clean(self) -> int:
        return self.imported - self.imported_with_warnings

    @property
    def rejected_total(self) -> int:
        return sum(t.count for t in self.rejected.values())

    @property
    def balanced(self) -> bool:
        """True when the buckets add up to the rows read (they always should)."""
        return self.imported + self.already_imported + self.rejected_total == self.rows

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (for --json and logs)."""
        return {
            "source": self.source,
            "mapping": self.mapping,
            "rows": self.rows,
            "imported": self.imported,
            "imported_clean": self.imported_clean,
            "imported_with_warnings": self.imported_with_warnings,
            "already_imported": self.already_imported,
            "rejected": self.rejected_total,
            "rejected_by_reason": {k: {"count": t.count, "rows": t.rows} for k, t in self.rejected.items()},
            "warnings_by_reason": {k: {"count": t.count, "rows": t.rows} for k, t in self.warnings.items()},
            "created_types": self.created_types,
            "created_departments": self.created_departments,
            "seconds": round(self.seconds, 2),
        }

    def lines(self) -> list[str]:
        """A human-readable account, one line each."""
        out = [
            f"{self.source} ({self.mapping}): {self.rows:,} rows in {self.seconds:.1f} s",
            f"  imported                {self.imported:>8,}  ({self.imported_clean:,} clean, {self.imported_with_warnings:,} with warnings)",
            f"  already imported        {self.already_imported:>8,}  (skipped: same record id as an earlier import)",
            f"  rejected                {self.rejected_total:>8,}",
        ]
        for key, tally in self.rejected.items():
            out.append(f"    {key:<22}{tally.count:>8,}  {REJECT_REASONS[key]}; rows {_rows_text(tally)}")
        if self.warnings:
            out.append("  warnings (a row may have several):")
            for key, tally in self.warnings.items():
                out.append(f"    {key:<22}{tally.count:>8,}  {WARNING_REASONS[key]}; rows {_rows_text(tally)}")
        if self.created_departments:
            out.append(f"  new departments: {', '.join(self.created_departments)}")
        if self.created_types:
            shown = ", ".join(self.created_types[:12]) + (f" and {len(self.created_types) - 12} more" if len(self.created_types) > 12 else "")
            out.append(f"  new service types ({len(self.created_types)}, inactive until an administrator turns them on): {shown}")
        out.append(
            f"  check: {self.imported:,} + {self.already_imported:,} + {self.rejected_total:,} = {self.imported + self.already_imported + self.rejected_total:,}"
            f" {'=' if self.balanced else '!='} {self.rows:,} rows"
        )
        return out


def _rows_text(tally: Tally) -> str:
    text = ", ".join(str(r) for r in tally.rows)
    return text + (", ..." if tally.count > len(tally.rows) else "")


# ---------------------------------------------------------------------------------------------- reading


class ByteCounter(io.RawIOBase):
    """A read-only wrapper that counts the bytes read from the file on disk (compressed, for .gz)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: Path) -> tuple[IO[str], ByteCounter, int]:
    """Open a CSV file, gzip or plain (told apart by content, not name), as text; with a byte counter and size."""
    size = path.stat().st_size
    raw = path.open("rb")
    gz = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    counter = ByteCounter(raw)
    buffered: IO[bytes] = io.BufferedReader(counter, buffer_size=64 * 1024)
    if gz:
        buffered = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
    # Bad bytes become U+FFFD instead of stopping the import halfway; "utf-8-sig" drops Excel's BOM.
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="replace", newline="")
    return text, counter, size


def located_rows(path: Path, mapping: ImportMapping = BOSTON311) -> Iterator[tuple[float, float, dict[str, str]]]:
    """(latitude, longitude, row) for each row of an export that has a real point: numbers, and not one of the
    mapping's geocoder fall-backs (Boston puts unlocated cases at City Hall). Real places for benchmarks and tests."""
    lat_col, lon_col = mapping.column("latitude")[0], mapping.column("longitude")[0]
    decimals = mapping.point_decimals
    fallbacks = {(round(lat, decimals), round(lon, decimals)) for lat, lon in mapping.default_points}
    text, _, _ = open_text(path)
    with text:
        for row in csv.DictReader(text):
            try:
                lat, lon = float(row[lat_col]), float(row[lon_col])
            except (TypeError, ValueError):
                continue
            if (round(lat, decimals), round(lon, decimals)) not in fallbacks:
                yield lat, lon, row


def _records(text: IO[str]) -> tuple[list[str], Iterator[tuple[int, list[str] | None]]]:
    """The header, and (row number, fields or None for an unreadable line) for every record."""
    # Boston's CLOSURE_REASON can be long; the default 128 KiB field limit is kept only against runaway quotes.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 20))
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], iter(())
    except csv.Error as exc:
        raise DomainError(f"The header line is not readable CSV: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[str] | None]]:
        row = 1
        while True:
            row += 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield row, None
                continue
            if not fields:
                row -= 1  # blank lines are not records (csv yields [] for them)
                continue
            yield row, fields

    return header, rows()


# ---------------------------------------------------------------------------------------------- parsing


@dataclass
class Parsed:
    row: int
    external_id: str
    type_name: str
    department: str
    opened: dt.datetime
    closed: dt.datetime | None
    due: dt.datetime | None
    closed_status: bool
    closure_reason: str
    description: str
    address: str
    latitude: float | None
    longitude: float | None
    media_url: str
    details: dict[str, str]
    warnings: list[str]


US_12H = "%m/%d/%Y %I:%M:%S %p"
US_12H_RE = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d) ([AP]M)")


def _parse_us_12h(text: str) -> dt.datetime | None:
    """strptime(text, US_12H) for the zero-padded form every US 311 export uses, several times faster."""
    m = US_12H_RE.fullmatch(text)
    if m is None:
        return None
    month, day, year, hour, minute, second, half = m.groups()
    h = int(hour)
    if not 1 <= h <= 12:
        return None
    h = h % 12 + (12 if half == "PM" else 0)
    try:
        return dt.datetime(int(year), int(month), int(day), h, int(minute), int(second))
    except ValueError:
        return None


POINT_RE = re.compile(r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)?\s*$")


class RowParser:
    """Turn one record into a Parsed row or a reject reason, never raising."""

    def __init__(self, mapping: ImportMapping, header: list[str], zone: ZoneInfo) -> None:
        self.mapping = mapping
        self.zone = zone
        self.width = len(header)
        pos = {name: i for i, name in enumerate(header)}

        def cols(key: str) -> tuple[int, ...]:
            return tuple(pos[c] for c in mapping.column(key) if c in pos)

        self.c = {key: cols(key) for key in mapping.columns}
        self.details = tuple((name, pos[name]) for name in mapping.details if name in pos)
        self.formats = list(mapping.time_formats)
        self.default_points = {(round(lat, mapping.point_decimals), round(lon, mapping.point_decimals)) for lat, lon in mapping.default_points}

    def value(self, fields: list[str], key: str) -> str:
        for i in self.c.get(key, ()):
            v = fields[i].strip()
            if v:
                return v
        return ""

    def first_value(self, fields: list[str], key: str) -> str:
        idx = self.c.get(key, ())
        return fields[idx[0]].strip() if idx else ""

    def parse_time(self, text: str) -> dt.datetime | None:
        if self.formats[0] == US_12H:
            fast = _parse_us_12h(text)
            if fast is not None:
                return fast
        for n, fmt in enumerate(self.formats):
            try:
                value = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            if n:  # the format that worked goes first: files rarely mix formats
                self.formats.insert(0, self.formats.pop(n))
            return value
        return None

    def to_utc(self, naive: dt.datetime, warnings: list[str]) -> dt.datetime:
        if naive.tzinfo is not None:  # an ISO time with its own offset
            return naive.astimezone(dt.UTC)
        local = naive.replace(tzinfo=self.zone)  # fold=0: first occurrence / pre-transition offset
        utc = local.astimezone(dt.UTC)
        if utc.astimezone(self.zone).replace(tzinfo=None) != naive:
            warnings.append("dst_skipped_hour")
        elif naive.replace(tzinfo=self.zone, fold=1).utcoffset() != local.utcoffset():
            warnings.append("dst_repeated_hour")
        return utc

    def parse(self, row: int, fields: list[str]) -> Parsed | str:
        if len(fields) != self.width:
            return "malformed"
        external_id = self.value(fields, "id")
        if not external_id:
            return "no_id"
        type_name = " ".join(self.value(fields, "type").split())
        if not type_name:
            return "no_type"
        opened_text = self.value(fields, "opened")
        opened_naive = self.parse_time(opened_text) if opened_text else None
        if opened_naive is None:
            return "bad_opened"
        warnings: list[str] = []
        opened = self.to_utc(opened_naive, warnings)

        status_text = self.value(fields, "status").lower()
        if status_text in self.mapping.closed_statuses:
            closed_status: bool | None = True
        elif status_text in self.mapping.open_statuses:
            closed_status = False
        else:
            closed_status = None
            if status_text or self.c.get("status"):
                warnings.append("unknown_status")

        closed = None
        if closed_status is False:
            if self.first_value(fields, "closed"):
                warnings.append("close_time_on_open")
        else:
            closed_text = self.value(fields, "closed")
            if closed_text:
                closed_naive = self.parse_time(closed_text)
                if closed_naive is None:
                    warnings.append("bad_closed")
                else:
                    closed = self.to_utc(closed_naive, warnings)
                    if closed < opened:
                        warnings.append("closed_before_opened")
                        closed = None
            if closed_status is None:
                closed_status = closed is not None
            elif closed is None and "closed_before_opened" not in warnings and "bad_closed" not in warnings:
                warnings.append("closed_without_time")

        due = None
        due_text = self.value(fields, "due")
        if due_text:
            due_naive = self.parse_time(due_text)
            if due_naive is None:
                warnings.append("bad_due")
            else:
                due = self.to_utc(due_naive, warnings)

        latitude, longitude = self.point(fields, warnings)

        description = self.value(fields, "description")
        if description.upper() in self.mapping.description_ignore or description.upper() == type_name.upper():
            description = ""
        address = " ".join(self.value(fields, "address").split())
        media_url = self.value(fields, "media_url")
        if len(address) > ADDRESS_MAX or len(media_url) > MEDIA_URL_MAX or len(type_name) > NAME_MAX:
            warnings.append("truncated")
            # A cut link is a broken link: drop it rather than keep half.
            media_url = "" if len(media_url) > MEDIA_URL_MAX else media_url
        return Parsed(
            row=row,
            external_id=f"{self.mapping.name}:{external_id}"[:80],
            type_name=type_name[:NAME_MAX],
            department=self.value(fields, "department"),
            opened=opened,
            closed=closed,
            due=due,
            closed_status=bool(closed_status),
            closure_reason=self.value(fields, "closure_reason"),
            description=description,
            address=address[:ADDRESS_MAX],
            latitude=latitude,
            longitude=longitude,
            media_url=media_url,
            details={name: fields[i].strip() for name, i in self.details if fields[i].strip()},
            warnings=list(dict.fromkeys(warnings)),
        )

    def point(self, fields: list[str], warnings: list[str]) -> tuple[float | None, float | None]:
        lat_text, lon_text = self.value(fields, "latitude"), self.value(fields, "longitude")
        if not (lat_text and lon_text):
            combined = self.value(fields, "point")
            match = POINT_RE.match(combined) if combined else None
            if match is None:
                warnings.append("bad_point" if combined else "no_point")
                return None, None
            lat_text, lon_text = match.group(1), match.group(2)
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            warnings.append("bad_point")
            return None, None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            warnings.append("bad_point")
            return None, None
        decimals = self.mapping.point_decimals
        if (round(lat, decimals), round(lon, decimals)) in self.default_points:
            warnings.append("default_point")
            return None, None
        return lat, lon


# ---------------------------------------------------------------------------------------------- catalogue


def slugify(text: str, max_len: int = 64) -> str:
    """A service type code from a name: lower case, words joined by dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug or "type")[:max_len].rstrip("-")


class Catalogue:
    """Finds or creates the departments and service types an import needs, once per name."""

    def __init__(self, session: Session, mapping: ImportMapping, summary: ImportSummary) -> None:
        self.session = session
        self.mapping = mapping
        self.summary = summary
        self.types: dict[tuple[str, str], ServiceType] = {}
        all_types = list(session.scalars(sa.select(ServiceType)))
        self.by_code = {t.code: t for t in all_types}
        self.by_name = {t.name.lower(): t for t in all_types}
        self.by_keyword = {t.keywords.lower(): t for t in all_types if t.keywords}
        self.departments = {d.code: d for d in session.scalars(sa.select(Department))}

    def department(self, value: str) -> Department:
        code, name = self.mapping.departments.get(value) or ((value[:32], value[:120]) if value else self.mapping.default_department)
        dept = self.departments.get(code)
        if dept is None:
            dept = Department(code=code, name=name)
            self.session.add(dept)
            self.session.flush()
            self.departments[code] = dept
            self.summary.created_departments.append(f"{code} ({name})")
        return dept

    def service_type(self, name: str, department: str) -> ServiceType:
        key = (name, department)
        found = self.types.get(key)
        if found is not None:
            return found
        slug = slugify(name)
        explicit = self.mapping.types.get(name)
        st = (
            (self.by_code.get(explicit) if explicit else None)
            or self.by_code.get(slug)
            or self.by_name.get(name.lower())
            or self.by_keyword.get(name.lower())
        )
        if explicit and st is None:
            raise MappingError(f"The mapping sends {name!r} to service type {explicit!r}, which does not exist.")
        if st is None:
            dept = self.department(department)
            # Historical types stay off the intake form and the Open311 list until someone decides to offer them.
            st = ServiceType(code=slug, name=name, department=dept, group=dept.name, keywords=name.lower()[:255], active=False)
            self.session.add(st)
            self.session.flush()
            self.by_code[slug] = st
            self.by_name[name.lower()] = st
            self.summary.created_types.append(name)
        self.types[key] = st
        return st


# ---------------------------------------------------------------------------------------------- import


def import_requests(
    session: Session,
    actor: User | None,
    path: Path,
    *,
    mapping: ImportMapping | None = None,
    timezone: str = "America/New_York",
    progress: Callable[[int, int], None] | None = None,
    sample_rows: int = SAMPLE_ROWS,
    chunk_size: int = CHUNK_SIZE,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Import a 311 export (CSV, plain or gzip) as requests; skip ids already imported; account for every row."""
    started = time.perf_counter()
    now = now or utcnow()
    text, counter, size = open_text(path)
    with text:
        header, records = _records(text)
        if not header:
            raise DomainError(f"{path.name} is empty.")
        mapping = mapping or detect_mapping(header)
        missing = mapping.missing_columns(header)
        if missing:
            raise MappingError(f"{path.name} has no column {', '.join(missing)} that the {mapping.name} mapping needs.")
        try:
            zone = ZoneInfo(mapping.timezone or timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"Unknown time zone {mapping.timezone or timezone!r}.") from exc
        summary = ImportSummary(source=path.name, mapping=mapping.name)
        parser = RowParser(mapping, header, zone)
        writer = _Writer(session, actor, mapping, summary, path.name, now, sample_rows)
        seen: set[str] = set()
        chunk: list[Parsed] = []
        for row, fields in records:
            summary.rows += 1
            parsed = "malformed" if fields is None else parser.parse(row, fields)
            if isinstance(parsed, str):
                summary.rejected.setdefault(parsed, Tally()).add(row, sample_rows)
                continue
            if parsed.external_id in seen:
                summary.rejected.setdefault("duplicate_in_file", Tally()).add(row, sample_rows)
                continue
            seen.add(parsed.external_id)
            chunk.append(parsed)
            if len(chunk) >= chunk_size:
                writer.write(chunk)
                chunk = []
                if progress:
                    progress(counter.count, size)
        if chunk:
            writer.write(chunk)
        if progress:
            progress(size, size)
    # Reasons in a stable order (as listed above), so summaries of the same file read the same.
    summary.rejected = {k: summary.rejected[k] for k in REJECT_REASONS if k in summary.rejected}
    summary.warnings = {k: summary.warnings[k] for k in WARNING_REASONS if k in summary.warnings}
    summary.seconds = time.perf_counter() - started
    return summary


class _Writer:
    """Inserts chunks with SQLAlchemy Core (one statement per chunk and table) inside the caller's transaction."""

    def __init__(
        self, session: Session, actor: User | None, mapping: ImportMapping, summary: ImportSummary, source: str, now: dt.datetime, sample_rows: int
    ) -> None:
        self.session = session
        self.actor_id = actor.id if actor is not None else None
        self.mapping = mapping
        self.summary = summary
        self.source = source
        self.now = now
        self.sample_rows = sample_rows
        self.catalogue = Catalogue(session, mapping, summary)
        self.index = DistrictIndex.load(session)
        # Every tracking number in use, so a random one never collides (40 bits; 1% odds at 360k x 36k otherwise).
        self.tracking = set(session.scalars(sa.select(ServiceRequest.tracking_number)))
        self.requests = ServiceRequest.__table__
        self.activity = Activity.__table__

    def _tracking_number(self) -> str:
        while True:
            # 40 random bits as 8 base-32 digits: the same numbers new_tracking_number() makes, faster.
            bits = int.from_bytes(secrets.token_bytes(5))
            chars = "".join(TRACKING_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
            number = f"{chars[:4]}-{chars[4:]}"
            if number not in self.tracking:
                self.tracking.add(number)
                return number

    def write(self, chunk: list[Parsed]) -> None:
        ids = [p.external_id for p in chunk]
        existing = set(self.session.scalars(sa.select(ServiceRequest.external_id).where(ServiceRequest.external_id.in_(ids))))
        new = [p for p in chunk if p.external_id not in existing]
        self.summary.already_imported += len(chunk) - len(new)
        if not new:
            return
        located = [(p, p.longitude, p.latitude) for p in new if p.longitude is not None and p.latitude is not None]
        district_of: dict[int, int | None] = {}
        if len(self.index) and located:
            districts = self.index.locate_many([lon for _, lon, _ in located], [lat for _, _, lat in located])
            district_of = {id(p): d for (p, _, _), d in zip(located, districts, strict=True)}
        rows = []
        for p in new:
            st = self.catalogue.service_type(p.type_name, p.department)
            due = p.due
            if due is None and self.mapping.due_from_sla and "bad_due" not in p.warnings:
                due = compute_due(self.session, st, p.opened)
            rows.append(
                {
                    "tracking_number": self._tracking_number(),
                    "service_type_id": st.id,
                    "description": p.description,
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                    "address": p.address,
                    "district_id": district_of.get(id(p)),
                    "channel": Channel.IMPORT,
                    "status": RequestStatus.CLOSED if p.closed_status else RequestStatus.OPEN,
                    "resident_name": "",
                    "resident_phone": "",
                    "resident_email": "",
                    "resident_language": "en",
                    "contact_consent": False,
                    "department_id": st.department_id,
                    "attributes": {},
                    "media_url": p.media_url,
                    "device_id": "",
                    "closure_reason": p.closure_reason,
                    "external_id": p.external_id,
                    "created_at": p.opened,
                    "updated_at": p.closed or p.opened,
                    "sla_started_at": p.opened,
                    "due_at": due,
                    "closed_at": p.closed,
                }
            )
        # Plain executemany, then the ids by external id: RETURNING in parameter order makes SQLite insert row by row.
        self.session.execute(sa.insert(self.requests), rows)
        id_of = dict(
            self.session.execute(
                sa.select(ServiceRequest.external_id, ServiceRequest.id).where(ServiceRequest.external_id.in_([p.external_id for p in new]))
            ).all()
        )
        history = []
        for p in new:
            request_id = id_of[p.external_id]
            self.summary.imported += 1
            if p.warnings:
                self.summary.imported_with_warnings += 1
                for w in p.warnings:
                    self.summary.warnings.setdefault(w, Tally()).add(p.row, self.sample_rows)
            detail: dict[str, Any] = {"file": self.source, "row": p.row, "format": self.mapping.name, **p.details}
            if p.warnings:
                detail["warnings"] = p.warnings
            history.append(
                {
                    "request_id": request_id,
                    "actor_id": self.actor_id,
                    **summary_fields(Verb.REQUEST_IMPORTED, {"file": self.source, "row": p.row}, detail),
                    "created_at": self.now,
                }
            )
        self.session.execute(sa.insert(self.activity), history)


def console_progress(stream: IO[str] | None = None, width: int = 30) -> Callable[[int, int], None]:
    """A progress bar for long imports on stderr (bytes of the file read; works for gzip too)."""
    out = stream or sys.stderr
    started = time.perf_counter()
    last = [-1]

    def update(done: int, total: int) -> None:
        share = done / total if total else 1.0
        step = int(share * 100)
        if step == last[0]:
            return
        last[0] = step
        filled = int(share * width)
        elapsed = time.perf_counter() - started
        out.write(f"\r  [{'#' * filled}{'-' * (width - filled)}] {step:3d}%  {elapsed:5.1f} s")
        if done >= total:
            out.write("\n")
        out.flush()

    return update
