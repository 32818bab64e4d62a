"""The installable field view's files: the web app manifest and the service worker are served under /app/ with the
types a browser requires, never cached by the HTTP cache, and the CSP allows a worker from this origin only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import rtcc.app as app_module
from rtcc.settings import Settings
from rtcc.web import routes as web_routes

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build folder with the shipped manifest and worker (copied from ``web/public``)."""
    dist = tmp_path / "dist"
    (dist / "icons").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><html></html>")
    for name in ("manifest.webmanifest", "sw.js", "icons/field-192.png"):
        (dist / name).write_bytes((ROOT / "web" / "public" / name).read_bytes())
    monkeypatch.setattr(web_routes, "dist", lambda: dist)
    return dist


@pytest.fixture
def client(settings: Settings, db: Any) -> Iterator[TestClient]:
    with TestClient(app_module.create_app(settings), follow_redirects=False) as c:
        yield c


def test_the_manifest_and_worker_are_served_with_their_types(client: TestClient, fake_dist: Path) -> None:
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/app/field" and body["scope"] == "/app/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert icon["src"].startswith("/app/")
    assert client.get(body["icons"][0]["src"]).headers["content-type"] == "image/png"
    sw = client.get("/app/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["cache-control"] == "no-cache"  # a new worker is picked up at once
    csp = client.get("/app/field").headers["content-security-policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
