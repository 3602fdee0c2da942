"""Attach photos to requests and work orders; files go through the storage interface."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from flask_babel import gettext

from fieldops.access import policies
from fieldops.activity.verbs import Verb
from fieldops.accounts.models import User
from fieldops.activity import services as activity
from fieldops.db import utcnow
from fieldops.errors import Busy, Conflict, DomainError, Forbidden, PhotosMissing
from fieldops.photos.imaging import DecodesBusy, ImageRejected, ProcessedImage, decode_limiter, process_upload
from fieldops.photos.models import Photo, PhotoKind
from fieldops.settings import Settings
from fieldops.storage import FileStorage
from fieldops.workorders.models import WorkOrder


def photo_storage(settings: Settings) -> FileStorage:
    """The store photos live in."""
    return FileStorage(settings.storage_path)


def parse_photo_id(value: str | None) -> str:
    """A client-chosen photo id must be a UUID; none given means a fresh one."""
    if not value:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise DomainError(gettext("The photo id must be a UUID.")) from exc


def add_work_order_photo(
    session: Session,
    settings: Settings,
    user: User,
    wo: WorkOrder,
    *,
    raw: bytes,
    kind: PhotoKind,
    filename: str = "",
    photo_id: str | None = None,
    source_key: str | None = None,
) -> Photo:
    """Validate, normalise and store a before/after photo for a job; the same id and bytes again is a no-op."""
    if not policies.can_edit_work_order(user, wo):
        raise Forbidden(gettext("This work order is not assigned to you or your crew."))
    if kind not in (PhotoKind.BEFORE, PhotoKind.AFTER):
        raise DomainError(gettext("Work order photos are “before” or “after” photos."))
    if not wo.status.is_open:
        raise DomainError(
            gettext("This work order is %(status)s; photos can no longer be added.", status=gettext(wo.status.label).lower())
        )
    # One path for every photo: stage it (idempotent per id and bytes), then attach it to the job.
    photo, _ = stage_photo(session, settings, user, photo_id=photo_id, raw=raw, kind=kind, filename=filename)
    attach_photos(session, user, [photo.id], request_id=wo.request_id, work_order=wo, source_key=source_key)
    return photo


def stage_photo(
    session: Session,
    settings: Settings,
    user: User | None,
    *,
    photo_id: str | None,
    raw: bytes,
    kind: PhotoKind,
    filename: str = "",
) -> tuple[Photo, bool]:
    """Store a photo sent ahead of its action, with no parent yet; returns (photo, created). Same id and bytes: no-op."""
    # user None: an Open311 client, known only by its API key; it attaches the photo in the same transaction.
    uploader_id = user.id if user is not None else None
    pid = parse_photo_id(photo_id)
    existing = session.get(Photo, pid)
    if existing is not None:
        # Compared before decoding, so a retried upload costs a hash rather than the image pipeline.
        if existing.sha256 == hashlib.sha256(raw).hexdigest() and existing.uploaded_by_id == uploader_id:
            return existing, False
        raise Conflict(gettext("A different photo was already uploaded with this id."))
    image = _process(settings, raw)
    photo = _store(photo_storage(settings), image, pid, filename, ZoneInfo(settings.timezone))
    photo.kind = kind
    photo.uploaded_by_id = uploader_id
    session.add(photo)
    session.flush()
    return photo, True


def attach_photos(
    session: Session,
    user: User | None,
    photo_ids: Sequence[str],
    *,
    request_id: int,
    work_order: WorkOrder | None = None,
    kind: PhotoKind | None = None,
    source_key: str | None = None,
) -> list[Photo]:
    """Attach the user's staged photos to a request (and job); already attached there is a no-op."""
    # No status or assignment check: callers decide, because field evidence is kept even on a job closed meanwhile.
    work_order_id = work_order.id if work_order is not None else None
    found = {pid: session.get(Photo, parse_photo_id(pid)) for pid in photo_ids}
    missing = [pid for pid, photo in found.items() if photo is None]
    if missing:
        raise PhotosMissing(missing)
    attached = []
    for pid in photo_ids:
        photo = found[pid]
        assert photo is not None
        if photo.uploaded_by_id != (user.id if user is not None else None):
            raise Forbidden(gettext("Photo %(id)s was uploaded by someone else.", id=pid))
        if photo.request_id is not None or photo.work_order_id is not None:
            if photo.request_id == request_id and photo.work_order_id == work_order_id:
                attached.append(photo)
                continue
            raise DomainError(gettext("Photo %(id)s is already attached to another request or job.", id=pid))
        if kind is not None:
            photo.kind = kind
        if work_order is not None and photo.kind == PhotoKind.INTAKE:
            raise DomainError(gettext("Work order photos are “before”, “after” or visit photos."))
        photo.request_id = request_id
        photo.work_order_id = work_order_id
        activity.record(
            session,
            request_id=request_id,
            work_order_id=work_order_id,
            actor=user,
            verb=Verb(f"photo:{photo.kind.value}"),
            params={"kind": photo.kind.value},
            detail={"photo_id": photo.id, "sha256": photo.sha256},
            source_key=source_key,
        )
        attached.append(photo)
    session.flush()
    return attached


