"""Domain errors raised by services; views turn them into messages and HTTP statuses."""

from __future__ import annotations


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
