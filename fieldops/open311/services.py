"""Open311 GeoReport v2: the catalogue as services, requests in, public request status out.

Everything here returns plain data (dataclasses) that the serializers write as JSON or XML; nothing
here knows about HTTP. Only public-safe facts leave this module: the moderated public description, never the resident's own words
(ServiceRequest.description); resident contact, device ids, crew names and internal notes never do; requests
of private service types not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from fieldops.activity import verbs
from fieldops.activity.models import Activity
from fieldops.catalog import texts
from fieldops.catalog.attributes import validate_answers
from fieldops.catalog.models import Department, ServiceAttribute, ServiceType, SlaUnit
from fieldops.db import UTCDateTime, utcnow
from fieldops.districts.models import District
from fieldops.errors import Busy, DomainError, NotFound
from fieldops.open311.models import ApiKey
from fieldops.photos import services as photos
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests import services as requests_service
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.settings import Settings
from fieldops.web import validation
from fieldops.workorders.models import WorkOrder, WorkOrderStatus

# GeoReport v2: "Default query limit is a span of 90 days or first 1000 requests returned, whichever is smallest."
DEFAULT_SPAN = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
# Deeper pages than this are a scraper, not a client; it also keeps OFFSET far from integer limits.
MAX_PAGE = 100_000
MAX_IDS = 1000
# GeoReport's request.json limits description to 4000 characters.
MAX_DESCRIPTION = 4000
MAX_MEDIA_FILES = 5
# Photo kinds an Open311 client may see. Follow-up visit photos are taken at residents' doors: never public.
PUBLIC_PHOTO_KINDS = (PhotoKind.INTAKE, PhotoKind.BEFORE, PhotoKind.AFTER)

_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_ZIP_AT_END = re.compile(r"\b(\d{5})(?:-\d{4})?\s*(?:,?\s*(?:USA?|United States))?\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_SR = ServiceRequest.__table__


class BadArgument(DomainError):
    """A missing or invalid argument (GeoReport error code 400)."""

    status_code = 400


# ---------------------------------------------------------------- public history (notes)

# Activity verbs the public may see, with the words shown, from the one verb registry. Anything else (notes,
# assignments to named people, internal reasons, verbs other features add later) stays private: default deny.
# Activity summaries are never copied: they can name staff and carry free text.
PUBLIC_VERBS: dict[str, tuple[str, str]] = {verb: (note.type, note.summary) for verb, note in verbs.open311_verbs().items()}


@dataclass(frozen=True)
class Note:
    """One public step of a request's history (Chicago's `notes`)."""

    at: dt.datetime
    type: str
    summary: str
    description: str | None = None
    extended_attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class PublicPhoto:
    id: str
    kind: str
    extension: str
    size: int
    width: int
    height: int
    taken_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(slots=True)
class PublicRequest:
    """What Open311 shows of a request: no resident contact, no device id, no staff names."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime | None
    expected_datetime: dt.datetime | None
    address: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    given_media_url: str | None
    photos: list[PublicPhoto] = field(default_factory=list)
    # Extensions (extensions=true)
    attributes: dict[str, Any] = field(default_factory=dict)
    channel: str = ""
    district: str | None = None
    district_code: str | None = None
    duplicate_of: str | None = None
    parent_request_id: str | None = None
    notes: list[Note] = field(default_factory=list)


# ---------------------------------------------------------------- services (catalogue)


@dataclass(frozen=True)
class PublicService:
    code: str
    name: str
    description: str
    metadata: bool
    keywords: str
    group: str


def list_services(session: Session, lang: str = "en") -> list[PublicService]:
    """Active service types as Open311 services, by group then name; texts in `lang` (fieldops/catalog/texts.py)."""
    has_attributes = sa.exists().where(ServiceAttribute.service_type_id == ServiceType.id)
    rows = session.execute(
        sa.select(ServiceType, has_attributes.label("has_attributes"))
        .where(ServiceType.active.is_(True))
        .order_by(ServiceType.group, ServiceType.name, ServiceType.code)
    )
    return [
        PublicService(
            st.code,
            texts.type_text(st, "name", lang),
            texts.type_text(st, "description", lang),
            bool(has_attrs),
            texts.type_text(st, "keywords", lang),
            texts.type_text(st, "group", lang),
        )
        for st, has_attrs in rows
    ]


