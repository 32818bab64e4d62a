"""The camera-registry HTTP API: owners manage only their own cameras (404 for anyone else's), community accounts
reach no staff route, staff register/list/withdraw, the live route's incident rule, heartbeats by sensor key,
health, canvass by coordinates and by intersection, and the owner's access log showing staff views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from rtcc.cameras.kernel import M_PER_DEG_LAT

LAT, LON = 33.873, -118.072
M = 1.0 / M_PER_DEG_LAT
Login = Callable[..., dict[str, str]]


def _cam(**kw: object) -> dict[str, object]:
    doc: dict[str, object] = {"name": "Porch", "lat": LAT - 10 * M, "lon": LON, "direction_deg": 0, "fov_deg": 90,
                              "range_m": 30, "owner_retention_days": 14}  # fmt: skip
    doc.update(kw)
    return doc


def test_owner_isolation_over_http(app_client: TestClient, login: Login) -> None:
    alice, bob = login("resident"), login("business")
    r = app_client.post("/api/v1/me/cameras", json=_cam(code="ALICE-1"), headers=alice)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["owner_type"] == "residential" and a["sharing_level"] == "registered"
    b = app_client.post("/api/v1/me/cameras", json=_cam(name="Shop"), headers=bob).json()
    assert b["owner_type"] == "business"

    assert [c["id"] for c in app_client.get("/api/v1/me/cameras", headers=alice).json()] == [a["id"]]
    for method, path, body in (
        ("GET", f"/api/v1/me/cameras/{b['id']}", None),
        ("PATCH", f"/api/v1/me/cameras/{b['id']}", {"name": "mine"}),
        ("POST", f"/api/v1/me/cameras/{b['id']}/withdraw", None),
        ("GET", f"/api/v1/me/cameras/{b['id']}/access-log", None),
        ("POST", f"/api/v1/me/cameras/{b['id']}/heartbeat", None),
    ):
        resp = app_client.request(method, path, json=body, headers=alice)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert app_client.get(f"/api/v1/me/cameras/{b['id']}", headers=bob).json()["name"] == "Shop"

    # Community accounts reach no internal data.
    for path in ("/api/v1/registry/cameras", f"/api/v1/registry/cameras/{a['id']}", "/api/v1/registry/health",
                 "/api/v1/canvass/places"):  # fmt: skip
        assert app_client.get(path, headers=alice).status_code == 403, path
    assert app_client.post("/api/v1/canvass", json={}, headers=alice).status_code == 403
    # ... and staff do not reach the owner routes.
    assert app_client.get("/api/v1/me/cameras", headers=login("admin")).status_code == 403


def test_owner_changes_and_withdraws_and_sees_staff_views(app_client: TestClient, login: Login) -> None:
    alice, analyst = login("resident"), login("analyst")
    cam = app_client.post("/api/v1/me/cameras", json=_cam(code="ALICE-2"), headers=alice).json()
    r = app_client.patch(
        f"/api/v1/me/cameras/{cam['id']}",
        json={"sharing_level": "live_linked", "stream_url": "https://alice.example/live"},
        headers=alice,
    )
    assert r.status_code == 200 and r.json()["stream_url"] == "https://alice.example/live"
    bad = app_client.patch(f"/api/v1/me/cameras/{cam['id']}", json={"fov_deg": 400}, headers=alice)
    assert bad.status_code == 422

    staff_view = app_client.get(f"/api/v1/registry/cameras/{cam['id']}", headers=analyst)
    assert staff_view.status_code == 200
    assert staff_view.json()["stream_url"] is None and staff_view.json()["urls_withheld"] is True
    made_up = app_client.get(
        f"/api/v1/registry/cameras/{cam['id']}/live",
        params={"purpose": "felony_investigation", "case_number": "24-000777"},
        headers=analyst,
    )
    assert made_up.status_code == 422 and "not a case on record" in made_up.json()["detail"]
    hotlist = app_client.post("/api/v1/hotlists", json={"name": "BOLO", "category": "bolo"}, headers=login("admin"))
    entry = {"plate": "7CASE77", "case_number": "24-000777"}
    assert (
        app_client.post(
            f"/api/v1/hotlists/{hotlist.json()['id']}/entries", json=entry, headers=login("admin")
        ).status_code
        == 201
    )
    live = app_client.get(
        f"/api/v1/registry/cameras/{cam['id']}/live",
        params={"purpose": "felony_investigation", "case_number": "24-000777"},
        headers=analyst,
    )
    assert live.status_code == 200, live.text
    assert live.json()["stream_url"] == "https://alice.example/live"
    refused = app_client.get(f"/api/v1/registry/cameras/{cam['id']}/live", headers=analyst)
    assert refused.status_code == 422

    log = app_client.get(f"/api/v1/me/cameras/{cam['id']}/access-log", headers=alice).json()
    assert log["total"] == 2
    assert [e["action"] for e in log["items"]] == ["live.view", "record.view"]

    r = app_client.post(f"/api/v1/me/cameras/{cam['id']}/withdraw", headers=alice)
    assert r.status_code == 200 and r.json()["sharing_level"] == "withdrawn" and r.json()["stream_url"] is None
    again = app_client.get(
        f"/api/v1/registry/cameras/{cam['id']}/live",
        params={"purpose": "felony_investigation", "case_number": "24-000777"},
        headers=analyst,
    )
    assert again.status_code == 403


def test_staff_registry_canvass_and_withdraw(app_client: TestClient, login: Login) -> None:
    supervisor, dispatcher, officer = login("supervisor"), login("dispatcher"), login("officer")
    body = _cam(code="CITY-9", name="City cam", owner_type="city", owner_name="City of Cerritos")
    assert app_client.post("/api/v1/registry/cameras", json=body, headers=dispatcher).status_code == 403
    r = app_client.post("/api/v1/registry/cameras", json=body, headers=supervisor)
    assert r.status_code == 201, r.text
    cam = r.json()
    assert app_client.post("/api/v1/registry/cameras", json=body, headers=supervisor).status_code == 409

    listed = app_client.get("/api/v1/registry/cameras", params={"owner_type": "city"}, headers=officer).json()
    assert [c["code"] for c in listed["items"]] == ["CITY-9"]

    now = datetime.now(UTC)
    query = {"place": "Artesia Blvd & Norwalk Blvd", "start": (now - timedelta(days=20)).isoformat(),
             "end": (now - timedelta(days=19)).isoformat()}  # fmt: skip
    assert app_client.post("/api/v1/canvass", json=query, headers=officer).status_code == 403
    res = app_client.post("/api/v1/canvass", json=query, headers=dispatcher)
    assert res.status_code == 200, res.text
    hits = res.json()["items"]
    assert [h["camera"]["code"] for h in hits] == ["CITY-9"]
    assert abs(hits[0]["distance_m"] - 10.0) < 0.05
    assert hits[0]["retention_covers"] is False  # 20 days ago, the device keeps 14
    bad = app_client.post("/api/v1/canvass", json={**query, "place": None}, headers=dispatcher)
    assert bad.status_code == 422

    r = app_client.post(f"/api/v1/registry/cameras/{cam['id']}/withdraw", headers=supervisor)
    assert r.status_code == 200 and r.json()["sharing_level"] == "withdrawn"
    assert app_client.post("/api/v1/canvass", json=query, headers=dispatcher).json()["items"] == []
    places = app_client.get("/api/v1/canvass/places", headers=dispatcher).json()
    assert {"name": "Artesia Blvd & Norwalk Blvd", "lat": 33.873, "lon": -118.072} in places


def test_heartbeat_by_sensor_key_and_health(
    app_client: TestClient, login: Login, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    supervisor = login("supervisor")
    body = _cam(code="LINK-7", owner_type="city", owner_name="City", sharing_level="live_linked",
                snapshot_url="http://127.0.0.1:9/snap.jpg")  # fmt: skip
    cam = app_client.post("/api/v1/registry/cameras", json=body, headers=supervisor).json()
    wrong = app_client.post(f"/api/v1/registry/cameras/{cam['id']}/heartbeat", json={}, headers=sensor_key(["X"]))
    assert wrong.status_code == 403
    ok = app_client.post(
        f"/api/v1/registry/cameras/{cam['id']}/heartbeat", json={"status": "ok"}, headers=sensor_key(["LINK-7"])
    )
    assert ok.status_code == 200, ok.text
    health = app_client.get("/api/v1/registry/health", headers=supervisor).json()
    assert [(h["code"], h["status"]) for h in health] == [("LINK-7", "ok")]


def test_an_empty_canvass_says_why_and_the_map_gets_the_cameras(app_client: TestClient, login: Login) -> None:
    supervisor, dispatcher, resident = login("supervisor"), login("dispatcher"), login("resident")
    near = _cam(code="CITY-NEAR", name="Near cam", owner_type="city", owner_name="City", lat=LAT + 200 * M, lon=LON)
    far = _cam(code="CITY-FAR", name="Far cam", owner_type="city", owner_name="City", lat=LAT + 900 * M, lon=LON,
               range_m=120)  # fmt: skip
    for body in (near, far):
        assert app_client.post("/api/v1/registry/cameras", json=body, headers=supervisor).status_code == 201
    now = datetime.now(UTC)
    query = {"lat": LAT, "lon": LON, "start": (now - timedelta(hours=2)).isoformat(), "end": now.isoformat()}
    res = app_client.post("/api/v1/canvass", json=query, headers=dispatcher).json()
    assert res["items"] == []
    why = res["empty"]
    assert (why["shared_cameras"], why["registered_cameras"], why["radius_m"]) == (2, 2, 120.0)
    assert [n["camera"]["code"] for n in why["nearest"]] == ["CITY-NEAR", "CITY-FAR"]
    first = why["nearest"][0]
    assert abs(first["distance_m"] - 200.0) < 0.5 and first["in_range"] is False
    assert "CITY-NEAR" in why["message"] and "200 m" in why["message"] and "2 shared cameras" in why["message"]
    # a found camera needs no explanation
    seen = app_client.post("/api/v1/canvass", json={**query, "lat": LAT + 210 * M}, headers=dispatcher).json()
    assert [h["camera"]["code"] for h in seen["items"]] == ["CITY-NEAR"] and seen["empty"] is None

    points = app_client.get("/api/v1/canvass/cameras", headers=dispatcher)
    assert points.status_code == 200
    assert sorted(round(p["lat"], 5) for p in points.json()) == sorted(round(c["lat"], 5) for c in (near, far))  # type: ignore[arg-type]
    assert set(points.json()[0]) == {"id", "lat", "lon", "direction_deg", "fov_deg", "range_m"}  # no names, owners
    assert app_client.get("/api/v1/canvass/cameras", headers=resident).status_code == 403
