"""Photo uploads as they arrive over HTTP: bounded while they stream in, then judged one photo at a time."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from flask import Request, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from fieldops.errors import TooLarge
from fieldops.settings import Settings

__all__ = ["CappedFile", "FormPhoto", "FormPhotos", "UploadRequest", "form_photos", "mb", "read_photo_body"]

_BYTES_PER_MB = 1024 * 1024
_SPOOL_IN_MEMORY = 512 * 1024  # Werkzeug's own threshold: larger files go to a temporary file on disk
_CHUNK = 64 * 1024


def mb(n: float) -> str:
    """A size for people: "16.2 MB"; tiny sizes keep two significant digits instead of "0 MB"."""
    value = n / _BYTES_PER_MB
    text = f"{value:.1f}".removesuffix(".0") if value >= 1 else f"{value:.2g}"
    return f"{text} MB"


class CappedFile:
    """Where Werkzeug writes one uploaded file: counts every byte, keeps at most `cap` of them.

    A file over the cap is still received to the end (the form's other fields and photos come after it in the
    body) but its bytes are dropped as they arrive, so it costs neither memory nor disk, and the size we
    report is the real one.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.received = 0
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, mode="w+b")

    @property
    def overflowed(self) -> bool:
        """Whether the file was larger than the cap (and so was not kept)."""
        return self.received > self.cap

    def write(self, data: bytes) -> int:
        """Count `data`; store it only while the file is within the cap."""
        was_over = self.overflowed
        self.received += len(data)
        if not self.overflowed:
            self._file.write(data)
        elif not was_over:
            self._file.seek(0)
            self._file.truncate()
        return len(data)

    def __getattr__(self, name: str) -> Any:
        # read, seek, tell, close...: the kept bytes behave like any file.
        return getattr(self._file, name)


class UploadRequest(Request):
    """Flask's request, with every uploaded file capped at one photo's size while the body streams in."""

    def _get_file_stream(
        self, total_content_length: int | None, content_type: str | None, filename: str | None = None, content_length: int | None = None
    ) -> IO[bytes]:
        settings: Settings = current_app.extensions["fieldops.settings"]
        return CappedFile(settings.max_photo_bytes)  # type: ignore[return-value]


def read_photo_body(request: Request, settings: Settings) -> bytes:
    """The body of a single-photo upload (PUT /api/photos/<id>), never more than one photo's cap in memory."""
    cap = settings.max_photo_bytes
    declared = request.content_length
    if declared is not None and declared > cap:
        raise TooLarge(_("This photo is %(size)s; the limit is %(limit)s per photo.", size=mb(declared), limit=mb(cap)))
    stream = request.stream  # bounded by Content-Length and MAX_CONTENT_LENGTH; chunked bodies have neither
    chunks, total = [], 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > cap:
            raise TooLarge(_("This photo is over %(limit)s; the limit is %(limit)s per photo.", limit=mb(cap)))
        chunks.append(chunk)
    return b"".join(chunks)


@dataclasses.dataclass(frozen=True)
class FormPhoto:
    """One photo from a form, within the size cap, read into memory for decoding."""

    filename: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class FormPhotos:
    """A form's photos: those to process, and a sentence for each one refused before processing."""

    accepted: list[FormPhoto]
    refused: list[str]
    # The refusals that were for size alone (APIs answer those with 413).
    too_large: list[str]


def form_photos(files: Iterable[FileStorage], settings: Settings) -> FormPhotos:
    """Sort a form's photo fields: over the size cap or beyond the per-form count is refused by name."""
    accepted: list[FormPhoto] = []
    refused: list[str] = []
    too_large: list[str] = []
    chosen = [f for f in files if f and (f.filename or f.content_length)]
    for index, f in enumerate(chosen):
        name = f.filename or _("photo %(n)s", n=index + 1)
        stream = f.stream
        if isinstance(stream, CappedFile) and stream.overflowed:
            too_large.append(
                _("%(name)s is %(size)s; the limit is %(limit)s per photo.", name=name, size=mb(stream.received), limit=mb(settings.max_photo_bytes))
            )
            refused.append(too_large[-1])
            continue
        if index >= settings.max_photos_per_form:
            refused.append(_("%(name)s was not kept: at most %(n)s photos can be sent at once.", name=name, n=settings.max_photos_per_form))
            continue
        data = f.read(settings.max_photo_bytes + 1)  # streams not made by UploadRequest (tests, other apps) too
        if len(data) > settings.max_photo_bytes:
            too_large.append(_("%(name)s is over %(limit)s; the limit is %(limit)s per photo.", name=name, limit=mb(settings.max_photo_bytes)))
            refused.append(too_large[-1])
            continue
        accepted.append(FormPhoto(filename=f.filename or "", data=data))
    return FormPhotos(accepted=accepted, refused=refused, too_large=too_large)
