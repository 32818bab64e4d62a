"""The public e-mail verification and unsubscribe pages (reached from an e-mail link holding a secret token) carry
a strict CSP with frame-ancestors 'none', no Referer, no caching, and HSTS when served over TLS (issue 15)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.settings import Settings

PAGES = ["/api/v1/community/unsubscribe/sometoken", "/api/v1/community/verify/sometoken"]


@pytest.mark.parametrize("path", PAGES)
def test_confirmation_pages_have_csp_and_no_framing(app_client: TestClient, path: str) -> None:
    resp = app_client.get(path)
    assert resp.status_code == 200 and "<form method='post'" in resp.text
    csp = resp.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "form-action 'self'" in csp
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in resp.headers  # plain http: never


@pytest.mark.parametrize("path", PAGES)
def test_hsts_over_tls_and_from_a_trusted_proxy_only(settings: Settings, db: object, path: str) -> None:
    app = create_app(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]}))
    with TestClient(app, base_url="https://rtcc.example.org") as tls:
        assert tls.get(path).headers["strict-transport-security"].startswith("max-age=31536000")
    with TestClient(app) as plain:  # the test client's peer ("testclient") is not a trusted proxy
        assert "strict-transport-security" not in plain.get(path, headers={"X-Forwarded-Proto": "https"}).headers
