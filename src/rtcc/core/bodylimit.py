"""Request body size limits, enforced before a body is read and before authentication (pure ASGI middleware).

Every HTTP request gets a byte budget from its route class: the default (JSON APIs), or a larger one that a domain
declares for its paths in its manifest (ALPR ingest, hotlist and CAD imports, uploads; see ``BodyClass``). A
``Content-Length`` over the budget is answered 413 problem+json at once, without reading a byte; a chunked or
unannounced body is counted while it streams and refused at the byte that passes the budget, so no layer (the
TextGuard, the JSON parser, the multipart spooler) ever holds more than the budget. A route class's budget applies to
JSON bodies only when the class says so (``json``): elsewhere a JSON body gets the default budget, since the
TextGuard reads JSON bodies whole before authentication.

A route that knows a tighter limit once it has authenticated the caller (a tip photo's, a rebate proof's) narrows
the budget with ``narrow(request, limit)`` before it reads; the stream is then cut at that limit instead.

Refusal raises ``BodyTooLarge`` (an HTTP 413 exception) from ``receive``: inside the app the problem handlers turn it
into problem+json (``rtcc.core.problems``); before the app (the TextGuard reading a body) this middleware answers it.
The 413 carries ``Connection: close``: the rest of the body is not read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from rtcc.core.errors import field_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Key of the request's ``Budget`` in the ASGI scope.
SCOPE_KEY = "rtcc.body_budget"
_JSON_TYPES = (b"application/json", b"application/problem+json", b"application/geo+json")


class BodyTooLarge(HTTPException):
    """The request body passed its route's limit (413); ``field`` names the form field a route's narrower limit is
    about (a file), with its own message."""

    def __init__(self, limit: int, field: str | None = None, message: str | None = None) -> None:
        super().__init__(413, message or f"the request body is larger than the limit of {limit} bytes for this route")
        self.limit = limit
        self.field = field


@dataclass(frozen=True, slots=True)
class BodyRule:
    """A route class: paths matching ``pattern`` (``re.match`` on the path) may carry ``limit`` bytes; ``json``
    says whether that limit applies to JSON bodies too (otherwise they get the default)."""

    pattern: re.Pattern[str]
    limit: int
    json: bool = False


class Budget:
    """One request's byte budget and the bytes received so far (mutable: ``narrow`` lowers ``limit`` and says which
    field and message a refusal then names)."""

    __slots__ = ("field", "limit", "message", "received")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0
        self.field: str | None = None
        self.message: str | None = None


def _headers(scope: Scope) -> tuple[int | None, bool]:
    """(declared Content-Length or None, whether the body is JSON) from the request headers."""
    length: int | None = None
    is_json = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            is_json = kind in _JSON_TYPES or kind.endswith(b"+json")
    return length, is_json


def problem_response(scope: Scope, exc: BodyTooLarge) -> JSONResponse:
    """The 413 problem+json answer (the connection is closed: the unread rest of the body is dropped)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Request body too large",
        "status": 413,
        "detail": f"{exc.field}: {exc.detail}" if exc.field else exc.detail,
        "instance": scope.get("path", ""),
        "limit": exc.limit,
    }
    if exc.field:
        body["errors"] = [field_error(exc.field, exc.detail)]
    response = JSONResponse(body, status_code=413, media_type="application/problem+json")
    response.headers["Connection"] = "close"
    return response


def narrow(request: Request, limit: int, *, field: str | None = None, message: str | None = None) -> None:
    """Lower this request's body budget to ``limit`` bytes (never raise it): the stream is cut there with a 413
    naming ``field`` with ``message``. Raises ``BodyTooLarge`` at once when the declared Content-Length or the bytes
    already received pass it. Without the middleware (a bare app) it does nothing but that check."""
    budget = request.scope.get(SCOPE_KEY)
    if budget is not None and limit < budget.limit:
        budget.limit = limit
        budget.field = field
        budget.message = message
    length, _json = _headers(request.scope)
    received = budget.received if budget is not None else 0
    if received > limit or (length is not None and length > limit):
        raise BodyTooLarge(limit, field, message)


class BodyLimit:
    """ASGI middleware enforcing the budgets (see the module docstring). Add it outermost, before the TextGuard."""

    def __init__(self, app: ASGIApp, *, default: int, rules: Sequence[BodyRule] = ()) -> None:
        self.app = app
        self.default = default
        self.rules = tuple(rules)

    def limit_for(self, path: str, is_json: bool) -> int:
        """The byte budget of a request to ``path``."""
        for rule in self.rules:
            if rule.pattern.match(path):
                return rule.limit if rule.json or not is_json else min(rule.limit, self.default)
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, is_json = _headers(scope)
        budget = Budget(self.limit_for(scope.get("path", ""), is_json))
        if length is not None and length > budget.limit:
            await problem_response(scope, BodyTooLarge(budget.limit))(scope, receive, send)
            return
        scope[SCOPE_KEY] = budget
        started = False

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                budget.received += len(message.get("body", b""))
                if budget.received > budget.limit:
                    raise BodyTooLarge(budget.limit, budget.field, budget.message)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:  # raised outside the app's handlers (the TextGuard reading a JSON body)
            if started:
                raise
            await problem_response(scope, exc)(scope, receive, send)
