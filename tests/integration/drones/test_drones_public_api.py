"""The flights API over HTTP without a browser: telemetry posted as JSON (denied without the permission), starting
and landing a flight, footage kept as evidence or purged, the live video rule, and the public flight log (no login):
keyset pages, monthly figures, CSV, GeoJSON and the bilingual page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from flights_support import CALL_AT, DOCK_AT, line, make_fleet
from sqlalchemy import select

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.drones import footage_retention
from rtcc.drones.flight_models import Flight
from rtcc.settings import Settings

#: The start of an MP4 file (an ISO base media ftyp box): what the footage store accepts as video/mp4.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _fly(client: TestClient, h: dict[str, str], request_id: str, code: str, n: int = 30) -> str:
    r = client.post("/api/v1/drones/flights", json={"request_id": request_id}, headers=h)
    assert r.status_code == 201, r.text
    flight_id = str(r.json()["id"])
    t0 = utcnow() - timedelta(minutes=5)
    path = line(DOCK_AT, CALL_AT, n) + line(CALL_AT, DOCK_AT, n)
    body = [
        {
            "drone": code,
            "at": (t0 + timedelta(seconds=i)).isoformat(),
            "lat": lat,
            "lon": lon,
            "alt_m": 50 + i % 7,
            "heading_deg": 90,
            "speed_mps": 15,
            "battery_pct": 90,
            "camera_pitch_deg": -10,
        }
        for i, (lat, lon) in enumerate(path)
    ]
    r = client.post("/api/v1/drones/telemetry", json=body, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["stored"] == 2 * n and r.json()["geofence_checks"] == 2 * n
    r = client.post(f"/api/v1/drones/flights/{flight_id}/land", headers=h)
    assert r.status_code == 200, r.text
    return flight_id


def test_public_log_and_flight_api(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database, settings: Settings
) -> None:
    admin = login("admin")
    analyst = login("analyst")
    fleets = [make_fleet(db, settings, code=f"CER-P{i}") for i in range(3)]
    # telemetry needs drones:telemetry; bad input names the field
    assert app_client.post("/api/v1/drones/telemetry", json={"lat": 1, "lon": 1}).status_code in (401, 403)
    assert app_client.post("/api/v1/drones/telemetry", json={"lat": 1, "lon": 1}, headers=analyst).status_code == 403
    bad = app_client.post("/api/v1/drones/telemetry", json=[{"drone": "X", "lat": 91, "lon": 1}], headers=admin)
    assert bad.status_code == 422 and "0.lat" in bad.text
    # the live video opens only while the call is open and a link is configured; never without a purpose
    r = app_client.post("/api/v1/drones/flights", json={"request_id": str(fleets[0].request_id)}, headers=admin)
    first = r.json()["id"]
    assert app_client.post(f"/api/v1/drones/flights/{first}/video", json={}, headers=admin).status_code == 422
    r = app_client.post(
        f"/api/v1/drones/flights/{first}/video", json={"purpose": "burglary in progress"}, headers=admin
    )
    assert r.status_code == 409 and "RTCC_DRONES_VIDEO_URL_TEMPLATE" in r.text
    app_client.post(f"/api/v1/drones/flights/{first}/land", headers=admin)
    ids = [first] + [_fly(app_client, admin, str(f.request_id), f.drone_code) for f in fleets[1:]]

    # footage: one kept as evidence, one purged by the retention job
    r = app_client.post(f"/api/v1/drones/flights/{ids[1]}/footage?filename=a.mp4", content=MP4 + b"1", headers=admin)
    assert r.status_code == 201 and r.json()["retain_until"] and r.json()["source"] == "drone", r.text
    r = app_client.post(
        f"/api/v1/drones/footage/{r.json()['id']}/evidence",
        json={"case_number": "26-000123", "reason": "burglary suspect on video"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["case_number"] == "26-000123" and r.json()["retain_until"] is None
    r = app_client.post(f"/api/v1/drones/flights/{ids[2]}/footage?filename=b.mp4", content=MP4 + b"2", headers=admin)
    assert r.status_code == 201, r.text
    with db.uow() as s:
        assert footage_retention.purge_due(s, None, now=utcnow() + timedelta(days=31)) == 1

    # the public log: no login, newest first, keyset pages
    page1 = app_client.get("/api/v1/public/drones/flights?limit=2")
    assert page1.status_code == 200
    body = page1.json()
    assert len(body["items"]) == 2 and body["next"] and "es" in body["definition"]
    page2 = app_client.get(f"/api/v1/public/drones/flights?limit=2&after={body['next']}").json()
    assert len(page2["items"]) == 1 and page2["next"] is None
    every = body["items"] + page2["items"]
    assert {x["id"] for x in every} == set(ids)
    by_id = {x["id"]: x for x in every}
    assert by_id[ids[1]]["footage"] == "evidence" and by_id[ids[2]]["footage"] == "purged"
    assert by_id[ids[2]]["footage_purged_at"]
    flown = by_id[ids[1]]
    assert flown["call_type"] == "ALARM_BURG_RES" and flown["call_ref"] == fleets[1].call_number
    assert flown["call_type_name"] and flown["max_alt_m"] == 56 and flown["duration_s"] is not None
    assert flown["time_to_scene_s"] is not None and flown["outcome"] is None  # the call is still open
    assert not {"lat", "lon", "call_lat", "call_lon", "last_lat", "last_lon", "track"} & set(flown)  # no raw positions
    bad = app_client.get("/api/v1/public/drones/flights?after=garbage")
    assert bad.status_code == 422 and "after" in bad.text

    figs = app_client.get("/api/v1/public/drones/figures").json()
    assert figs["months"][0]["flights"] == 3
    assert figs["months"][0]["share_by_call_type"] == {"ALARM_BURG_RES": 1.0}
    assert "Cleared without patrol" in figs["definition"]["en"]

    text = app_client.get("/api/v1/public/drones/flights.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 and rows[0]["call_ref"]
    geo = app_client.get("/api/v1/public/drones/flights.geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    feats = geo.json()["features"]
    assert len(feats) == 3
    flown_feature = next(f for f in feats if f["id"] == ids[1])
    assert flown_feature["geometry"]["type"] == "MultiLineString"

    page = app_client.get("/drones/log")
    assert page.status_code == 200 and "flightlog.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    js = app_client.get("/drones/log/flightlog.js").text
    assert "Resuelto sin patrulla" in js and "Cleared without patrol" in js

    # staff views need drones:read
    assert app_client.get(f"/api/v1/drones/flights/{ids[1]}/track").status_code in (401, 403)
    track = app_client.get(f"/api/v1/drones/flights/{ids[1]}/track", headers=admin).json()
    assert len(track) == 60
    with db.read() as s:
        assert s.scalars(select(Flight)).all()


def test_live_video_for_an_open_call_is_audited(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database, settings: Settings
) -> None:
    from rtcc.audit.models import AuditEntry

    settings.drones_video_url_template = "rtsp://video.example.org/live/{drone}"
    admin = login("admin")
    fleet = make_fleet(db, settings, code="CER-V1")
    r = app_client.post("/api/v1/drones/flights", json={"request_id": str(fleet.request_id)}, headers=admin)
    flight_id = r.json()["id"]
    r = app_client.post(f"/api/v1/drones/flights/{flight_id}/video", json={"purpose": "alarm response"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["url"] == "rtsp://video.example.org/live/CER-V1"
    with db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "drone.video.open")).one()
        assert entry.details["purpose"] == "alarm response"
