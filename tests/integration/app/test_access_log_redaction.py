"""Security finding (issue 15): the HTTP access log showed plates, case numbers and capability tokens that clients
put in URLs (``GET /api/v1/search/history?plate=...``, ``/hotlists/skip/<plate>``, ``/community/verify/<token>``).
A real uvicorn server now logs those requests with the values redacted."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from rtcc.app import create_app
from rtcc.core.logging import REDACTED, redact_target
from rtcc.settings import Settings


def test_redact_target_keeps_paging_and_drops_secrets() -> None:
    assert redact_target("/api/v1/alerts?limit=5&purpose=hit_verification") == (
        "/api/v1/alerts?limit=5&purpose=hit_verification"
    )
    assert redact_target("/api/v1/search/history?plate=7ABC123&case_number=CR-26-1&limit=5") == (
        f"/api/v1/search/history?plate={REDACTED}&case_number={REDACTED}&limit=5"
    )
    assert redact_target("/api/v1/hotlists/skip/7ABC123") == f"/api/v1/hotlists/skip/{REDACTED}"
    assert redact_target("/api/v1/community/verify/abc.def?x=1") == (
        f"/api/v1/community/verify/{REDACTED}?x={REDACTED}"
    )
    assert redact_target("/api/v1/alerts/123/verify") == "/api/v1/alerts/123/verify"


@pytest.fixture
def served(settings: Settings, db: object) -> Iterator[str]:
    app = create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_a_plate_in_a_query_string_never_reaches_the_access_log(served: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        httpx.get(f"{served}/api/v1/search/history?plate=7SECRT1&case_number=CR-2026-999&purpose=stolen_vehicle")
        httpx.delete(f"{served}/api/v1/hotlists/skip/8SECRT2")
        httpx.get(f"{served}/api/v1/community/verify/tok3nS3CRET")
        deadline = time.monotonic() + 5
        while len([r for r in caplog.records if r.name == "uvicorn.access"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(lines) == 3, lines
    text = "\n".join(lines)
    for secret in ("7SECRT1", "CR-2026-999", "8SECRT2", "tok3nS3CRET"):
        assert secret not in text
    assert "purpose=stolen_vehicle" in text and REDACTED in text
