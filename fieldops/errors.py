"""Domain errors raised by services; views turn them into messages and HTTP statuses."""

from __future__ import annotations

from flask_babel import gettext


class DomainError(Exception):
    """A rule of the domain refused the action; the message is written for the person who tried."""

    status_code = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The record changed since the client saw it (stale version)."""

    status_code = 409


class InvalidTransition(DomainError):
    status_code = 409


class TooLarge(DomainError):
    """An upload is over its size cap; refused before it is read into memory."""

    status_code = 413


class Busy(DomainError):
    """The server is at capacity for this kind of work; the same request will succeed if sent again later."""

    status_code = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PhotosMissing(DomainError):
    """An action names photos the server does not hold (never uploaded, or lost since, e.g. a restore from backup).

    The tablet still has them in its outbox: the sync API answers with their ids so it sends them again.
    """

    code = "photos_missing"

    def __init__(self, photo_ids: list[str]) -> None:
        if len(photo_ids) == 1:
            message = gettext("Photo %(id)s has not reached the server; send it again.", id=photo_ids[0])
        else:
            message = gettext("Photos %(ids)s have not reached the server; send them again.", ids=", ".join(photo_ids))
        super().__init__(message)
        self.photo_ids = photo_ids
