"""``rtcc serve`` with the Los Angeles profile on a fresh database, end to end: the database is migrated from empty,
the app starts with ``city_profile=los_angeles``, a camera at an LA intersection is registered and sends a read, and
the product shows the LAPD division, reporting district and LA neighborhood wherever it shows geography: the camera
registry, canvass (an LA gazetteer intersection), the transparency portal, community neighborhoods and sign-up, the
web map's base layer, and the public CAP alert,
whose sender names are the LA profile's. Runs on SQLite, and on PostgreSQL when RTCC_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.core.db import Database
from rtcc.core.scratch import scratch_database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import ApiKeyCreate, UserCreate
from rtcc.places import service as places
from rtcc.settings import Settings
from rtcc_testing import confirm_signup

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
PASSWORD = "correct horse battery"
SOTO = (34.0406, -118.2117)  # 4th St & Soto St, Boyle Heights (LAPD Hollenbeck)


@pytest.fixture
def la(tmp_path: Path) -> Iterator[tuple[TestClient, Database]]:
    with scratch_database(os.environ.get("RTCC_TEST_DATABASE_URL"), prefix="rtcc_la") as url:
        settings = Settings(
            database_url=url, bus_url="memory://", mqtt_url=None, data_dir=tmp_path, city_profile="los_angeles"
        )
        db = Database(url)
        try:
            with TestClient(create_app(settings)) as client:
                yield client, db
        finally:
            db.dispose()
            places.activate("cerritos")  # the suite's default profile for the tests that follow


def _staff(client: TestClient, db: Database, role: str) -> dict[str, str]:
    """A staff user of the Hollenbeck division (04), where 4th & Soto lies: LA staff see their own division."""
    name = f"{role}_{uuid.uuid4().hex[:6]}"
    data = UserCreate(username=name, display_name=name, password=PASSWORD, role=Role(role), division="04")
    with db.uow() as s:
        identity.create_user(s, data, actor=SYSTEM)
    token = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_los_angeles_profile_end_to_end(la: tuple[TestClient, Database]) -> None:
    client, db = la
    prof = client.get("/api/v1/places/profile").json()
    assert prof["name"] == "Los Angeles" and len(prof["divisions"]) == 21 and prof["districts"] == 1135

    # the web map opens on Los Angeles: no bundled street map for it, so the profile's boundary
    basemap_url = client.get("/api/v1/web/config").json()["basemap_url"]
    assert basemap_url == "/api/v1/places/basemap.geojson"
    feature = client.get(basemap_url).json()["features"][0]
    assert feature["properties"] == {"kind": "boundary", "name": "Los Angeles"}

    # community neighborhoods are the LA profile's, installed at start-up on the fresh database
    hoods = {h["code"]: h["name"] for h in client.get("/api/v1/community/neighborhoods").json()}
    assert hoods["boyle-heights"] == "Boyle Heights" and "nw" not in hoods and len(hoods) > 100

    supervisor, dispatcher = _staff(client, db, "supervisor"), _staff(client, db, "dispatcher")

    # the ALPR camera at 4th & Soto is registered and sends a read; the camera registry links that camera
    alpr_cam = {"code": "LA-ALPR-1", "name": "4th & Soto ALPR", "lat": SOTO[0] - 0.0001, "lon": SOTO[1],
                "heading_deg": 0.0}  # fmt: skip
    r = client.post("/api/v1/cameras", json=alpr_cam, headers=supervisor)
    assert r.status_code == 201, r.text
    with db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="la", camera_codes=["LA-ALPR-1"]), actor=SYSTEM)
    read = {"plate": "8LAX123", "region": "CA", "confidence": 93.0, "camera": "LA-ALPR-1",
            "observed_at": datetime.now(UTC).isoformat(), "lat": SOTO[0], "lon": SOTO[1]}  # fmt: skip
    r = client.post("/api/v1/reads", json={"reads": [read]}, headers={"X-API-Key": secret})
    assert r.status_code == 202 and r.json()["accepted"] == 1, r.text

    body = {"code": "LA-ALPR-1", "name": "4th & Soto", "owner_type": "alpr", "owner_name": "LAPD",
            "lat": SOTO[0] - 0.0001, "lon": SOTO[1], "direction_deg": 0, "fov_deg": 90, "range_m": 40,
            "owner_retention_days": 30, "alpr_camera_code": "LA-ALPR-1"}  # fmt: skip
    r = client.post("/api/v1/registry/cameras", json=body, headers=supervisor)
    assert r.status_code == 201, r.text
    loc = r.json()["location"]
    assert loc["inside_city"] is True
    assert loc["division"]["name"] == "Hollenbeck" and loc["neighborhood"]["name"] == "Boyle Heights"
    assert loc["district"]["code"].startswith("04")  # Hollenbeck is LAPD area 4: its districts are 04xx
    listed = client.get("/api/v1/registry/cameras", headers=dispatcher).json()["items"]
    assert [c["location"]["division"]["name"] for c in listed] == ["Hollenbeck"]

    # the public transparency portal names the city and places the camera in its division and neighborhood
    report = client.get("/api/v1/transparency").json()
    assert report["city"] == "Los Angeles"
    assert [(c["code"], c["division"], c["neighborhood"]) for c in report["cameras"]] == [
        ("LA-ALPR-1", "Hollenbeck", "Boyle Heights")
    ]
    page = client.get("/transparency").text
    assert "ALPR Transparency Portal: Los Angeles" in page and "Boyle Heights, Hollenbeck" in page

    # canvass at an LA gazetteer intersection finds the camera and says where the place is
    now = datetime.now(UTC)
    query = {"place": "Soto St & 4th St", "start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    res = client.post("/api/v1/canvass", json=query, headers=dispatcher)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["place"] == "4th St & Soto St" and (out["lat"], out["lon"]) == SOTO
    assert out["location"]["division"]["name"] == "Hollenbeck"
    assert out["location"]["neighborhood"]["code"] == "boyle-heights"
    assert [h["camera"]["code"] for h in out["items"]] == ["LA-ALPR-1"]
    places_list = client.get("/api/v1/canvass/places", headers=dispatcher).json()
    assert {"name": "4th St & Soto St", "lat": SOTO[0], "lon": SOTO[1]} in places_list
    assert client.post("/api/v1/canvass", json={**query, "place": "Artesia Blvd & Norwalk Blvd"},
                       headers=dispatcher).status_code == 422  # a Cerritos intersection is not in LA  # fmt: skip

    # a resident signing up in Boyle Heights is placed in that neighborhood
    signup = {"account_type": "resident", "username": "rosa", "display_name": "Rosa", "email": "rosa@example.org",
              "password": PASSWORD, "lat": SOTO[0], "lon": SOTO[1]}  # fmt: skip
    r = client.post("/api/v1/community/signup", json=signup)
    assert r.status_code == 202, r.text
    confirm_signup(client, db, "rosa")  # a new account signs in once its address is confirmed
    rosa = client.post("/api/v1/auth/login", json={"username": "rosa", "password": PASSWORD}).json()["token"]
    me = client.get("/api/v1/community/me", headers={"Authorization": f"Bearer {rosa}"}).json()
    assert me["neighborhood_code"] == "boyle-heights"

    # a public alert to Boyle Heights: its CAP document names the LA profile's senders
    alert = {"category": "burglary", "headline": "Break-ins on 4th St", "body": "Lock doors.",
             "area": {"neighborhood_code": "boyle-heights"}}  # fmt: skip
    r = client.post("/api/v1/community/alerts", json=alert, headers=supervisor)
    assert r.status_code == 201, r.text
    cap = ET.fromstring(client.get(f"/api/v1/community/alerts/{r.json()['id']}/cap").content)
    assert cap.findtext(f"{CAP}sender") == "alerts@lacity.example"
    assert cap.findtext(f"{CAP}info/{CAP}senderName") == "City of Los Angeles Community Alerts"
    assert "Cerritos" not in ET.tostring(cap, encoding="unicode")