def _process(settings: Settings, raw: bytes) -> ProcessedImage:
    """Validate and normalise an upload with the configured limits; a refusal becomes a DomainError, overload Busy."""
    limiter = decode_limiter(settings.photo_decode_slots, settings.photo_decode_queue, settings.photo_decode_wait_seconds)
    try:
        return process_upload(
            raw,
            max_bytes=settings.max_photo_bytes,
            max_pixels=settings.photo_max_pixels,
            max_long_side=settings.photo_max_long_side,
            thumb_size=settings.photo_thumb_size,
            limiter=limiter,
        )
    except ImageRejected as exc:
        raise DomainError(str(exc)) from exc
    except DecodesBusy as exc:
        raise Busy(str(exc), exc.retry_after) from exc


def _store(storage: FileStorage, image: ProcessedImage, pid: str, filename: str, zone: ZoneInfo) -> Photo:
    key = f"photos/{pid[:2]}/{pid}.{image.extension}"
    thumb_key = f"photos/{pid[:2]}/{pid}-thumb.jpg"
    storage.save(key, image.data)
    storage.save(thumb_key, image.thumbnail)
    taken_at = image.taken_at
    if taken_at is not None and taken_at.tzinfo is None:
        # EXIF clocks have no zone; a phone in the field is set to the city's local time.
        taken_at = taken_at.replace(tzinfo=zone)
    return Photo(
        id=pid,
        sha256=image.sha256,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        storage_key=key,
        thumbnail_key=thumb_key,
        original_filename=filename[:255],
        taken_at=taken_at,
        latitude=image.latitude,
        longitude=image.longitude,
    )


def photos_for_work_order(session: Session, wo: WorkOrder) -> list[Photo]:
    """A job's photos in the order they were added."""
    return list(session.scalars(sa.select(Photo).where(Photo.work_order_id == wo.id).order_by(Photo.created_at, Photo.id)))


@dataclasses.dataclass(frozen=True)
class PruneResult:
    """What prune_staged removed (or would remove): rows, stored bytes, and the files to delete after commit."""

    count: int
    bytes: int
    keys: list[str]


def prune_staged(session: Session, storage: FileStorage, *, older_than: dt.timedelta, now: dt.datetime | None = None, dry_run: bool = False) -> PruneResult:
    """Delete the rows of photos staged longer than `older_than` and never attached; the caller deletes the files."""
    # Safe because the tablet keeps every photo until its action is acknowledged: an action naming a pruned
    # photo gets 422 photos_missing and the outbox sends the photo again (pwa/js/outbox.js).
    cutoff = (now or utcnow()) - older_than
    staged = list(
        session.scalars(
            sa.select(Photo).where(
                Photo.request_id.is_(None),
                Photo.work_order_id.is_(None),
                Photo.visit_id.is_(None),
                Photo.created_at < cutoff,
            )
        )
    )
    keys = [key for photo in staged for key in (photo.storage_key, photo.thumbnail_key)]
    total = sum(storage.size(key) for key in keys if storage.exists(key))
    if not dry_run:
        for photo in staged:
            session.delete(photo)
        session.flush()
    return PruneResult(count=len(staged), bytes=total, keys=keys)


def delete_files(storage: FileStorage, keys: Sequence[str]) -> None:
    """Remove stored files; called after the rows that named them are committed away."""
    # Rows first, files after: a crash in between leaves an unreferenced file, never a row without its file.
    for key in keys:
        storage.delete(key)
