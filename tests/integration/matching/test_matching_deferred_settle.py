"""On a single-writer database (SQLite) the match consumer writes nothing for events whose reads hit nothing until
``SETTLE_EVERY_S`` later, when their outbox rows are deleted together (``consumers.DeferredSettle``): ingest, which
waits for the file's one write lock, no longer waits for a write transaction per event. Hits are still recorded at
once, and a clean stop deletes what is queued."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.bench._support import CollectingBus
from rtcc.bus.models import OutboxEvent
from rtcc.core.db import Database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.matching import consumers
from rtcc.settings import Settings

LISTED = "7DSL123"


@pytest.fixture(autouse=True)
def _single_writer(db: Database) -> None:
    if not db.single_writer:
        pytest.skip("PostgreSQL settles each event in its matching transaction")


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _post(client: TestClient, headers: dict[str, str], plate: str | None = None) -> None:
    read: dict[str, Any] = {
        "plate": plate or f"DS{uuid.uuid4().hex[:5].upper()}",
        "camera": "DS-1",
        "observed_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
    }
    resp = client.post("/api/v1/reads", json={"reads": [read]}, headers=headers)
    assert resp.status_code == 202, resp.text


def _wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.02)


def test_events_without_a_hit_are_settled_together_and_hits_at_once(
    app_client: TestClient, db: Database, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    with db.uow() as s:
        bus = CollectingBus()
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="ds", category=Category.stolen_vehicle, max_diff=0), actor=SYSTEM
        )
        hotlists_entries.add_entry(s, bus, hl.id, EntryCreate(plate=LISTED), actor=SYSTEM)
    settler, _ = app_client.app.state.runtime.services["matching.settler"]  # type: ignore[attr-defined]
    headers = sensor_key(["*"])
    for _ in range(8):  # eight requests one after the other: eight events
        _post(app_client, headers)
    _wait_for(lambda: _count(db, OutboxEvent) == 0)
    assert 1 <= settler.flushes < 8  # fewer write transactions than events
    _post(app_client, headers, LISTED)
    _wait_for(lambda: _count(db, Alert) == 1, timeout=consumers.SETTLE_EVERY_S * 8)


def test_a_clean_stop_settles_what_is_queued(settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc.app import create_app
    from rtcc.identity import service as identity_service
    from rtcc.identity.schemas import ApiKeyCreate

    monkeypatch.setattr(consumers, "SETTLE_EVERY_S", 3600.0)  # only the stop can settle them
    with db.uow() as s:
        _, secret = identity_service.create_api_key(s, ApiKeyCreate(name="ds", camera_codes=["*"]), actor=SYSTEM)
    with TestClient(create_app(settings)) as client:
        settler, _ = client.app.state.runtime.services["matching.settler"]  # type: ignore[attr-defined]
        _post(client, {"X-API-Key": secret})
        _wait_for(lambda: settler.pending() > 0)
        assert _count(db, OutboxEvent) == 1
    assert _count(db, OutboxEvent) == 0
