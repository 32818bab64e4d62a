"""Connection-level database errors are mapped once to 503 problem+json with Retry-After; other database errors
stay 500 (a bug, logged), and every ``ServiceUnavailable`` carries Retry-After."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from rtcc.core.errors import ServiceUnavailable
from rtcc.core.problems import install_problem_handlers, is_database_outage


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/refused")
    def refused() -> None:
        raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    @app.get("/pool")
    def pool() -> None:
        raise sa_exc.TimeoutError("QueuePool limit reached")

    @app.get("/integrity")
    def integrity() -> None:
        raise sa_exc.IntegrityError("INSERT", {}, ValueError("duplicate key"))

    @app.get("/bus")
    def bus() -> None:
        raise ServiceUnavailable("the event bus is down")

    return app


@pytest.mark.parametrize("path", ["/refused", "/pool"])
def test_a_database_outage_is_503_with_retry_after(path: str) -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        resp = client.get(path)
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.json()["title"] == "Database unavailable"


def test_other_database_errors_stay_500() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        resp = client.get("/integrity")
    assert resp.status_code == 500 and "Retry-After" not in resp.headers


def test_service_unavailable_carries_retry_after() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        resp = client.get("/bus")
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0


def test_an_invalidated_connection_counts_as_an_outage() -> None:
    err = sa_exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)
    assert is_database_outage(err)
    assert not is_database_outage(sa_exc.IntegrityError("INSERT", {}, ValueError("x")))
