"""A dead letter keeps a bounded prefix of a refused payload, with the whole payload's size and SHA-256 (security
issue 15: two 50 MB posts grew the database by 160 MB); a truncated letter cannot be replayed."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.alpr import deadletters
from rtcc.alpr.models import DeadLetter
from rtcc.app import create_app
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import ApiKeyCreate, UserCreate
from rtcc.settings import Settings

KEEP = 4096


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    try:
        with TestClient(create_app(settings.model_copy(update={"dead_letter_payload_max_bytes": KEEP}))) as c:
            yield c
    finally:
        deadletters.configure(deadletters.DEFAULT_KEEP_BYTES)


def _letters(db: Database) -> list[Any]:
    cols = (DeadLetter.id, DeadLetter.payload, DeadLetter.payload_bytes, DeadLetter.payload_sha256)
    with db.read() as s:
        return list(s.execute(select(*cols, DeadLetter.payload_truncated).order_by(DeadLetter.id)))


def _login(client: TestClient, db: Database, role: Role) -> dict[str, str]:
    name = f"{role.value}_{uuid.uuid4().hex[:6]}"
    with db.uow() as s:
        identity.create_user(
            s, UserCreate(username=name, display_name=name, password="correct horse battery", role=role), actor=SYSTEM
        )
    token = client.post("/api/v1/auth/login", json={"username": name, "password": "correct horse battery"})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def test_a_large_refused_payload_keeps_a_prefix_its_size_and_hash(client: TestClient, db: Database) -> None:
    # (not the suite's sensor_key/login fixtures: they start a second app, whose runtime would set the default keep)
    with db.uow() as s:
        _k, secret = identity.create_api_key(s, ApiKeyCreate(name="sensor", camera_codes=["*"]), actor=SYSTEM)
    key = {"X-API-Key": secret, "content-type": "application/json"}
    big = b'{"reads": [' + "é".encode() * (1024 * 1024) + b"\n"  # 2 MiB + 12 bytes of broken JSON, multi-byte text
    resp = client.post("/api/v1/reads", content=big, headers=key)
    assert resp.status_code == 422
    small = b"{not json"
    assert client.post("/api/v1/ingest/openalpr", content=small, headers=key).status_code == 422

    cut, whole = _letters(db)
    assert cut.payload_truncated is True and len(cut.payload.encode()) <= KEEP
    assert big.decode().startswith(cut.payload) and len(cut.payload.encode()) >= KEEP - 1  # cut on a character
    assert cut.payload_bytes == len(big) and cut.payload_sha256 == hashlib.sha256(big).hexdigest()
    assert whole.payload_truncated is False and whole.payload == small.decode()
    assert whole.payload_bytes == len(small) and whole.payload_sha256 == hashlib.sha256(small).hexdigest()

    analyst = _login(client, db, Role.analyst)
    listed = {d["id"]: d for d in client.get("/api/v1/dead-letters", headers=analyst).json()["items"]}
    assert listed[cut.id]["payload_truncated"] is True and listed[cut.id]["payload_bytes"] == len(big)

    supervisor = _login(client, db, Role.supervisor)
    refused = client.post(f"/api/v1/dead-letters/{cut.id}/replay", headers=supervisor)
    assert refused.status_code == 409 and "send it again" in refused.json()["detail"]
    summary = client.post("/api/v1/dead-letters/replay", headers=supervisor).json()
    assert [o["id"] for o in summary["items"]] == [whole.id]  # the truncated letter is passed by


def test_bounded_payload_unit() -> None:
    text = "a" * 10 + "€" * 10  # 10 + 30 bytes
    kept = deadletters.bounded_payload(text, keep=12)
    assert kept["payload"] == "a" * 10  # the euro sign that would be cut in half is dropped
    assert kept["payload_bytes"] == 40 and kept["payload_truncated"] is True
    assert kept["payload_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert deadletters.bounded_payload(text, keep=40)["payload_truncated"] is False


def test_a_refused_body_with_nul_bytes_is_kept_not_a_server_error(client: TestClient, db: Database) -> None:
    """A body with NUL bytes sent as text/plain (so the JSON text guard never sees it) is refused 422 and kept as a
    dead letter, its NULs stored as U+FFFD (PostgreSQL's text cannot hold NUL: this was a 500 there, found by the
    schema fuzz run), its size and hash those of the body as sent."""
    with db.uow() as s:
        _k, secret = identity.create_api_key(s, ApiKeyCreate(name="sensor", camera_codes=["*"]), actor=SYSTEM)
    body = b'{"reads": [\x00\x00'
    resp = client.post("/api/v1/reads", content=body, headers={"X-API-Key": secret, "content-type": "text/plain"})
    assert resp.status_code == 422, resp.text
    (letter,) = _letters(db)
    assert letter.payload == '{"reads": [\ufffd\ufffd'
    assert letter.payload_bytes == len(body) and letter.payload_sha256 == hashlib.sha256(body).hexdigest()
