"""ALPR ingest over HTTP against the real database: native batches, idempotency, time and scope rules, the
OpenALPR webhook, cameras and heartbeats, stored-read access audit, the stored-reads event and dead letters."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import routes as alpr_routes
from rtcc.alpr.models import Camera, DeadLetter, Read
from rtcc.app import api_routes, create_app
from rtcc.audit.models import AuditEntry
from rtcc.bus.envelope import Envelope
from rtcc.core.db import Database
from rtcc.live.models import LiveEvent
from rtcc.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alpr"


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with the ALPR router (included here until the lead wires it into create_app)."""
    app = create_app(settings)
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(alpr_routes.router)
    with TestClient(app) as client:
        yield client


def now() -> datetime:
    return datetime.now(UTC)


def read(plate: str, camera: str, at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    return {"plate": plate, "camera": camera, "observed_at": (at or now()).isoformat(), **extra}


def count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def register(client: TestClient, headers: dict[str, str], code: str, **extra: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/cameras", json={"code": code, "name": f"Camera {code}", **extra}, headers=headers)
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def fixture_doc(name: str, at: datetime) -> dict[str, Any]:
    """A fixture document with its times moved to ``at`` (ms epoch)."""
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    ms = int(at.timestamp() * 1000)

    def fix(d: Any) -> None:
        if isinstance(d, dict):
            for k in list(d):
                if k in ("epoch_start", "epoch_end", "epoch_time", "timestamp", "last_update"):
                    d[k] = ms
                else:
                    fix(d[k])
        elif isinstance(d, list):
            for x in d:
                fix(x)

    fix(doc)
    return doc


def test_native_batch_is_stored_once_and_resends_count_as_duplicates(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    admin = login("admin")
    register(app_client, admin, "CER-01", lat=33.86, lon=-118.06)
    key = sensor_key(["CER-01"])
    t = now() - timedelta(seconds=5)
    batch = {
        "reads": [
            read(
                "7abc-123",
                "CER-01",
                t,
                region="us-ca",
                confidence=91.2,
                vehicle={"make": "Honda", "color": "silver"},
                candidates=[{"plate": "7ABC123", "confidence": 91.2}],
                crop_ref="s3://crops/1.jpg",
            ),
            read("8XYZ789", "CER-01", t + timedelta(seconds=1), confidence=0.5, lat=33.9, lon=-118.1),
        ]
    }
    first = app_client.post("/api/v1/reads", json=batch, headers=key)
    assert first.status_code == 202, first.text
    assert first.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
        "dead_lettered": 0,
        "heartbeats": 0,
        "vehicle_updates": 0,
        "kind": "native",
        "images": 0,
        "images_refused": [],
        "vendor_alerts": 0,
    }
    again = app_client.post("/api/v1/reads", json=batch, headers=key)
    assert again.status_code == 202
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 2)
    assert count(db, Read) == 2

    with db.read() as s:
        stored = s.scalars(select(Read).order_by(Read.observed_at)).all()
        cam = s.scalars(select(Camera).where(Camera.code == "CER-01")).one()
        assert cam.status == "online" and cam.last_read_at is not None
        assert abs((cam.last_read_at - (t + timedelta(seconds=1))).total_seconds()) < 0.001
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.ingest")).all()
        r = stored[0]
        read_id = r.id
        assert (r.plate, r.plate_norm, r.plate_ocr, r.region) == ("7abc-123", "7ABC123", "7A8C123", "CA")
        assert (r.vehicle_make, r.vehicle_color, r.crop_ref, r.source) == (
            "Honda",
            "silver",
            "s3://crops/1.jpg",
            "rest",
        )
        assert r.candidates == [{"plate": "7ABC123", "confidence": 91.2}]
        assert abs((r.observed_at - t).total_seconds()) < 0.001 and r.observed_at.tzinfo is not None
        assert stored[1].confidence == pytest.approx(50.0) and stored[1].lat == 33.9
        assert len(audits) == 2  # one entry per batch, counts only
        assert audits[0].details["accepted"] == 2 and audits[1].details["duplicates"] == 2
        assert "7ABC123" not in json.dumps([a.details for a in audits])

    # opening a stored read is a purpose-bound, audited access to ALPR data (the investigations route; there is no
    # purpose-free way to open a read)
    analyst = login("analyst")
    assert app_client.get(f"/api/v1/reads/{read_id}", headers=analyst).status_code == 404
    refused = app_client.get(f"/api/v1/search/reads/{read_id}", headers=analyst)
    assert refused.status_code in (400, 422) and "purpose" in refused.text
    got = app_client.get(
        f"/api/v1/search/reads/{read_id}", params={"purpose": "felony_investigation", "case_number": "C-1"},
        headers=analyst,
    )  # fmt: skip
    assert got.status_code == 200 and got.json()["plate_norm"] == "7ABC123" and got.json()["camera_code"] == "CER-01"
    assert got.json()["vehicle_make"] == "Honda"
    opened = count(db, AuditEntry, AuditEntry.action == "alpr.read.open", AuditEntry.target_id == str(read_id))
    assert opened == 1


def test_reads_out_of_the_time_window_or_malformed_are_refused_with_reasons_and_dead_lettered(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    key = sensor_key(["*"])
    batch = {
        "reads": [
            read("7ABC123", "CER-02"),
            read("8XYZ789", "CER-02", now() + timedelta(hours=1)),
            read("4DEF456", "CER-02", now() - timedelta(days=31)),
            {"plate": "5GHI789", "camera": "CER-02", "observed_at": "2026-03-01T10:00:00"},
            read("-", "CER-02"),
        ]
    }
    resp = app_client.post("/api/v1/reads", json=batch, headers=key)
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["accepted"] == 1 and body["dead_lettered"] == 4
    reasons = {r["index"]: (r["field"], r["reason"]) for r in body["rejected"]}
    assert reasons[1][0] == "reads.1.observed_at" and "in the future" in reasons[1][1]
    assert reasons[2][0] == "reads.2.observed_at" and "retention" in reasons[2][1]
    assert reasons[3] == ("reads.3.observed_at", "timestamp has no timezone")
    assert reasons[4][0] == "reads.4.plate"
    with db.read() as s:
        letters = {d.context["loc"]: d for d in s.scalars(select(DeadLetter))}
        assert sorted(letters) == ["reads.1", "reads.2", "reads.3", "reads.4"]
        assert {d.source for d in letters.values()} == {"rest"}
        assert "timestamp has no timezone" in letters["reads.3"].reason
        assert json.loads(letters["reads.3"].payload) == batch["reads"][3]  # the item exactly as sent
        assert letters["reads.1"].context["sender"] == "apikey:sensor"

    # nothing storable at all: 422 naming the field, and still dead-lettered
    bad = app_client.post("/api/v1/reads", json={"reads": [batch["reads"][3]]}, headers=key)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "reads.0.observed_at"
    assert "timestamp has no timezone" in bad.json()["detail"]
    assert count(db, DeadLetter) == 5


def test_invalid_json_is_dead_lettered_with_its_position_and_a_bom_is_tolerated(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    key = {**sensor_key(["*"]), "content-type": "application/json"}
    resp = app_client.post("/api/v1/reads", content=b'{"reads": [\n  {"plate": "7ABC123",}\n]}', headers=key)
    assert resp.status_code == 422
    assert resp.json()["detail"].startswith("invalid JSON at line 2 column")
    with db.read() as s:
        (letter,) = s.scalars(select(DeadLetter)).all()
        assert letter.source == "rest" and letter.payload.startswith('{"reads"') and "invalid JSON" in letter.reason
    bom = b"\xef\xbb\xbf" + json.dumps({"reads": [read("7ABC123", "CER-03")]}).encode()
    ok = app_client.post("/api/v1/reads", content=bom, headers=key)
    assert ok.status_code == 202 and ok.json()["accepted"] == 1
    too_many = {"reads": [read(f"A{i:05d}", "CER-03") for i in range(5001)]}
    big = app_client.post("/api/v1/reads", json=too_many, headers=key)
    assert big.status_code == 422 and "at most 5000" in big.json()["detail"]


def test_api_key_camera_scope(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    admin = login("admin")
    register(app_client, admin, "CER-10")
    register(app_client, admin, "CER-11")
    key = sensor_key(["CER-10"])
    mixed = app_client.post(
        "/api/v1/reads", json={"reads": [read("7ABC123", "CER-10"), read("8XYZ789", "CER-11")]}, headers=key
    )
    assert mixed.status_code == 202
    assert mixed.json()["accepted"] == 1
    (refused,) = mixed.json()["rejected"]
    assert refused["field"] == "reads.1.camera" and "may not report for camera 'CER-11'" in refused["reason"]
    assert mixed.json()["dead_lettered"] == 0  # an authorisation failure is not a replayable dead letter
    foreign = app_client.post("/api/v1/reads", json={"reads": [read("8XYZ789", "CER-11")]}, headers=key)
    assert foreign.status_code == 403 and "CER-11" in foreign.json()["detail"]
    # a scoped key cannot create cameras: its read for an unknown camera is refused and kept for replay
    key2 = sensor_key(["CER-99"])
    unknown = app_client.post("/api/v1/reads", json={"reads": [read("8XYZ789", "CER-99")]}, headers=key2)
    assert unknown.status_code == 422 and "unknown camera 'CER-99'" in unknown.json()["detail"]
    assert count(db, Camera, Camera.code == "CER-99") == 0
    assert count(db, DeadLetter) == 1
    # a '*' key auto-registers the camera
    star = sensor_key(["*"])
    auto = app_client.post("/api/v1/reads", json={"reads": [read("8XYZ789", "NEW-CAM")]}, headers=star)
    assert auto.status_code == 202 and auto.json()["accepted"] == 1
    with db.read() as s:
        cam = s.scalars(select(Camera).where(Camera.code == "NEW-CAM")).one()
        assert cam.kind == "alpr_fixed" and cam.meta["registered_by"] == "ingest:rest"


def test_stored_event_carries_only_new_reads(app_client: TestClient, sensor_key: Callable[..., dict[str, str]]) -> None:
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    got: list[Envelope] = []

    async def collect(envelope: Envelope) -> None:
        got.append(envelope)

    assert app_client.portal is not None
    app_client.portal.call(runtime.bus.subscribe, "alpr.reads.stored", collect)
    key = sensor_key(["*"])
    first = [read("7ABC123", "EV-1", region="ca"), read("8XYZ789", "EV-1")]
    assert app_client.post("/api/v1/reads", json={"reads": first}, headers=key).json()["accepted"] == 2
    second = [*first, read("4DEF456", "EV-1")]
    assert app_client.post("/api/v1/reads", json={"reads": second}, headers=key).json()["accepted"] == 1
    app_client.portal.call(runtime.bus.drain)
    assert [len(e.payload["reads"]) for e in got] == [2, 1]
    new = got[1].payload["reads"][0]
    assert new["plate"] == "4DEF456" and new["plate_norm"] == "4DEF456" and new["camera_code"] == "EV-1"
    assert set(new) == {
        "id",
        "camera_id",
        "camera_code",
        "plate",
        "plate_norm",
        "plate_ocr",
        "region",
        "confidence",
        "observed_at",
        "received_at",
    }
    assert got[0].payload["reads"][0]["region"] == "CA"
    datetime.fromisoformat(new["observed_at"])
    uuid.UUID(new["id"])


def test_openalpr_webhook_documents(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    key = sensor_key(["*"])
    t = now() - timedelta(seconds=30)
    url = "/api/v1/ingest/openalpr"
    group = app_client.post(url, content=json.dumps(fixture_doc("openalpr_group_v2.json", t)), headers=key)
    assert group.status_code == 202, group.text
    assert group.json()["accepted"] == 1 and group.json()["kind"] == "alpr_group"
    results = app_client.post(url, json=fixture_doc("openalpr_results.json", t), headers=key)
    assert results.json()["accepted"] == 2
    alert = app_client.post(url, json=fixture_doc("openalpr_alert.json", t), headers=key)
    assert alert.json()["accepted"] == 1
    again = app_client.post(url, json=fixture_doc("openalpr_group_v2.json", t), headers=key)
    assert again.json()["duplicates"] == 1 and count(db, Read) == 4

    vehicle = app_client.post(url, json=fixture_doc("openalpr_vehicle.json", t), headers=key)
    assert vehicle.status_code == 202 and vehicle.json()["vehicle_updates"] == 1
    with db.read() as s:
        updated = s.scalars(select(Read).where(Read.plate == "7ABC123")).one()
        alerted = s.scalars(select(Read).where(Read.plate == "6GHI321")).one()
        assert (updated.vehicle_make, updated.vehicle_model, updated.vehicle_color) == ("toyota", "corolla", "blue")
        assert updated.source == "openalpr" and updated.lat == 33.8583
        assert alerted.candidates == [{"plate": "6GHI321", "confidence": 94.0}]  # the agent's alert is not a candidate

    orphan = fixture_doc("openalpr_vehicle.json", t)
    orphan["best_uuid"] = "never-seen"
    lost = app_client.post(url, json=orphan, headers=key)
    assert lost.status_code == 422 and "vehicle document for unknown read" in lost.json()["detail"]
    with db.read() as s:
        letter = s.scalars(select(DeadLetter).where(DeadLetter.source == "openalpr")).one()
        assert "never-seen" in letter.payload and letter.context["channel"] == "openalpr"

    beat = app_client.post(url, json=fixture_doc("openalpr_heartbeat.json", now()), headers=key)
    assert beat.status_code == 202 and beat.json()["heartbeats"] == 2 and beat.json()["kind"] == "heartbeat"
    with db.read() as s:
        cams = {c.code: c for c in s.scalars(select(Camera))}
        north, south = cams["openalpr:5550101"], cams["openalpr:5550102"]
        assert north.status == "online" and north.last_heartbeat_at is not None
        assert north.agent_uid == "TESTAGENT0000000000000000000000000000001"
        assert north.meta["health"]["fps"] == 12 and "license_key" not in json.dumps(north.meta)
        assert south.last_heartbeat_at is None and south.meta["health"]["streaming"] is False  # stream down: no life
        assert south.name == "south gate"

    bom = b"\xef\xbb\xbf" + json.dumps(fixture_doc("openalpr_results.json", t)).encode()
    with_bom = app_client.post(url, content=bom, headers={**key, "content-type": "text/plain"})
    assert with_bom.status_code == 202 and with_bom.json()["duplicates"] == 2  # BOM tolerated, resend idempotent
    test_hook = app_client.post(url, json={"openalpr_webhook": "test"}, headers=key)
    assert test_hook.status_code == 202 and test_hook.json()["kind"] == "test"
    analyst = login("analyst")
    assert app_client.post(url, json={"openalpr_webhook": "test"}, headers=analyst).status_code == 403


def test_openalpr_webhook_refuses_the_published_invalid_samples(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    from rtcc_testing import shared_data

    folder = shared_data("alpr_payloads", "openalpr_docs_examples")
    key = sensor_key(["*"])
    bad = sorted(p for p in folder.iterdir() if "INVALID_JSON" in p.name)
    assert len(bad) == 2
    for path in bad:
        resp = app_client.post("/api/v1/ingest/openalpr", content=path.read_bytes(), headers=key)
        assert resp.status_code == 422
        assert resp.json()["detail"].startswith("invalid JSON at line ")
    with db.read() as s:
        letters = s.scalars(select(DeadLetter).order_by(DeadLetter.id)).all()
        assert [d.payload for d in letters] == [p.read_text() for p in bad]
        assert all(d.reason.startswith("invalid JSON at line") and d.status == "pending" for d in letters)


def test_openalpr_default_camera_from_query_or_single_camera_key(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    register(app_client, login("admin"), "CLOUD-1")
    doc = fixture_doc("openalpr_results.json", now())
    del doc["camera_id"], doc["agent_uid"], doc["uuid"]
    one = sensor_key(["CLOUD-1"])
    assert app_client.post("/api/v1/ingest/openalpr", json=doc, headers=one).json()["accepted"] == 2
    star = sensor_key(["*"])
    no_camera = app_client.post("/api/v1/ingest/openalpr", json=doc, headers=star)
    assert no_camera.status_code == 422 and "camera" in no_camera.json()["detail"]
    with_query = app_client.post("/api/v1/ingest/openalpr?camera=CLOUD-1", json=doc, headers=star)
    assert with_query.json()["duplicates"] == 2


def test_cameras_and_heartbeats(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    admin = login("admin")
    created = register(app_client, admin, "HB-1", kind="alpr_mobile", location="Unit 12")
    assert created["status"] == "unknown" and created["kind"] == "alpr_mobile"
    dup = app_client.post("/api/v1/cameras", json={"code": "HB-1", "name": "again"}, headers=admin)
    assert dup.status_code == 409
    key = sensor_key(["HB-1"])
    beat = app_client.post("/api/v1/cameras/heartbeat", json={"camera": "HB-1", "info": {"fps": 10}}, headers=key)
    assert beat.status_code == 200 and beat.json() == {"updated": 1, "unknown": []}
    cams = app_client.get("/api/v1/cameras", headers=login("officer")).json()
    (cam,) = [c for c in cams if c["code"] == "HB-1"]
    assert cam["status"] == "online" and cam["last_heartbeat_at"] is not None
    other = app_client.post("/api/v1/cameras/heartbeat", json={"camera": "HB-2"}, headers=key)
    assert other.status_code == 403
    naive = app_client.post(
        "/api/v1/cameras/heartbeat", json={"camera": "HB-1", "at": "2026-01-01T00:00:00"}, headers=key
    )
    assert naive.status_code == 422 and "timestamp has no timezone" in naive.text
    with db.read() as s:
        live = s.scalars(select(LiveEvent).where(LiveEvent.topic == "cameras")).all()
        assert [e.type for e in live] == ["camera.online"] and live[0].data["code"] == "HB-1"


def test_dead_letters_list_and_replay_over_the_api(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    scoped = sensor_key(["RP-1"])
    refused = app_client.post("/api/v1/reads", json={"reads": [read("7ABC123", "RP-1")]}, headers=scoped)
    assert refused.status_code == 422  # RP-1 is not registered yet
    app_client.post("/api/v1/ingest/openalpr", content=b"{not json", headers=scoped)

    analyst = login("analyst")
    page = app_client.get("/api/v1/dead-letters", headers=analyst).json()
    assert page["total"] == 2 and [d["source"] for d in page["items"]] == ["openalpr", "rest"]
    only_rest = app_client.get("/api/v1/dead-letters?source=rest&status=pending", headers=analyst).json()
    assert only_rest["total"] == 1
    letter = only_rest["items"][0]
    assert "unknown camera 'RP-1'" in letter["reason"]
    assert count(db, AuditEntry, AuditEntry.action == "alpr.deadletters.list") == 2
    assert app_client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=analyst).status_code == 403

    supervisor = login("supervisor")
    still = app_client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=supervisor)
    # a supervisor's replay may register the camera: the human decided to accept the read
    assert still.status_code == 200, still.text
    assert still.json()["status"] == "replayed" and still.json()["result"]["accepted"] == 1
    assert count(db, Read) == 1
    again = app_client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=supervisor)
    assert again.status_code == 409

    summary = app_client.post("/api/v1/dead-letters/replay?source=openalpr", headers=supervisor).json()
    assert summary["replayed"] == 0 and summary["failed"] == 1
    (outcome,) = summary["items"]
    assert outcome["status"] == "pending" and outcome["attempts"] == 1 and "invalid JSON" in outcome["reason"]
    with db.read() as s:
        kept = s.get(DeadLetter, outcome["id"])
        assert kept is not None and kept.attempts == 1 and kept.context["first_reason"].startswith("invalid JSON")
    assert count(db, AuditEntry, AuditEntry.action.like("alpr.deadletter.replay%")) == 2  # the 409 changed nothing
    assert app_client.post("/api/v1/dead-letters/999999/replay", headers=supervisor).status_code == 404


def test_replay_of_a_document_stores_what_is_now_acceptable(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]], login: Callable[..., Any]
) -> None:
    """A vehicle document that arrived before its read is replayed once the read is stored."""
    key = sensor_key(["*"])
    t = now() - timedelta(seconds=10)
    early = app_client.post("/api/v1/ingest/openalpr", json=fixture_doc("openalpr_vehicle.json", t), headers=key)
    assert early.status_code == 422
    app_client.post("/api/v1/ingest/openalpr", json=fixture_doc("openalpr_group_v2.json", t), headers=key)
    summary = app_client.post("/api/v1/dead-letters/replay", headers=login("admin")).json()
    assert summary["replayed"] == 1 and summary["items"][0]["result"]["vehicle_updates"] == 1
    with db.read() as s:
        assert s.scalars(select(Read.vehicle_make)).one() == "toyota"


def test_a_camera_that_reports_again_resolves_its_offline_alert(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    from rtcc.alpr import jobs

    key = sensor_key(["*"])
    old = now() - timedelta(hours=2)
    assert (
        app_client.post("/api/v1/reads", json={"reads": [read("7ABC123", "OFF-1", old)]}, headers=key).json()[
            "accepted"
        ]
        == 1
    )
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    with db.uow() as s:
        assert jobs.check_offline_cameras(s, runtime.bus, now=now(), offline_after_s=600) == (1, 0)
    with db.uow() as s:  # a second sweep changes nothing: one open alert per camera
        assert jobs.check_offline_cameras(s, runtime.bus, now=now(), offline_after_s=600) == (0, 0)
    with db.read() as s:
        cam = s.scalars(select(Camera).where(Camera.code == "OFF-1")).one()
        (alert,) = s.scalars(select(Alert).where(Alert.kind == "camera_offline")).all()
        assert cam.status == "offline" and alert.camera_id == cam.id and alert.closed_at is None
    fresh = copy.deepcopy(read("8XYZ789", "OFF-1"))
    assert app_client.post("/api/v1/reads", json={"reads": [fresh]}, headers=key).json()["accepted"] == 1
    with db.read() as s:
        cam = s.scalars(select(Camera).where(Camera.code == "OFF-1")).one()
        alert = s.scalars(select(Alert).where(Alert.kind == "camera_offline")).one()
        types = [
            e.type for e in s.scalars(select(LiveEvent).where(LiveEvent.topic == "cameras").order_by(LiveEvent.id))
        ]
        assert cam.status == "online" and alert.closed_at is not None
    assert "camera.offline" in types and types[-1] == "camera.online"
