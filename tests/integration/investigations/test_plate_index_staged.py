"""On SQLite the plate index commits with the reads (the investigations domain's staged work,
``plate_index.index_staged``, run by ``rtcc.bus.outbox.stage_many``): a read's plate is in the index the moment its
request is answered, the consumer does not also index it in a transaction of its own, and staged work that fails
never fails ingest."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.alpr.events import EVENT_STORED
from rtcc.alpr.models import Read
from rtcc.core.db import Database
from rtcc.investigations import plate_index
from rtcc.investigations.models import IndexedPlate
from rtcc.settings import Settings


@pytest.fixture(autouse=True)
def _single_writer(db: Database) -> None:
    if not db.single_writer:
        pytest.skip("on PostgreSQL the plate index consumer indexes stored reads")


def _post(client: TestClient, headers: dict[str, str]) -> str:
    plate = f"PS{uuid.uuid4().hex[:5].upper()}"
    read: dict[str, Any] = {
        "plate": plate,
        "camera": "PS-1",
        "observed_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
    }
    resp = client.post("/api/v1/reads", json={"reads": [read]}, headers=headers)
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 1
    return plate


def _indexed(db: Database, plate: str) -> bool:
    with db.read() as s:
        return s.scalar(select(IndexedPlate.plate_norm).where(IndexedPlate.plate_norm == plate)) is not None


def test_a_reads_plate_is_indexed_when_its_request_is_answered(
    app_client: TestClient, db: Database, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    assert plate_index.index_staged in runtime.db.staged_work[EVENT_STORED]
    headers = sensor_key(["*"])
    for _ in range(3):
        assert _indexed(db, _post(app_client, headers))  # no wait: it committed with the read


@pytest.fixture
def process_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    from rtcc.app import create_app

    with TestClient(create_app(settings.model_copy(update={"ingest_writer_process": True}))) as client:
        yield client


def test_the_ingest_writer_process_indexes_in_its_transactions_too(process_client: TestClient, db: Database) -> None:
    from rtcc.identity import service as identity_service
    from rtcc.identity.logic import SYSTEM
    from rtcc.identity.schemas import ApiKeyCreate

    with db.uow() as s:
        _, secret = identity_service.create_api_key(s, ApiKeyCreate(name="ps", camera_codes=["*"]), actor=SYSTEM)
    assert _indexed(db, _post(process_client, {"X-API-Key": secret}))


def test_staged_work_that_fails_does_not_fail_ingest(
    app_client: TestClient, db: Database, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]

    def broken(_session: Any, _envelopes: list[Any]) -> None:
        raise RuntimeError("the index is broken")

    handlers = runtime.db.staged_work[EVENT_STORED]
    handlers.insert(0, broken)
    try:
        plate = _post(app_client, sensor_key(["*"]))
    finally:
        handlers.remove(broken)
    with db.read() as s:
        assert s.scalar(select(Read.plate_norm).where(Read.plate_norm == plate)) == plate
    assert _indexed(db, plate)  # the other handler's work committed: each runs in its own savepoint
