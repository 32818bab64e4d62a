"""Without NENA's EIDO schema installed, export and import answer 503 saying how to install it (nothing is
dead-lettered: the message is not at fault)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dispatch_support import PARK
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.alpr.models import DeadLetter
from rtcc.core.db import Database
from rtcc.settings import Settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("RTCC_EIDO_SCHEMA", raising=False)
    return Settings(database_url=database_url, bus_url="memory://", mqtt_url=None, data_dir=tmp_path, eido_schema=None)


def test_eido_without_the_schema_answers_503_with_instructions(
    app_client: TestClient, login: Any, db: Database
) -> None:
    disp = login("dispatcher")
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}, "source": "911"}
    call = app_client.post("/api/v1/dispatch/calls", json=body, headers=disp).json()["call"]
    resp = app_client.get(f"/api/v1/dispatch/calls/{call['id']}/eido", headers=disp)
    assert resp.status_code == 503 and "tools/derive_eido_schema.py" in resp.json()["detail"]
    assert "RTCC_EIDO_SCHEMA" in resp.json()["detail"]
    resp = app_client.post("/api/v1/dispatch/eido", json={"$id": "x"}, headers=disp)
    assert resp.status_code == 503 and "docs/eido_schema.md" in resp.json()["detail"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(DeadLetter)) == 0
