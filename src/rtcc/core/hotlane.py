"""The hot lane: a route table entry that serves a few per-event sensor endpoints without the framework's per-request
routing and dependency machinery.

A camera sends one read per request. For such a request, matching the path against the route table, wrapping the
endpoint, building and solving its dependency graph and entering its exit stack cost the event loop more than the
read's own work (measured with py-spy on ``rtcc bench ingest --reads-per-request 1``). ``HotLane`` sits first in the
application's route table and, for ``POST`` to one of its exact paths with no query string and no root path, calls
the lane's handler directly: ``handler(request) -> Response``. The handler calls the same permission check and the
same endpoint function the declared route uses (``rtcc.alpr.routes`` defines both from one ``Require``), so the lane
changes how a request reaches the endpoint, never what it does.

Everything else falls through to the ordinary routes: another method (405 and ``OPTIONS`` as the framework answers
them), a query string (the framework validates its parameters), a mounted root path. The declared routes stay in the
table for the API's map (``/openapi.json``), for the deny-by-default check at start-up and for that fallback. The lane
runs inside the middleware stack and the exception middleware, so bodies are limited, text is guarded and a raised
``DomainError`` becomes the same problem+json as on the declared route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

#: A lane endpoint: the request in, the response out (raising a ``DomainError`` as a route would).
LaneHandler = Callable[[Request], Awaitable[Response]]


class HotLane(BaseRoute):
    """``POST <path>`` for the lane's exact paths, straight to their handlers (see the module docstring)."""

    def __init__(self, handlers: Mapping[str, LaneHandler]) -> None:
        self.handlers = dict(handlers)

    def lane_for(self, scope: Scope) -> LaneHandler | None:
        """The handler that serves this request in the lane, or None when the ordinary routes must."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("query_string") or scope.get("root_path"):
            return None
        return self.handlers.get(scope["path"])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        handler = self.lane_for(scope)
        return (Match.NONE, {}) if handler is None else (Match.FULL, {"endpoint": handler})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.handlers[scope["path"]]
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # lane entries are reached by path only; the declared routes have names

    def __repr__(self) -> str:
        return f"HotLane({sorted(self.handlers)})"
