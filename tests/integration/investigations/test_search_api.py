"""The search HTTP API: each kind answers with its schema; purposes are enforced (422/403 naming the field) and
refusals audited; export needs reads:export; opening a read or its image is audited; the plate-index consumer
indexes reads stored through the ingest API."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from search_world import T0, World
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.investigations import consumers
from rtcc.investigations.models import IndexedPlate
from rtcc.settings import Settings

PURPOSE: dict[str, Any] = {"purpose": "stolen_vehicle", "case_number": "2026-001234"}


def details(db: Database, action: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [(e.actor, e.actor_role, dict(e.details or {})) for e in rows]


def test_plate_search_and_pages(app_client: TestClient, login: Callable[..., Any], world: World, db: Database) -> None:
    headers = login("analyst", username="det_ortiz", unit="RTCC")
    got = app_client.post("/api/v1/search/plates", json={**PURPOSE, "plate": "7AB*", "limit": 4}, headers=headers)
    assert got.status_code == 200, got.text
    page = got.json()
    assert (
        page["result_count"] == 4
        and page["next_cursor"]
        and page["matched_plates"] == ["7ABC123", "7ABC128", "7ABD123"]
    )
    assert page["items"][0]["camera_code"] == "INV-A" and page["items"][0]["match"] == "wildcard"
    rest = app_client.post(
        "/api/v1/search/plates",
        json={**PURPOSE, "plate": "7AB*", "limit": 4, "cursor": page["next_cursor"]},
        headers=headers,
    ).json()
    assert rest["result_count"] == 3 and rest["next_cursor"] is None
    assert not {i["id"] for i in page["items"]} & {i["id"] for i in rest["items"]}
    audits = details(db, "alpr.search")
    assert len(audits) == 2 and audits[0][:2] == ("det_ortiz", "analyst")
    assert audits[0][2]["unit"] == "RTCC" and audits[0][2]["result_count"] == 4 and audits[0][2]["kind"] == "plate"
    assert audits[0][2]["purpose"] == "stolen_vehicle" and audits[0][2]["case_number"] == "2026-001234"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "purpose"),
        ({"purpose": "curiosity"}, 422, "purpose"),
        ({"purpose": "stolen_vehicle"}, 422, "case_number"),
        ({"purpose": "stolen_vehicle", "case_number": "x"}, 422, "case_number"),
        ({"purpose": "immigration_enforcement"}, 403, "purpose"),
    ],
)
def test_refusals_name_the_field_and_are_audited(
    app_client: TestClient,
    login: Callable[..., Any],
    world: World,
    db: Database,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    headers = login("analyst")
    got = app_client.post(
        "/api/v1/search/stakeout",
        json={
            **body,
            "camera_ids": [str(world.cameras["A"])],
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        },
        headers=headers,
    )
    assert got.status_code == status, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["detail"].startswith(f"{field}:")
    assert details(db, "alpr.search") == []
    ((_, role, d),) = details(db, "alpr.search.refused")
    assert role == "analyst" and d["kind"] == "stakeout" and d["reason"] == got.json()["detail"]
    assert d["query"]["camera_ids"] == [str(world.cameras["A"])]


def test_roles_without_search_get_403_and_no_search(
    app_client: TestClient, login: Callable[..., Any], world: World, db: Database
) -> None:
    for role in ("officer", "dispatcher", "resident"):
        got = app_client.post("/api/v1/search/plates", json={**PURPOSE, "plate": "7ABC123"}, headers=login(role))
        assert got.status_code == 403
    assert details(db, "alpr.search") == []


#: The end of a case-free window (amber_alert: 24 h) that holds every read of the search world.
END = (T0 + timedelta(hours=3)).isoformat()


def test_history_get_and_post(app_client: TestClient, login: Callable[..., Any], world: World) -> None:
    headers = login("supervisor")
    got = app_client.get(
        "/api/v1/search/history",
        params={"plate": "7ABC123", "purpose": "amber_alert", "start": T0.isoformat(), "end": END},  # within 24 h
        headers=headers,
    )
    assert got.status_code == 200, got.text
    assert [s["kind"] for s in got.json()["stops"]] == ["dwell", "gap"] and len(got.json()["track"]) == 5
    posted = app_client.post("/api/v1/search/history", json={"plate": "7ABC123", **PURPOSE}, headers=headers)
    assert posted.json()["result_count"] == 5
    assert app_client.get("/api/v1/search/history", params={"plate": "7ABC123"}, headers=headers).status_code == 422


def test_common_and_cotravel(app_client: TestClient, login: Callable[..., Any], world: World) -> None:
    headers = login("analyst")
    places = [
        {"lat": 33.86, "lon": -118.08, "at": T0.isoformat(), "window_s": 600},
        {"lat": 33.87, "lon": -118.08, "at": (T0 + timedelta(minutes=15)).isoformat(), "window_s": 600},
    ]
    common = app_client.post("/api/v1/search/common", json={**PURPOSE, "places": places}, headers=headers)
    assert common.status_code == 200, common.text
    assert [p["plate_norm"] for p in common.json()["plates"]] == ["7ABC123", "4COM001"]
    for plate in common.json()["plates"]:  # the matched reads, each at a place the plate matched, with a position
        assert len(plate["hits"]) == plate["reads"] and {h["place"] for h in plate["hits"]} == set(plate["places"])
        assert all(h["lat"] is not None and h["read_id"] for h in plate["hits"])
    co = app_client.post("/api/v1/search/cotravel", json={**PURPOSE, "plate": "7ABC123"}, headers=headers)
    assert co.status_code == 200 and [p["plate_norm"] for p in co.json()["plates"]] == ["4COM001"]
    (companion,) = co.json()["plates"]
    assert {e["camera_code"] for e in companion["evidence"]} == set(companion["camera_codes"])
    assert min(abs(e["gap_s"]) for e in companion["evidence"]) == companion["min_gap_s"]


def test_export_csv_needs_reads_export(
    app_client: TestClient, login: Callable[..., Any], world: World, db: Database
) -> None:
    got = app_client.post(
        "/api/v1/search/export", json={**PURPOSE, "plate": "XYZ", "mode": "partial"}, headers=login("analyst")
    )
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["plate_norm"] for r in rows] == ["8XYZ123", "9XYZ1234", "5XYZ999"] and rows[0]["camera_code"] == "INV-B"
    ((_, _, d),) = details(db, "alpr.export")
    assert d["result_count"] == 3 and d["purpose"] == "stolen_vehicle" and d["query"]["plate"] == "XYZ"
    assert (
        app_client.post("/api/v1/search/export", json={**PURPOSE, "plate": "XYZ"}, headers=login("auditor")).status_code
        == 403
    )


def test_purposes_and_opening_a_read(
    app_client: TestClient, login: Callable[..., Any], world: World, db: Database
) -> None:
    headers = login("analyst")
    codes = {p["code"]: p for p in app_client.get("/api/v1/search/purposes", headers=headers).json()}
    assert codes["immigration_enforcement"]["allowed"] is False and codes["stolen_vehicle"]["requires_case"] is True
    rid = world.reads["8XYZ123"][0]
    assert app_client.get(f"/api/v1/search/reads/{rid}", headers=headers).status_code == 422
    got = app_client.get(f"/api/v1/search/reads/{rid}", params={"purpose": "hit_verification"}, headers=headers)
    assert got.status_code == 200 and got.json()["plate_norm"] == "8XYZ123"
    img = app_client.get(f"/api/v1/search/reads/{rid}/image", params={"purpose": "hit_verification"}, headers=headers)
    assert img.json()["image_ref"] == f"s3://scenes/{rid}.jpg"
    missing = app_client.get(
        f"/api/v1/search/reads/{uuid.uuid4()}", params={"purpose": "hit_verification"}, headers=headers
    )
    assert missing.status_code == 404
    assert [d["purpose"] for _, _, d in details(db, "alpr.read.open")] == ["hit_verification"]
    assert len(details(db, "alpr.image.open")) == 1 and len(details(db, "alpr.search.refused")) == 1


@pytest.fixture
def indexing_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with the plate-index consumer started (as the lead wires it into the startup hooks)."""
    from rtcc.app import create_app

    with TestClient(create_app(settings, extra_hooks=[(consumers.start, consumers.stop)])) as client:
        yield client


def test_consumer_indexes_reads_stored_through_ingest(indexing_client: TestClient, db: Database) -> None:
    with db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="cam", camera_codes=["*"]), actor=SYSTEM)
    at = utcnow() - timedelta(minutes=5)
    batch = {"reads": [{"plate": "8IDX555", "camera": "INV-Z", "observed_at": at.isoformat(), "region": "CA"}]}
    got = indexing_client.post("/api/v1/reads", json=batch, headers={"X-API-Key": secret})
    assert got.status_code == 202, got.text
    found = None
    for _ in range(100):  # the event is delivered after commit, on the app's loop
        with db.read() as s:
            found = s.scalars(select(IndexedPlate).where(IndexedPlate.plate_norm == "8IDX555")).first()
            if found is not None:
                assert found.plate_ocr == "810X555" and abs((found.last_seen - at).total_seconds()) < 0.01
                break
        time.sleep(0.05)
    assert found is not None
