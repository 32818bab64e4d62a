"""The server side of the web front end: the app's page for its own routes (history routing), built files with the
right types and caching, a strict Content-Security-Policy, a clear 503 page when the app was never built, the
public configuration endpoint, and no way out of the build folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import rtcc.app as app_module
from rtcc.settings import Settings
from rtcc.web import routes as web_routes
from rtcc.web.config import WebSettings

INDEX = '<!doctype html><html><head><script type="module" src="/app/assets/index-abc123.js"></script></head></html>'


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small build folder standing in for ``rtcc/web/dist``."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "basemap").mkdir()
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('app');")
    (dist / "assets" / "index-abc123.css").write_text("body{}")
    (dist / "basemap" / "cerritos.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setattr(web_routes, "dist", lambda: dist)
    return dist


@pytest.fixture
def client(settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app as production builds it (the web router is mounted by its manifest)."""
    with TestClient(app_module.create_app(settings), follow_redirects=False) as c:
        yield c


def test_root_and_app_redirect_to_the_app(client: TestClient, fake_dist: Path) -> None:
    assert client.get("/").status_code == 307 and client.get("/").headers["location"] == "/app/"
    assert client.get("/app").headers["location"] == "/app/"


@pytest.mark.parametrize(
    "path", ["/app/", "/app/search", "/app/audit", "/app/alerts/123", "/portal", "/portal/rebates"]
)
def test_app_routes_answer_the_page_with_a_strict_csp(client: TestClient, fake_dist: Path, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200 and resp.text == INDEX
    assert resp.headers["content-type"].startswith("text/html")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "http" not in csp  # no tile server configured: images from here only
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["cache-control"] == "no-cache"


def test_built_files_are_served_with_their_type_and_hashed_ones_cached(client: TestClient, fake_dist: Path) -> None:
    js = client.get("/app/assets/index-abc123.js")
    assert js.status_code == 200 and js.text == "console.log('app');"
    assert js.headers["content-type"].startswith("text/javascript")
    assert "immutable" in js.headers["cache-control"]
    css = client.get("/app/assets/index-abc123.css")
    assert css.headers["content-type"].startswith("text/css")
    geo = client.get("/app/basemap/cerritos.geojson")
    assert geo.headers["content-type"] == "application/json" and geo.json()["type"] == "FeatureCollection"
    assert geo.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path", ["/app/assets/missing-000.js", "/app/missing.png", "/app/assets/..%2F..%2Fsecret.txt", "/app/%2e%2e/x.js"]
)
def test_missing_files_and_escapes_are_404_not_the_page(
    client: TestClient, fake_dist: Path, tmp_path: Path, path: str
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    resp = client.get(path)
    assert resp.status_code == 404, (path, resp.status_code)
    assert "secret" not in resp.text


def test_files_outside_the_build_folder_are_never_read(fake_dist: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    assert web_routes._file("../secret.txt") is None
    assert web_routes._file("assets/../../secret.txt") is None
    assert web_routes._file("/etc/passwd") is None
    assert web_routes._file("assets/index-abc123.js") is not None


def test_an_unbuilt_app_says_so_instead_of_failing(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_routes, "dist", lambda: tmp_path / "nothing-here")
    for path in ("/app/", "/app/search", "/portal"):
        resp = client.get(path)
        assert resp.status_code == 503
        assert "has not been built" in resp.text and "npm run build" in resp.text
    assert client.get("/healthz").status_code == 200  # the API is unaffected


def test_the_app_does_not_shadow_the_api_or_operations(client: TestClient, fake_dist: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/v1/alerts").status_code == 401  # still the API (problem+json), not the page
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert client.get("/metrics").status_code == 401  # still the metrics route (it needs ops:metrics), not the page


def test_config_endpoint_is_public_and_has_no_tile_server_by_default(client: TestClient) -> None:
    cfg = client.get("/api/v1/web/config")
    assert cfg.status_code == 200
    body = cfg.json()
    assert body["tile_url"] is None and body["basemap_url"] == "/app/basemap/cerritos.geojson"
    assert body["languages"] == ["en", "es"] and body["transparency_url"] == "/transparency"


def test_a_configured_tile_server_is_in_the_config_and_allowed_for_images(tmp_path: Path) -> None:
    class WithWeb(Settings, WebSettings):
        pass

    s = WithWeb(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        web_tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        web_tile_attribution="© Example",
    )
    assert web_routes.web_settings(s).web_tile_url == "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    csp = web_routes.security_headers(s)["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tiles.example.org;" in csp
    assert "connect-src 'self';" in csp  # tiles are images, never scripts or data


@pytest.mark.parametrize(
    ("url", "source"),
    [
        (None, ""),
        ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("javascript:alert(1)", ""),
        ("https://bad host;script-src */{z}.png", ""),
    ],
)
def test_tile_source_for_the_csp(url: str | None, source: str) -> None:
    assert web_routes.tile_source(url) == source


def test_the_built_app_references_only_files_it_ships(client: TestClient) -> None:
    """With the real build (``npm run build``): every script and stylesheet the page loads is served."""
    import re

    index = web_routes.dist().joinpath("index.html")
    if not index.is_file():
        pytest.skip("the web app is not built (cd web && npm ci && npm run build)")
    page = client.get("/app/")
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href)="(/app/[^"]+)"', page.text)
    assert refs, page.text
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    assert client.get("/app/basemap/cerritos.geojson").json()["type"] == "FeatureCollection"


def test_the_old_live_page_sends_the_browser_to_the_app(client: TestClient, fake_dist: Path) -> None:
    resp = client.get("/live")
    assert resp.status_code == 307 and resp.headers["location"] == "/app/"
    assert client.get("/app/").status_code == 200


def test_without_a_build_the_old_live_page_is_still_served(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_routes, "dist", lambda: tmp_path / "nothing-here")
    resp = client.get("/live")
    assert resp.status_code == 200 and 'src="/live/live.js"' in resp.text
    assert "script-src 'self'" in resp.headers["content-security-policy"]
