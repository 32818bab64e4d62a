"""Conditional GET for screens that poll: a strong ETag over the answer's JSON, and the test of ``If-None-Match``.

A poll that finds nothing changed answers ``304 Not Modified`` with no body. Where a read discloses personal data
and is audited (a field user's patrol plan holding residents' addresses, polled every few seconds), this keeps the
audit log to one entry per disclosure: the 304 discloses nothing new, so it is not recorded again.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from fastapi import Request, Response
from pydantic import BaseModel

#: The OpenAPI entry of a route that may answer 304.
NOT_MODIFIED_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified: the answer still has the ETag sent in If-None-Match (no body)."}
}


def of(payload: BaseModel | None) -> str:
    """A strong ETag (quoted) over the payload's JSON; ``None`` has its own."""
    body = b"null" if payload is None else payload.model_dump_json().encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(request: Request, tag: str) -> bool:
    """True when the request's ``If-None-Match`` names ``tag`` (a list, weak forms or ``*`` included, RFC 9110)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    sent = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in sent or tag in sent


def not_modified(tag: str) -> Response:
    """The 304 answer carrying ``tag``."""
    return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "private, no-cache"})
