"""Request bodies are limited before they are read and before authentication (``rtcc.core.bodylimit``; security
issue 15: a 200 MB unauthenticated POST was read whole, tip photos and rebate proofs were spooled whole before the
size check).

The app is driven at the ASGI level with a receive that counts what it hands out, so each test sees how many bytes
the server pulled, not only the answer: a declared Content-Length over the limit pulls nothing, a chunked body stops
within one chunk of the limit.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.community import accounts
from rtcc.community.schemas import SignupRequest
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings

MIB = 1024 * 1024
CHUNK = 64 * 1024
PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    pulled: int  # body bytes the app asked for
    messages: int = 0
    extra: list[Any] = field(default_factory=list)


def _zeros(total: int, first: bytes = b"") -> Iterator[bytes]:
    yield first
    sent = len(first)
    while sent < total:
        n = min(CHUNK, total - sent)
        sent += n
        yield bytes(n)


async def drive(app: Any, path: str, chunks: Iterable[bytes], headers: dict[str, str] | None = None) -> Answer:
    """POST ``chunks`` to ``app`` (as one streamed body) and collect the answer and the bytes pulled."""
    source = iter(chunks)
    pending = next(source, None)
    pulled = 0
    count = 0

    async def receive() -> dict[str, Any]:
        nonlocal pending, pulled, count
        if pending is None:
            return {"type": "http.disconnect"}
        chunk, pending = pending, next(source, None)
        pulled += len(chunk)
        count += 1
        return {"type": "http.request", "body": chunk, "more_body": pending is not None}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    hdrs = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    parsed = json.loads(body) if hdrs.get("content-type", "").endswith("json") and body else {}
    return Answer(start["status"], parsed, hdrs, pulled, count)


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    """A toy app that reads the whole body and answers its length."""
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps({"size": size}).encode()})


def _run(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


# --- the middleware alone ---------------------------------------------------------------------------------------


def test_declared_length_over_the_limit_is_refused_unread() -> None:
    from rtcc.core.bodylimit import BodyLimit

    app = BodyLimit(_echo, default=MIB)
    answer = _run(drive(app, "/x", _zeros(200 * MIB), {"content-length": str(200 * MIB)}))
    assert answer.status == 413 and answer.pulled == 0
    assert answer.headers["content-type"] == "application/problem+json" and answer.headers["connection"] == "close"
    assert answer.body["status"] == 413 and answer.body["limit"] == MIB


def test_chunked_body_is_cut_at_the_limit() -> None:
    from rtcc.core.bodylimit import BodyLimit

    app = BodyLimit(_echo, default=MIB)
    answer = _run(drive(app, "/x", _zeros(64 * MIB)))  # no Content-Length: counted while it streams
    assert answer.status == 413
    assert MIB < answer.pulled <= MIB + CHUNK
    exact = _run(drive(app, "/x", _zeros(MIB)))
    assert exact.status == 200 and exact.body == {"size": MIB}


def test_route_classes_and_json_bodies() -> None:
    from rtcc.core.bodylimit import BodyLimit, BodyRule

    rules = [
        BodyRule(re.compile(r"/ingest$"), 4 * MIB, json=True),
        BodyRule(re.compile(r"/import$"), 8 * MIB),
    ]
    app = BodyLimit(_echo, default=MIB, rules=rules)
    assert app.limit_for("/ingest", True) == 4 * MIB
    assert app.limit_for("/import", False) == 8 * MIB
    assert app.limit_for("/import", True) == MIB  # a JSON body on an import route gets the JSON limit
    assert app.limit_for("/other", False) == MIB
    ok = _run(drive(app, "/import", _zeros(6 * MIB), {"content-type": "text/csv"}))
    assert ok.status == 200 and ok.body == {"size": 6 * MIB}
    refused = _run(drive(app, "/import", _zeros(6 * MIB), {"content-type": "application/json"}))
    assert refused.status == 413 and refused.pulled <= MIB + CHUNK


# --- the app: before authentication and before the TextGuard ------------------------------------------------------


@pytest.fixture
def small(settings: Settings, db: Database) -> Iterator[tuple[TestClient, Settings]]:
    tight = settings.model_copy(
        update={"community_tip_photo_max_bytes": 100_000, "rebate_max_upload_mb": 1, "body_max_upload_bytes": 4 * MIB}
    )
    with TestClient(create_app(tight)) as client:
        yield client, tight


def _call(client: TestClient, path: str, chunks: Iterable[bytes], headers: dict[str, str] | None = None) -> Answer:
    assert client.portal is not None  # inside the client's context: the lifespan runs there
    answer: Answer = client.portal.call(drive, client.app, path, chunks, headers)
    return answer


def test_unauthenticated_bodies_are_limited_before_auth_and_textguard(small: tuple[TestClient, Settings]) -> None:
    client, settings = small
    declared = _call(
        client, "/api/v1/reads", _zeros(200 * MIB), {"content-length": str(200 * MIB), "content-type": "text/plain"}
    )
    assert declared.status == 413 and declared.pulled == 0  # not 401: refused before authentication, unread
    # a chunked JSON body to an ordinary route: the TextGuard would read it whole; it is cut at 1 MiB instead
    streamed = _call(
        client, "/api/v1/auth/login", _zeros(16 * MIB, b'{"username": "'), {"content-type": "application/json"}
    )
    assert streamed.status == 413 and streamed.pulled <= settings.body_max_json_bytes + CHUNK
    assert streamed.body["title"] == "Request body too large"
    # the ingest routes take a real batch (up to body_max_ingest_bytes), unauthenticated still answers 401
    batch = _call(client, "/api/v1/reads", _zeros(2 * MIB, b'{"reads": ['), {"content-type": "application/json"})
    assert batch.status == 401


# --- uploads are cut while streaming (tip photos, rebate proofs) --------------------------------------------------


def _resident(db: Database, client: TestClient, *, community: bool = False) -> dict[str, str]:
    """A resident's headers: a user of that role, or (``community``) a community account with its profile."""
    name = f"res_{uuid.uuid4().hex[:8]}"
    with db.uow() as s:
        if community:
            body = {"account_type": "resident", "username": name, "display_name": name.title(),
                    "email": f"{name}@example.org", "password": PASSWORD, "lat": 33.880, "lon": -118.100}  # fmt: skip
            prof = accounts.signup(s, SignupRequest.model_validate(body), client_ip=None, per_ip_hour=1000)
            assert prof is not None
            identity.confirm_account(s, prof.user_id)  # as its e-mail link does: a new account signs in after it
        else:
            identity.create_user(
                s, UserCreate(username=name, display_name=name, password=PASSWORD, role=Role.resident), actor=SYSTEM
            )
    token = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _multipart(boundary: str, fields: list[tuple[str, str | None, bytes]], file_size: int) -> Iterator[bytes]:
    """A multipart form whose last field is a PNG of ``file_size`` bytes, streamed in chunks."""
    for name, filename, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        head += f'; filename="{filename}"\r\nContent-Type: image/png' if filename else ""
        yield head.encode() + b"\r\n\r\n" + value + (b"\r\n" if filename is None else b"")
    yield from _zeros(file_size - len(PNG), PNG)
    yield f"\r\n--{boundary}--\r\n".encode()


