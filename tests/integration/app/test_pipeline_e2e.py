"""The whole loop in one process: a sensor posts reads over HTTP -> stored -> matched -> alert -> verified or rejected,
with what each role may see enforced end to end, and the outbound notification delivered to a webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr.schemas import CameraCreate
from rtcc.app import create_app
from rtcc.bench._support import CollectingBus
from rtcc.core.db import Database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.settings import Settings

CHECKLIST = {"plate_matches_crop": True, "state_confirmed": True, "entry_current": True, "vehicle_consistent": True}


def _seed(db: Database) -> None:
    bus = CollectingBus()
    with db.uow() as s:
        alpr_cameras.register_camera(s, CameraCreate(code="CAM-1", name="Artesia & Bloomfield"), actor=SYSTEM)
        hl = hotlists_lists.create_hotlist(
            s,
            bus,
            HotlistCreate(name="Stolen", category=Category.stolen_vehicle, priority=1, max_diff=1),
            actor=SYSTEM,
        )
        hotlists_entries.add_entry(
            s, bus, hl.id, EntryCreate(plate="7ABC123", region="CA", reason="stolen"), actor=SYSTEM
        )


def _read(plate: str) -> dict[str, Any]:
    return {
        "plate": plate,
        "region": "CA",
        "confidence": 91.5,
        "camera": "CAM-1",
        "observed_at": datetime.now(UTC).isoformat(),
        "crop_ref": "s3://crops/1.jpg",
    }


def _wait_alerts(client: TestClient, headers: dict[str, str], n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        items: list[dict[str, Any]] = client.get(
            "/api/v1/alerts?kind=hit&purpose=hit_verification", headers=headers
        ).json()["items"]
        if len(items) >= n or time.monotonic() > deadline:
            return items
        time.sleep(0.05)


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Hook.received.append((self.headers["Idempotency-Key"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_read_to_alert_to_verification(
    settings: Settings, db: Database, webhook: str, login: Any, sensor_key: Any
) -> None:
    _seed(db)
    app = create_app(settings.model_copy(update={"notify_webhook_urls": [webhook]}))
    with TestClient(app) as client:
        # the login/sensor_key fixtures use their own client; re-create headers against this app's database
        sensor = sensor_key(["CAM-1"])
        analyst = login("analyst")
        officer = login("officer")
        later = {**_read("7ABC123"), "observed_at": (datetime.now(UTC) + timedelta(seconds=2)).isoformat()}
        resp = client.post("/api/v1/reads", headers=sensor, json={"reads": [_read("7ABC123"), later, _read("4XYZ999")]})
        assert resp.status_code == 202, resp.text
        assert resp.json()["accepted"] == 3

        alerts = _wait_alerts(client, analyst, 1)
        assert len(alerts) == 1, "two reads of the listed vehicle are two sightings on one alert"
        alert = alerts[0]
        assert alert["state"] == "new" and alert["read_count"] == 2
        assert (
            client.get("/api/v1/alerts?purpose=hit_verification", headers=officer).json()["items"] == []
        )  # unverified: not for the field

        refused = client.post(
            f"/api/v1/alerts/{alert['id']}/verify",
            headers=analyst,
            json={"checklist": {**CHECKLIST, "vehicle_consistent": False}},
        )
        assert refused.status_code == 422 and "vehicle_consistent" in refused.text
        ok = client.post(f"/api/v1/alerts/{alert['id']}/verify", headers=analyst, json={"checklist": CHECKLIST})
        assert ok.status_code == 200 and ok.json()["state"] == "verified"
        assert [
            a["id"] for a in client.get("/api/v1/alerts?purpose=hit_verification", headers=officer).json()["items"]
        ] == [alert["id"]]

        deadline = time.monotonic() + 10
        while len(_Hook.received) < 2 and time.monotonic() < deadline:  # new priority-1 hit, then verified
            time.sleep(0.05)
    states = [body["state"] for _key, body in _Hook.received]
    assert states[:2] == ["new", "verified"]
    assert len({key for key, _ in _Hook.received}) == len(_Hook.received)


def test_misread_is_rejected_and_never_reaches_officers(
    settings: Settings, db: Database, login: Any, sensor_key: Any
) -> None:
    _seed(db)
    with TestClient(create_app(settings)) as client:
        sensor = sensor_key(["CAM-1"])
        analyst, officer = login("analyst"), login("officer")
        assert client.post("/api/v1/reads", headers=sensor, json={"reads": [_read("7ABC128")]}).status_code == 202
        (alert,) = _wait_alerts(client, analyst, 1)
        assert alert["match_kind"] == "fuzzy" and alert["diff_positions"] == [6]
        rej = client.post(f"/api/v1/alerts/{alert['id']}/reject", headers=analyst, json={"reason": "misread"})
        assert rej.status_code == 200 and rej.json()["state"] == "rejected"
        assert client.get(f"/api/v1/alerts/{alert['id']}", headers=officer).status_code == 404
        again = client.post(f"/api/v1/alerts/{alert['id']}/verify", headers=analyst, json={"checklist": CHECKLIST})
        assert again.status_code == 409
