"""RFC 9457 problem+json: the one error shape of the HTTP API, and the handlers that produce it.

A 503 (``ServiceUnavailable``: the database or the bus is down) carries ``Retry-After``. Connection-level database
errors (connection refused or lost, pool exhausted, SQLite busy) are mapped here once to ``DatabaseUnavailable``, so
an outage answers 503 and never 500; any other database error is a crash (500, logged).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from rtcc.core.bodylimit import BodyTooLarge, problem_response
from rtcc.core.db import is_database_outage
from rtcc.core.errors import DatabaseUnavailable, DomainError, ServiceUnavailable

__all__ = ["PROBLEM_TYPE", "install_problem_handlers", "is_database_outage", "problem"]

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; a 422 lists each refused field in `errors`.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["title", "status"],
}
_WHY = {
    400: "Bad request",
    401: "Not signed in (or the session or key is no longer valid)",
    403: "Signed in, but the role does not grant this",
    404: "Not found",
    409: "Conflict with the current state (e.g. a unit just assigned by someone else)",
    413: "Request body too large",
    422: "Validation failed: each refused field is named",
    429: "Too many requests: retry after Retry-After seconds",
    503: "A service the request needs (database, bus) is unavailable: retry after Retry-After seconds",
}
#: The error answers any route may give, documented on every route (all as problem+json), so that the OpenAPI
#: document states every status code the API can answer (a schemathesis run checks it).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": why, "content": {PROBLEM_TYPE: {"schema": _PROBLEM_SCHEMA}}} for status, why in _WHY.items()
}


def problem(status: int, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    """A problem+json response (401 with ``WWW-Authenticate``; ``retry_after`` seconds become ``Retry-After``)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    retry_after = extra.pop("retry_after", None)
    body.update(extra)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="rtcc"'
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers or None)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append(
            {
                "loc": loc,
                "field": ".".join(p for p in loc if p not in ("body", "query", "path")),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return out


def _crashed(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal server error", "an unexpected error occurred; it has been logged", request)


def install_problem_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors, HTTP errors and crashes to problem+json once, for every route."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {"errors": exc.errors} if exc.errors else {}
        retry_after = getattr(exc, "retry_after", None)  # 503s, and 429s such as a locked sign-in
        if isinstance(exc, ServiceUnavailable) or isinstance(retry_after, int):
            extra["retry_after"] = retry_after
        return problem(exc.status, exc.title, exc.detail, request, **extra)

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def _database(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
        if not is_database_outage(exc):
            return _crashed(request, exc)
        logger.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", None) or exc).__name__,
        )
        logger.debug("database error", exc_info=exc)
        down = DatabaseUnavailable("the database is unavailable; retry later")
        return problem(down.status, down.title, down.detail, request, retry_after=down.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        fields = ", ".join(sorted({e["field"] or "body" for e in errors}))
        return problem(422, "Validation failed", f"invalid input in: {fields}", request, errors=errors)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem_response(request.scope, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail) if exc.status_code < 500 else "Server error",
            str(exc.detail),
            request,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        return _crashed(request, exc)
