"""Refuse NUL and bidirectional-override characters anywhere a client sends text: the path, the query string and
JSON bodies, before any route sees them.

A NUL byte cannot be stored in a PostgreSQL text column (the driver raises, which was a 500) and truncates strings
in C libraries downstream; the bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069) make a name,
plate or reason display differently from what is stored ("Trojan Source"), which an audit trail cannot allow. No
legitimate name, plate, address, reason or narrative needs them (right-to-left text uses the ordinary marks, which
pass). The answer is a 422 problem+json naming the field, in the shape request validation uses.

Bodies are checked only for JSON content types (multipart uploads are files, checked by their own readers). A JSON
body is read whole (the app reads it whole anyway) and handed on unchanged; the common case costs one bytes search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from rtcc.core.errors import field_error
from rtcc.core.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The refused characters in decoded text.
BAD_TEXT = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
#: The same in a raw JSON body: raw UTF-8 bytes or JSON escapes.
_BAD_JSON = re.compile(
    rb"\x00|\\u0000|\\u202[a-eA-E]|\\u206[6-9]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]",
)
_JSON_TYPES = ("application/json", "application/problem+json", "application/geo+json")
MESSAGE = "NUL and bidirectional-override characters (U+202A-U+202E, U+2066-U+2069) are not accepted"


def first_bad_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) in a decoded JSON value that holds a refused character."""
    if isinstance(value, str):
        return path if BAD_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if BAD_TEXT.search(str(key)):
                return here
            found = first_bad_field(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = first_bad_field(item, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().decode("latin-1").lower()
            return kind in _JSON_TYPES or kind.endswith("+json")
    return False


class TextGuard:
    """ASGI middleware: a request whose path, query or JSON body holds a refused character is answered 422."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if BAD_TEXT.search(scope.get("path", "")):
            await self._refuse(scope, send, "path", "path")
            return
        query = scope.get("query_string", b"")
        if query and (b"%" in query or _BAD_JSON.search(query)):
            for name, value in parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True):
                if BAD_TEXT.search(name) or BAD_TEXT.search(value):
                    await self._refuse(scope, send, name, "query")
                    return
        if scope.get("method") not in ("POST", "PUT", "PATCH") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _BAD_JSON.search(body):
            try:
                field = first_bad_field(json.loads(body))
            except ValueError:  # not JSON: the route's own parser says so
                field = None
            if field is not None:
                await self._refuse(scope, send, field, "body")
                return
        await self.app(scope, _replay([body], None, receive), send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, field: str, where: str) -> None:
        request = Request(scope)
        response = problem(
            422, "Validation failed", f"{field}: {MESSAGE}", request, errors=[field_error(field, MESSAGE, where=where)]
        )
        await response(scope, _no_receive, send)


def _replay(bodies: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A receive that hands the body read already back as one message (then ``last``), then the real one."""
    pending: list[Message] = [{"type": "http.request", "body": b"".join(bodies), "more_body": False}] if bodies else []
    if last is not None:
        pending.append(last)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
