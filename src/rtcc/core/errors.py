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
    """Input that parsed but breaks a rule; ``errors`` name the fields and reasons (``field_error``'s shape)."""

    status = 422
    title = "Validation failed"


def field_error(field: str | int, msg: str, *, where: str = "body") -> dict[str, Any]:
    """One entry of a problem's ``errors``, in the shape request validation uses: ``loc`` (``[where, *path]``),
    ``field`` (the dotted path a form shows next to its input) and ``msg``.

    ``where`` says what the path is inside: ``body``, ``query``, ``path`` for a request, ``line`` for a line of an
    imported file (``field`` is then the line number, kept a number in ``loc``), a file's name for a file's field
    (an empty ``field``: the whole file), ``settings`` for a setting."""
    path: list[str | int] = [field] if isinstance(field, int) else [p for p in field.split(".") if p]
    return {"loc": [where, *path], "field": str(field), "msg": msg, "type": "value_error"}


def invalid(field: str, msg: str, *, where: str = "body") -> ValidationFailed:
    """A ValidationFailed about one field: detail ``"<field>: <msg>"`` and one ``field_error``."""
    return ValidationFailed(f"{field}: {msg}", errors=[field_error(field, msg, where=where)])


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


class ProfileInvalid(DomainError):
    """A city profile (``RTCC_CITY_PROFILE``) that cannot be used; ``detail`` and ``errors`` name the file and field."""

    status = 500
    title = "City profile invalid"