def test_tip_photo_is_refused_while_streaming(small: tuple[TestClient, Settings], db: Database) -> None:
    client, settings = small
    h = _resident(db, client, community=True)
    tip = {
        "description": "Two people looking into parked cars with flashlights.",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location_text": "Elm St and 183rd",
    }
    boundary = "rtccboundary"
    form = _multipart(boundary, [("tip", None, json.dumps(tip).encode()), ("photo", "van.png", b"")], 8 * MIB)
    answer = _call(
        client, "/api/v1/community/tips", form, {**h, "content-type": f"multipart/form-data; boundary={boundary}"}
    )
    assert answer.status == 413, answer.body
    assert answer.body["errors"][0]["field"] == "photo"
    assert answer.pulled <= settings.community_tip_photo_max_bytes + 64 * 1024 + CHUNK  # not 8 MiB spooled


def test_rebate_proof_is_refused_while_streaming(small: tuple[TestClient, Settings], db: Database) -> None:
    client, _settings = small
    h = _resident(db, client)
    # the route's own check comes after the application is loaded; the stream is cut whatever the id
    boundary = "rtccboundary"
    form = _multipart(boundary, [("file", "receipt.png", b"")], 8 * MIB)
    path = f"/api/v1/me/rebates/{uuid.uuid4()}/proof"
    answer = _call(client, path, form, {**h, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status == 413 and answer.body["errors"][0]["field"] == "file"
    assert answer.pulled <= MIB + 64 * 1024 + CHUNK


# --- the limits fit what must still pass --------------------------------------------------------------------------


def test_ingest_limit_fits_a_full_batch_of_maximal_reads(settings: Settings) -> None:
    read = {
        "plate": "X" * 16,
        "region": "us-ca",
        "confidence": 99.123456,
        "observed_at": "2026-12-06T07:00:00.123456+00:00",
        "camera": "C" * 64,
        "lat": 33.876543210,
        "lon": -118.064321098,
        "heading": 359.99,
        "vehicle": {"make": "M" * 32, "model": "M" * 48, "color": "C" * 24, "type": "T" * 24},
        "image_ref": "https://" + "i" * 504,
        "crop_ref": "https://" + "c" * 504,
        "candidates": [{"plate": "X" * 16, "confidence": 12.345678}] * 20,
        "id": "r" * 128,
    }
    batch = json.dumps({"reads": [read] * settings.ingest_max_batch})
    assert len(batch) < settings.body_max_ingest_bytes


def test_import_limit_fits_a_million_entry_hotlist(settings: Settings) -> None:
    header = "plate,state,category,reason,case_number,expires_at,make,model,color,type,year\n"
    row = "8ABC123,CA,stolen_vehicle,Stolen vehicle reported by owner,SA2026-0012345,2027-12-31T23:59:59Z,"
    row += "Toyota,Camry,Silver,Sedan,2019\n"
    assert len(header) + 1_000_000 * len(row) < settings.body_max_import_bytes


def test_bench_bodylimit_runs_tiny() -> None:
    from rtcc.bench import bodylimit

    out = bodylimit.run(rows=20)
    assert out["requests"] == 20 and out["refused_over_limit"] is True
    keys = {"single_us", "single_baseline_us", "single_ratio", "batch_ms", "batch_baseline_ms", "batch_ratio"}
    assert keys <= set(out)
