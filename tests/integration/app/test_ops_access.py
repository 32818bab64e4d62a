"""/metrics, /docs, /redoc and /openapi.json are not public (issue 15, security test finding 1).

The old app served all four to anyone. Now /metrics needs ``ops:metrics`` (admins, the ``ops`` role, a monitoring
API key such as a Prometheus scraper's) and the API description needs ``api:docs`` (admins, the ``ops`` role);
signed-in staff learn which API paths exist from ``/api/v1/web/api-paths`` (paths only). The docs page is the
bundled Swagger UI (no CDN) with the app's security headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rtcc.identity import service
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.web import routes as web_routes

PASSWORD = "correct horse battery"
PROTECTED = ["/metrics", "/openapi.json", "/docs", "/redoc"]


@pytest.mark.parametrize("path", PROTECTED)
def test_anonymous_gets_401(app_client: TestClient, path: str) -> None:
    app_client.cookies.clear()
    resp = app_client.get(path, follow_redirects=False)
    assert resp.status_code == 401, (path, resp.status_code)
    assert resp.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", PROTECTED)
def test_staff_without_the_permission_gets_403(
    app_client: TestClient, login: Callable[..., dict[str, str]], path: str
) -> None:
    assert app_client.get(path, headers=login("analyst"), follow_redirects=False).status_code == 403


def test_admin_and_ops_read_metrics_and_the_schema(
    app_client: TestClient, login: Callable[..., dict[str, str]]
) -> None:
    for role in ("admin", "ops"):
        who = login(role)
        metrics = app_client.get("/metrics", headers=who)
        assert metrics.status_code == 200 and "rtcc_reads_ingested_total" in metrics.text
        schema = app_client.get("/openapi.json", headers=who)
        assert schema.status_code == 200 and schema.json()["info"]["title"] == "OpenRTCC"
        assert "frame-ancestors 'none'" in schema.headers["content-security-policy"]
        redoc = app_client.get("/redoc", headers=who, follow_redirects=False)
        assert redoc.status_code == 307 and redoc.headers["location"] == "/docs"


def test_a_monitoring_key_scrapes_metrics_and_nothing_else(app_client: TestClient, db: object) -> None:
    with db.uow() as session:  # type: ignore[attr-defined]
        _key, secret = service.create_api_key(session, ApiKeyCreate(name="prometheus", monitoring=True), actor=SYSTEM)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app_client.get("/metrics", headers=bearer).status_code == 200
    assert app_client.get("/openapi.json", headers=bearer).status_code == 403
    assert app_client.get("/api/v1/alerts", headers=bearer).status_code == 403
    assert app_client.post("/api/v1/reads", headers=bearer, json={"reads": []}).status_code == 403


def test_staff_get_the_api_paths_without_schemas(app_client: TestClient, login: Callable[..., dict[str, str]]) -> None:
    paths = app_client.get("/api/v1/web/api-paths", headers=login("officer"))
    assert paths.status_code == 200
    assert "/api/v1/alerts" in paths.json() and all(isinstance(p, str) for p in paths.json())
    app_client.cookies.clear()
    assert app_client.get("/api/v1/web/api-paths").status_code == 401


def test_the_docs_page_has_the_app_headers_and_loads_nothing_from_elsewhere(
    app_client: TestClient, login: Callable[..., dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = web_routes.dist().joinpath("docs.html")
    if built.is_file():  # the real build: Swagger UI bundled from swagger-ui-dist
        page = built.read_text(encoding="utf-8")
    else:  # not built here: a stand-in page, so the route's headers are still checked
        (tmp_path / "docs.html").write_text("<!doctype html><script type='module' src='/app/assets/docs.js'></script>")
        monkeypatch.setattr(web_routes, "dist", lambda: tmp_path)
        page = (tmp_path / "docs.html").read_text()
    resp = app_client.get("/docs", headers=login("admin"))
    assert resp.status_code == 200 and resp.text == page
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    external = re.findall(r"""(?:src|href)=["']?(https?:)?//""", page)
    assert not external, "the docs page must load nothing from another origin"


def test_a_signed_in_admin_opens_the_docs_in_the_browser(
    app_client: TestClient, login: Callable[..., dict[str, str]]
) -> None:
    """The browser sends the session cookie (no header): the demo admin signs in at /app/ and opens /docs."""
    login("admin", username="docs_admin")
    app_client.cookies.clear()
    signed_in = app_client.post("/api/v1/auth/login", json={"username": "docs_admin", "password": PASSWORD})
    assert signed_in.status_code == 200 and "rtcc_session" in app_client.cookies
    assert app_client.get("/openapi.json").status_code == 200
    assert app_client.get("/docs").status_code in (200, 503)  # 503: the web app is not built here
    assert app_client.get("/api/v1/web/api-paths").status_code == 200
    app_client.cookies.clear()
