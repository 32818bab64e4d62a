"""Domain exceptions. Services raise these; the app maps them to HTTP once, as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose. ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class ValidationFailed(DomainError):
    """Input that parsed but breaks a rule; ``errors`` name the fields (``loc``) and reasons (``msg``)."""

    status = 422
    title = "Validation failed"


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class ImportFailed(DomainError):
    """A file import that was aborted; ``detail`` names the file and line."""

    status = 422
    title = "Import failed"


class ServiceUnavailable(DomainError):
    """A dependency (database, event bus) is down; the client should retry after ``retry_after`` seconds."""

    status = 503
    title = "Service unavailable"
    retry_after = 5


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or refused the work for a transient reason (connection lost, locked)."""

    title = "Database unavailable"
