"""Operational endpoints and the problem+json error shape."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_health_ready_metrics(app_client: TestClient, login: Callable[..., dict[str, str]]) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] is True and ready.json()["bus"] is True
    metrics = app_client.get("/metrics", headers=login("ops")).text
    assert "rtcc_reads_ingested_total" in metrics and "rtcc_dead_letters_total" in metrics


def test_unknown_route_is_problem_json(app_client: TestClient) -> None:
    resp = app_client.get("/api/v1/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["status"] == 404


def test_openapi_served(app_client: TestClient, login: Callable[..., dict[str, str]]) -> None:
    assert app_client.get("/openapi.json", headers=login("admin")).json()["info"]["title"] == "OpenRTCC"
