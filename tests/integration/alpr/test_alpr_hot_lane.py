"""The ingest hot lane (``rtcc.core.hotlane``): a camera's POST reaches the same endpoint, with the same permission
check, the same answers and the same problem documents as through the declared route, and anything the lane does not
take falls through to the declared routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from starlette.routing import Match

from rtcc.alpr import routes as alpr_routes
from rtcc.app import api_routes
from rtcc.core.hotlane import HotLane
from rtcc.domains import manifests
from rtcc.identity.deps import declarations

LANE_PATHS = ("/api/v1/reads", "/api/v1/ingest/openalpr")


def _read(camera: str) -> dict[str, Any]:
    return {
        "plate": f"HL{uuid.uuid4().hex[:5].upper()}",
        "camera": camera,
        "observed_at": datetime.now(UTC).isoformat(),
    }


def _lane(client: TestClient) -> HotLane:
    first = client.app.router.routes[0]  # type: ignore[attr-defined]
    assert isinstance(first, HotLane), "the hot lane must be the first entry of the route table"
    return first


def _served_by_lane(client: TestClient, path: str, query: bytes = b"", method: str = "POST") -> bool:
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "root_path": ""}
    return _lane(client).matches(scope)[0] is Match.FULL


def test_the_lane_takes_exactly_the_camera_posts_and_leaves_the_rest_to_the_routes(app_client: TestClient) -> None:
    for path in LANE_PATHS:
        assert _served_by_lane(app_client, path)
        assert not _served_by_lane(app_client, path, method="GET")
        assert not _served_by_lane(app_client, path, query=b"camera=CAM-1")
    assert not _served_by_lane(app_client, "/api/v1/reads/")
    assert not _served_by_lane(app_client, "/api/v1/cameras")
    scope = {"type": "http", "method": "POST", "path": "/api/v1/reads", "query_string": b"", "root_path": "/rtcc"}
    assert _lane(app_client).matches(scope)[0] is Match.NONE


def test_every_lane_path_is_a_declared_route_with_the_permission_the_lane_checks(app_client: TestClient) -> None:
    lanes = {path for m in manifests() if m.hot_lane for path in _lane(app_client).handlers}
    assert lanes == set(LANE_PATHS)
    declared = {(r.path, m) for r in api_routes(app_client.app) for m in r.methods or ()}  # type: ignore[arg-type]
    for path in lanes:
        assert (path, "POST") in declared
        route = next(r for r in api_routes(app_client.app) if r.path == path)  # type: ignore[arg-type]
        assert alpr_routes.READS_WRITE in declarations(route.dependant)


def test_lane_and_declared_route_store_and_answer_alike(
    app_client: TestClient, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    headers = sensor_key(["*"])  # a "*" key registers the camera it reports for
    # the lane (no query string) and the declared route (an ignored query parameter sends it past the lane)
    for url in ("/api/v1/reads", "/api/v1/reads?via=route"):
        first = app_client.post(url, json={"reads": [_read("HL-1")]}, headers=headers)
        assert first.status_code == 202, first.text
        assert first.json()["accepted"] == 1
    same = _read("HL-1")
    lane = app_client.post("/api/v1/reads", json={"reads": [same]}, headers=headers)
    route = app_client.post("/api/v1/reads?via=route", json={"reads": [same]}, headers=headers)
    assert lane.json()["accepted"] == 1
    assert route.json() == {**lane.json(), "accepted": 0, "duplicates": 1}


def test_lane_refusals_are_the_routes_problem_documents(
    app_client: TestClient, sensor_key: Callable[[list[str]], dict[str, str]], login: Callable[..., dict[str, str]]
) -> None:
    for url in ("/api/v1/reads", "/api/v1/reads?via=route"):
        app_client.cookies.clear()  # the login below leaves a session cookie in the client
        anonymous = app_client.post(url, json={"reads": [_read("HL-2")]})
        assert anonymous.status_code == 401, (url, anonymous.text)
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        resident = app_client.post(url, json={"reads": [_read("HL-2")]}, headers=login("resident"))
        assert resident.status_code == 403
        assert "reads:write" in resident.json()["detail"]
        foreign = app_client.post(url, json={"reads": [_read("HL-OTHER")]}, headers=sensor_key(["HL-2"]))
        assert foreign.headers["content-type"].startswith("application/problem+json")
        assert foreign.status_code == 403
        bad = app_client.post(
            url, content=b'{"reads": [', headers={**sensor_key(["HL-2"]), "Content-Type": "application/json"}
        )
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
    lane_bad = app_client.post(
        "/api/v1/reads", content=b"{}", headers={**sensor_key(["HL-2"]), "Content-Type": "application/json"}
    )
    route_bad = app_client.post(
        "/api/v1/reads?via=route", content=b"{}", headers={**sensor_key(["HL-2"]), "Content-Type": "application/json"}
    )
    assert (lane_bad.status_code, lane_bad.json()["errors"]) == (route_bad.status_code, route_bad.json()["errors"])


def test_the_openalpr_webhook_takes_the_lane_and_its_camera_parameter_the_route(
    app_client: TestClient, sensor_key: Callable[[list[str]], dict[str, str]]
) -> None:
    headers = sensor_key(["*"])
    too_long = app_client.post(f"/api/v1/ingest/openalpr?camera={'x' * 65}", json={}, headers=headers)
    assert too_long.status_code == 422  # the declared route validated its query parameter
    assert _served_by_lane(app_client, "/api/v1/ingest/openalpr")
    invalid = app_client.post(
        "/api/v1/ingest/openalpr", content=b"not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert invalid.status_code == 422
    assert "line" in invalid.json()["detail"]