def get_service(session: Session, code: str) -> ServiceType:
    """An active service type by its Open311 service_code, with its attributes; NotFound otherwise."""
    st = session.scalar(
        sa.select(ServiceType)
        .where(ServiceType.code == code, ServiceType.active.is_(True))
        .options(selectinload(ServiceType.attributes))
    )
    if st is None:
        raise NotFound(f"service_code '{code}' not found.")
    return st


@functools.lru_cache(maxsize=4096)
def sla_notice(agency: str | None, service_name: str, unit: SlaUnit | str | None, value: int | None, hours: int) -> str:
    """The service standard in words, e.g. 'Public Works aims to resolve Pothole requests within 48 hours.'"""
    unit = SlaUnit(unit) if unit else SlaUnit.HOURS
    amount = value if (value and unit is not SlaUnit.HOURS) else hours
    words = {SlaUnit.HOURS: "hour", SlaUnit.BUSINESS_HOURS: "business hour", SlaUnit.BUSINESS_DAYS: "business day"}[unit]
    who = agency or "The city"
    return f"{who} aims to resolve {service_name} requests within {amount} {words}{'' if amount == 1 else 's'}."


# ---------------------------------------------------------------- GET requests


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[str, ...] | None = None
    service_codes: tuple[str, ...] = ()
    statuses: tuple[RequestStatus, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False

    @property
    def by_update(self) -> bool:
        """Change feeds (updated_after/before) page oldest change first, so a client can resume where it stopped."""
        return self.ids is None and (self.updated_after is not None or self.updated_before is not None)


def parse_datetime_arg(name: str, value: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO 8601 date or date-time argument; without a zone it is the city's local time."""
    value = value.strip()
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadArgument(f"{name} must be an ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        raise BadArgument(f"{name} is out of range.") from None


def _field_time(at: dt.datetime, name: str, now: dt.datetime) -> dt.datetime:
    # Year 1 or 9999 would only overflow the 90-day window arithmetic below; no 311 data is that old or new.
    try:
        return validation.query_time(at, name, now)
    except DomainError as exc:
        raise BadArgument(exc.message) from exc


def _int_arg(name: str, value: str | None, default: int, low: int, high: int | None = None) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise BadArgument(f"{name} must be a whole number.") from None
    if number < low:
        raise BadArgument(f"{name} must be at least {low}.")
    if high is not None and number > high:
        raise BadArgument(f"{name} must be at most {high}.")
    return number


def _bool_arg(name: str, value: str | None) -> bool:
    if value is None or value.strip() == "":
        return False
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise BadArgument(f"{name} must be true or false.")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_query(args: Mapping[str, str], *, zone: ZoneInfo, now: dt.datetime | None = None) -> RequestQuery:
    """Read GET requests arguments and apply the standard's defaults (last 90 days, 1000 records)."""
    now = now or utcnow()
    extensions = _bool_arg("extensions", args.get("extensions"))
    page = _int_arg("page", args.get("page"), 1, 1, MAX_PAGE)
    # The standard's cap is 1000: asking for more gets 1000, as with no page_size at all.
    page_size = min(_int_arg("page_size", args.get("page_size"), MAX_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    ids = _split(args.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise BadArgument(f"service_request_id may list at most {MAX_IDS} requests.")
        # The standard: a list of ids overrides every other argument.
        normalised = tuple(dict.fromkeys(requests_service.normalise_tracking_number(i) for i in ids))
        return RequestQuery(ids=normalised, page=page, page_size=page_size, extensions=extensions)
    statuses = []
    for value in _split(args.get("status")):
        try:
            statuses.append(RequestStatus(value.lower()))
        except ValueError:
            raise BadArgument("status must be open, closed, or both separated by a comma.") from None
    dates = {
        name: _field_time(parse_datetime_arg(name, args[name], zone), name, now) if (args.get(name) or "").strip() else None
        for name in ("start_date", "end_date", "updated_after", "updated_before")
    }
    start, end = dates["start_date"], dates["end_date"]
    if start is not None and end is not None:
        if end < start:
            raise BadArgument("end_date is before start_date.")
        if end - start > DEFAULT_SPAN:
            raise BadArgument("start_date and end_date may not span more than 90 days; use paging or several queries.")
    elif start is not None:
        end = start + DEFAULT_SPAN
    elif end is not None:
        start = end - DEFAULT_SPAN
    elif dates["updated_after"] is None and dates["updated_before"] is None:
        start = now - DEFAULT_SPAN
    after, before = dates["updated_after"], dates["updated_before"]
    if after is not None and before is not None and before < after:
        raise BadArgument("updated_before is before updated_after.")
    return RequestQuery(
        service_codes=tuple(dict.fromkeys(_split(args.get("service_code")))),
        statuses=tuple(dict.fromkeys(statuses)),
        start=start,
        end=end,
        updated_after=after,
        updated_before=before,
        page=page,
        page_size=page_size,
        extensions=extensions,
    )


def find_requests(session: Session, query: RequestQuery) -> list[PublicRequest]:
    """The requests matching a query, one page, with their public status notes and photos."""
    sr = ServiceRequest
    if query.ids is not None:
        rows = list(session.execute(_base_select(query.extensions).where(_SR.c.tracking_number.in_(query.ids))))
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        start = (query.page - 1) * query.page_size
        return _public_requests(session, rows[start : start + query.page_size], query.extensions)
    # Two steps: first the page's ids from service_request alone, so the database walks the created_at (or
    # updated_at) index and stops at the page instead of joining and sorting the whole window; then the details.
    ids_stmt = sa.select(sr.id).where(sr.service_type_id.not_in(_private_type_ids()))
    if query.service_codes:
        type_ids = list(session.scalars(sa.select(ServiceType.id).where(ServiceType.code.in_(query.service_codes))))
        if not type_ids:
            return []
        ids_stmt = ids_stmt.where(sr.service_type_id.in_(type_ids))
    if query.statuses:
        ids_stmt = ids_stmt.where(sr.status.in_(query.statuses))
    if query.start is not None:
        ids_stmt = ids_stmt.where(sr.created_at >= query.start)
    if query.end is not None:
        ids_stmt = ids_stmt.where(sr.created_at <= query.end)
    if query.updated_after is not None:
        ids_stmt = ids_stmt.where(sr.updated_at > query.updated_after)
    if query.updated_before is not None:
        ids_stmt = ids_stmt.where(sr.updated_at < query.updated_before)
    order = (_SR.c.updated_at.asc(), _SR.c.id.asc()) if query.by_update else (_SR.c.created_at.desc(), _SR.c.id.desc())
    page = ids_stmt.order_by(*order).limit(query.page_size).offset((query.page - 1) * query.page_size)
    rows = list(session.execute(_base_select(query.extensions).where(_SR.c.id.in_(page.scalar_subquery())).order_by(*order)))
    return _public_requests(session, rows, query.extensions)


def get_request(session: Session, service_request_id: str, *, extensions: bool) -> PublicRequest:
    """One request by its public id (the tracking number); NotFound otherwise."""
    tracking = requests_service.normalise_tracking_number(service_request_id)
    rows = list(session.execute(_base_select(extensions).where(_SR.c.tracking_number == tracking)))
    if not rows:
        raise NotFound(f"service_request_id '{service_request_id}' not found.")
    return _public_requests(session, rows, extensions)[0]


def resolve_token(session: Session, token: str) -> str:
    """The service_request_id for a token. Requests are created synchronously, so the token is the id itself."""
    tracking = requests_service.normalise_tracking_number(token)
    if session.scalar(sa.select(ServiceRequest.id).where(ServiceRequest.tracking_number == tracking)) is None:
        raise NotFound(f"token '{token}' not found.")
    return tracking


def _private_type_ids() -> sa.Select[Any]:
    """Service types whose requests Open311 never shows (ServiceType.private): they point at someone's home."""
    return sa.select(ServiceType.id).where(ServiceType.private.is_(True))


def _base_select(extensions: bool) -> sa.Select[Any]:
    # Core tables rather than ORM attributes: the same SQL, without the ORM's per-row loading work.
    sr, st, district = ServiceRequest.__table__, ServiceType.__table__, District.__table__
    agency, type_agency = Department.__table__.alias("agency"), Department.__table__.alias("type_agency")
    columns: list[Any] = [
        # public_description only: description holds the resident's own words and staff notes (private).
        sr.c.id, sr.c.tracking_number, sr.c.status, sr.c.public_description, sr.c.created_at, sr.c.updated_at, sr.c.due_at,
        sr.c.closed_at, sr.c.address, sr.c.latitude, sr.c.longitude, sr.c.media_url, sr.c.closure_reason,
        st.c.code, st.c.name, st.c.sla_unit, st.c.sla_value, st.c.sla_hours,
        # The department answerable now (after a transfer), else the service type's own.
        sa.func.coalesce(agency.c.name, type_agency.c.name).label("agency"),
    ]
    joined = (
        sr.join(st, st.c.id == sr.c.service_type_id)
        .outerjoin(agency, agency.c.id == sr.c.department_id)
        .outerjoin(type_agency, type_agency.c.id == st.c.department_id)
    )
    if extensions:
        dup, parent = sr.alias("dup"), sr.alias("parent")
        columns += [
            sr.c.attributes, sr.c.channel, district.c.name.label("district_name"), district.c.code.label("district_code"),
            dup.c.tracking_number.label("duplicate_of"), parent.c.tracking_number.label("parent_request_id"),
        ]
        joined = (
            joined.outerjoin(district, district.c.id == sr.c.district_id)
            .outerjoin(dup, dup.c.id == sr.c.duplicate_of_id)
            .outerjoin(parent, parent.c.id == sr.c.parent_id)
        )
    # A request of a private type answers as if it did not exist (404 alone, absent from lists): even a
    # minimal record would confirm to anyone holding the number that such a complaint was made about a home.
    return sa.select(*columns).select_from(joined).where(st.c.private.is_(False))


def _public_requests(session: Session, rows: list[sa.Row[Any]], extensions: bool) -> list[PublicRequest]:
    ids = [row.id for row in rows]
    photos_by_request = _photos(session, ids)
    closed_ids = [row.id for row in rows if _value(row.status) == RequestStatus.CLOSED.value]
    closed_set = set(closed_ids)
    latest_steps = _latest_public_steps(session, [i for i in ids if i not in closed_set])
    resolutions = _resolutions(session, closed_ids)
    # The whole timeline only when asked for: on a 1000-row page it would be most of the work.
    notes_by_request = _activity_notes(session, ids) if extensions else {}
    follow_ons = _follow_on_notes(session, ids) if extensions else {}
    out = []
    for row in rows:
        notes = notes_by_request.get(row.id, [])
        status = _value(row.status)
        closed = status == "closed"
        resolution = resolutions.get(row.id)
        status_notes = row.closure_reason or None
        if status_notes is None:
            status_notes = (resolution or "Request closed") if closed else latest_steps.get(row.id)
        public = PublicRequest(
            service_request_id=row.tracking_number,
            status=status,
            status_notes=status_notes,
            service_name=row.name,
            service_code=row.code,
            description=(row.public_description or "")[:MAX_DESCRIPTION] or None,
            agency_responsible=row.agency,
            service_notice=sla_notice(row.agency, row.name, row.sla_unit, row.sla_value, row.sla_hours),
            requested_datetime=row.created_at,
            updated_datetime=row.updated_at,
            expected_datetime=row.due_at,
            address=row.address or None,
            zipcode=_zipcode(row.address),
            lat=row.latitude,
            long=row.longitude,
            given_media_url=row.media_url or None,
            photos=photos_by_request.get(row.id, []),
        )
        if extensions:
            timeline = list(notes) + follow_ons.get(row.id, [])
            if closed:
                closed_at = row.closed_at or row.updated_at
                # The step that closed it is recorded a moment after closed_at is set: keep "closed" last of them.
                closed_at = max([closed_at, *(n.at for n in timeline if n.at - closed_at < dt.timedelta(seconds=2))])
                timeline.append(Note(closed_at, "closed", "Request closed", row.closure_reason or resolution or None))
            public.notes = sorted(timeline, key=lambda n: n.at)
            public.attributes = dict(row.attributes or {})
            public.channel = _value(row.channel)
            public.district = row.district_name
            public.district_code = row.district_code
            public.duplicate_of = row.duplicate_of
            public.parent_request_id = row.parent_request_id
        out.append(public)
    return out


def _value(member: Any) -> str:
    """A StrEnum column's value, whether the driver handed back the member or its string (str() is both)."""
    return str(member)


def _zipcode(address: str | None) -> str | None:
    match = _ZIP_AT_END.search(address or "")
    return match.group(1) if match else None


def _photos(session: Session, request_ids: Sequence[int]) -> dict[int, list[PublicPhoto]]:
    if not request_ids:
        return {}
    p = Photo.__table__
    rows = session.execute(
        sa.select(p.c.request_id, p.c.id, p.c.kind, p.c.storage_key, p.c.size, p.c.width, p.c.height, p.c.taken_at, p.c.created_at)
        .where(p.c.request_id.in_(request_ids), p.c.visit_id.is_(None), p.c.kind.in_(PUBLIC_PHOTO_KINDS))
        .order_by(p.c.created_at, p.c.id)
    )
    out: dict[int, list[PublicPhoto]] = defaultdict(list)
    for r in rows:
        out[r.request_id].append(
            PublicPhoto(r.id, _value(r.kind), r.storage_key.rsplit(".", 1)[-1], r.size, r.width, r.height, r.taken_at, r.created_at)
        )
    return out


def _activity_notes(session: Session, request_ids: Sequence[int]) -> dict[int, list[Note]]:
    """Public notes from the history, oldest first (a completion carries the crew's resolution)."""
    if not request_ids:
        return {}
    a, wo = Activity.__table__, WorkOrder.__table__
    rows = session.execute(
        sa.select(a.c.request_id, a.c.verb, a.c.created_at, wo.c.resolution)
        .select_from(a.outerjoin(wo, wo.c.id == a.c.work_order_id))
        .where(a.c.request_id.in_(request_ids), a.c.verb.in_(list(PUBLIC_VERBS)))
        .order_by(a.c.created_at, a.c.id)
    )
    notes: dict[int, list[Note]] = defaultdict(list)
    for r in rows:
        note_type, summary = PUBLIC_VERBS[r.verb]
        description = r.resolution if r.verb == "status:completed" and r.resolution else None
        notes[r.request_id].append(Note(r.created_at, note_type, summary, description))
    return notes


def _latest_public_steps(session: Session, request_ids: Sequence[int]) -> dict[int, str]:
    """For open requests: the summary of the newest public step after 'opened' (their status_notes)."""
    if not request_ids:
        return {}
    a = Activity.__table__
    verbs = [v for v in PUBLIC_VERBS if v != "request:created"]
    newest = (
        sa.select(sa.func.max(a.c.id))
        .where(a.c.request_id.in_(request_ids), a.c.verb.in_(verbs))
        .group_by(a.c.request_id)
    )
    rows = session.execute(sa.select(a.c.request_id, a.c.verb).where(a.c.id.in_(newest.scalar_subquery())))
    return {r.request_id: PUBLIC_VERBS[r.verb][1] for r in rows}


def _resolutions(session: Session, request_ids: Sequence[int]) -> dict[int, str]:
    """For closed requests: the resolution of the last completed work order."""
    if not request_ids:
        return {}
    wo = WorkOrder.__table__
    rows = session.execute(
        sa.select(wo.c.request_id, wo.c.resolution)
        .where(wo.c.request_id.in_(request_ids), wo.c.status == WorkOrderStatus.COMPLETED.value, wo.c.resolution != "")
        .order_by(wo.c.id)
    )
    return {r.request_id: r.resolution for r in rows}


def _follow_on_notes(session: Session, request_ids: Sequence[int]) -> dict[int, list[Note]]:
    """Chicago's follow_on_created / follow_on_closed: requests opened as further work on these."""
    if not request_ids:
        return {}
    # Written out because SQLite needs INDEXED BY here: after ANALYZE it judges this index by its mostly-NULL
    # column and would scan every request instead (PostgreSQL's statistics know about NULLs).
    hint = "INDEXED BY ix_service_request_parent_id" if session.get_bind().dialect.name == "sqlite" else ""
    stmt = (
        sa.text(
            "SELECT sr.parent_id, sr.tracking_number, sr.created_at, sr.closed_at, sr.status, st.name, "
            "coalesce(agency.name, type_agency.name) AS agency "
            f"FROM service_request AS sr {hint} JOIN service_type AS st ON st.id = sr.service_type_id "
            "LEFT OUTER JOIN department AS agency ON agency.id = sr.department_id "
            "LEFT OUTER JOIN department AS type_agency ON type_agency.id = st.department_id "
            "WHERE sr.parent_id IN :ids"
        )
        .bindparams(sa.bindparam("ids", expanding=True))
        .columns(created_at=UTCDateTime(), closed_at=UTCDateTime())
    )
    rows = session.execute(stmt, {"ids": list(request_ids)})
    out: dict[int, list[Note]] = defaultdict(list)
    for r in rows:
        ext = {"service_request_id": r.tracking_number, "service_name": r.name, "agency_responsible": r.agency}
        out[r.parent_id].append(
            Note(r.created_at, "follow_on_created", f"Follow-on {r.name} created", f"{r.name} #{r.tracking_number} created for {r.agency}", ext)
        )
        if r.status == RequestStatus.CLOSED.value and r.closed_at is not None:
            out[r.parent_id].append(
                Note(r.closed_at, "follow_on_closed", f"Follow-on {r.name} closed", f"{r.name} #{r.tracking_number} closed by {r.agency}", ext)
            )
    return out


# ---------------------------------------------------------------- POST requests


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _text(form: Mapping[str, Sequence[str]], name: str, limit: int) -> str:
    values = form.get(name) or []
    value = values[0] if values else ""
    value = _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    if len(value) > limit:
        raise BadArgument(f"{name} is longer than {limit} characters.")
    return value


def _coordinate(form: Mapping[str, Sequence[str]], name: str) -> float | None:
    # The shared number rule, naming the field as the client sent it (lat, long); the range is checked with both.
    try:
        return validation.finite_float(_text(form, name, 40), name, label=name)
    except DomainError as exc:
        raise BadArgument(exc.message) from None


def _field(rule: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    # The shared rules (fieldops/web/validation.py) speak of the resident's fields; an Open311 client hears a 400.
    try:
        return rule(*args, **kwargs)
    except DomainError as exc:
        raise BadArgument(exc.message) from exc


def parse_attributes(form: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Collect attribute[CODE]=v and attribute[CODE][]=v1&attribute[CODE][]=v2 into {code: [values]}."""
    raw: dict[str, list[str]] = {}
    for key, values in form.items():
        if not isinstance(key, str):
            continue  # a form part whose name the parser could not read (e.g. a bare CR) names no argument
        match = _ATTRIBUTE_KEY.match(key)
        if match is None:
            if key.startswith("attribute"):
                raise BadArgument(f"{key} is not an attribute argument; use attribute[CODE] or attribute[CODE][].")
            continue
        raw.setdefault(match.group(1), []).extend(_CONTROL.sub("", v) for v in values)
    return raw


def _media_url(value: str) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in value):
        raise BadArgument("media_url must be an http or https URL.")
    return value


def submit_request(
    session: Session,
    settings: Settings,
    key: ApiKey,
    form: Mapping[str, Sequence[str]],
    uploads: Sequence[Upload] = (),
) -> ServiceRequest:
    """Create a request from a GeoReport POST (form fields as lists, media files); BadArgument on bad input."""
    service_code = _text(form, "service_code", 64)
    if not service_code:
        raise BadArgument("service_code is required.")
    service_type = session.scalar(
        sa.select(ServiceType)
        .where(ServiceType.code == service_code, ServiceType.active.is_(True))
        .options(selectinload(ServiceType.attributes))
    )
    if service_type is None:
        raise BadArgument(f"service_code '{service_code}' is not a service of this city; see services.json.")
    lat, lon = _coordinate(form, "lat"), _coordinate(form, "long")
    address = _field(validation.text, _text(form, "address_string", 1024), "address_string", validation.TEXT_LIMITS["address"])
    if (lat is None) != (lon is None):
        raise BadArgument("Give both lat and long, or neither.")
    if lat is None and not address:
        if _text(form, "address_id", 255):
            raise BadArgument("address_id is not supported here; give lat and long or address_string.")
        raise BadArgument("A location is required: lat and long, or address_string.")
    attributes = validate_answers(service_type, parse_attributes(form))
    first, last = _text(form, "first_name", 60), _text(form, "last_name", 60)
    name = _field(validation.text, f"{first} {last}", "resident_name", label="first_name and last_name")
    email = _field(validation.email, _text(form, "email", 1024), "email")
    phone = _field(validation.phone, _text(form, "phone", 1024), "phone")
    if len(uploads) > MAX_MEDIA_FILES:
        raise BadArgument(f"Send at most {MAX_MEDIA_FILES} media files.")
    try:
        req = requests_service.create_request(
            session,
            None,
            service_type=service_type,
            channel=Channel.OPEN311,
            # Input shares the intake limit (5000); GeoReport's 4000 applies to what requests.json shows.
            description=_field(validation.text, _text(form, "description", 100_000), "description"),
            latitude=lat,
            longitude=lon,
            address=address,
            resident_name=name,
            resident_email=email,
            resident_phone=phone,
            # Contact details given to a 311 app are given so the city can follow up on this request.
            contact_consent=bool(email or phone),
            attributes=dict(attributes),
            media_url=_media_url(_text(form, "media_url", 1024)),
            device_id=_text(form, "device_id", 120),
            api_key_id=key.id,
        )
    except BadArgument:
        raise
    except DomainError as exc:
        raise BadArgument(exc.message) from exc
    staged = []
    for upload in uploads:
        try:
            photo, _ = photos.stage_photo(session, settings, None, photo_id=None, raw=upload.data, kind=PhotoKind.INTAKE, filename=upload.filename)
        except Busy:
            raise  # not a bad argument: the same request succeeds when sent again (503 + Retry-After)
        except DomainError as exc:
            raise BadArgument(f"media {upload.filename or ''}: {exc.message}".replace("  ", " ")) from exc
        staged.append(photo.id)
    if staged:
        photos.attach_photos(session, None, staged, request_id=req.id)
    return req


def public_photo(session: Session, photo_id: str) -> Photo:
    """A photo Open311 clients may fetch: attached to a request, before/after/intake, never a visit photo."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.request_id is None or photo.visit_id is not None or photo.kind not in PUBLIC_PHOTO_KINDS:
        raise NotFound("media not found.")
    return photo


__all__ = [
    "BadArgument",
    "Note",
    "PublicPhoto",
    "PublicRequest",
    "PublicService",
    "RequestQuery",
    "Upload",
    "find_requests",
    "get_request",
    "get_service",
    "list_services",
    "parse_query",
    "resolve_token",
    "submit_request",
]
