"""The snapshot probe job against a real local HTTP server: a 200 answer records last_ok_at; a 500, a slow answer
(timeout) and a closed port record the error; internal addresses are refused unless allowed (loopback only when its
network is named); registered (not live-linked) cameras are not probed; a name is resolved once and the probe
connects to that answer."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rtcc.cameras import health, jobs, service
from rtcc.cameras.schemas import CameraCreate
from rtcc.core import egress
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM

HITS: list[str] = []
#: Set at teardown: the slow endpoint answers only then, so it always outlasts the probe's timeout however loaded
#: the machine is, while the healthy endpoint gets seconds of headroom.
RELEASE_SLOW = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        HITS.append(self.path)
        if self.path == "/slow.jpg":
            RELEASE_SLOW.wait(timeout=30)
        status = 200 if self.path in {"/ok.jpg", "/slow.jpg"} else 500
        try:
            self.send_response(status)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"jpg")
        except (BrokenPipeError, ConnectionResetError):  # the prober gave up waiting (the timeout case)
            pass

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    RELEASE_SLOW.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        RELEASE_SLOW.set()
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _camera(db: Database, code: str, url: str, level: str = "live_linked") -> None:
    with db.uow() as s:
        service.create_camera(
            s,
            CameraCreate(code=code, name=code, lat=33.87, lon=-118.07, owner_type="city", owner_name="City",
                         sharing_level=level, snapshot_url=url),  # type: ignore[arg-type]
            actor=SYSTEM,
        )  # fmt: skip


def test_probe_pass_records_ok_and_errors(db: Database, server: str) -> None:
    HITS.clear()
    _camera(db, "P-OK", f"{server}/ok.jpg")
    _camera(db, "P-500", f"{server}/broken.jpg")
    _camera(db, "P-SLOW", f"{server}/slow.jpg")
    _camera(db, "P-DOWN", f"http://127.0.0.1:{_closed_port()}/snap.jpg")
    _camera(db, "P-REG", f"{server}/registered.jpg", level="registered")

    refused = asyncio.run(jobs.probe_pass(db, timeout_s=3.0, concurrency=4))  # default: no internal addresses
    assert {o.error for o in refused} == {"refused: the URL points at an internal address (loopback)"}
    # allowing private networks (a city camera LAN) still never reaches loopback
    lan = egress.EgressPolicy(allow_private=True)
    assert {o.error for o in asyncio.run(jobs.probe_pass(db, timeout_s=3.0, concurrency=4, policy=lan))} == {
        "refused: the URL points at an internal address (loopback)"
    }
    assert HITS == []

    local = egress.EgressPolicy.of(allow_private=False, allowed_networks=["127.0.0.0/8"])  # named explicitly
    outcomes = asyncio.run(jobs.probe_pass(db, timeout_s=3.0, concurrency=4, policy=local))
    errors = {o.code: o.error for o in outcomes}
    assert set(errors) == {"P-OK", "P-500", "P-SLOW", "P-DOWN"}
    assert errors["P-OK"] is None
    assert errors["P-500"] == "HTTP 500"
    assert errors["P-SLOW"] == "timeout"
    assert errors["P-DOWN"] is not None and "Connect" in errors["P-DOWN"]
    assert "/registered.jpg" not in HITS

    with db.read() as s:
        seen = {h.code: h for h in health.health(s, stale_after_s=300)}
    assert seen["P-OK"].status == "ok" and seen["P-OK"].last_ok_at is not None
    assert seen["P-500"].status == "failing" and seen["P-500"].last_error == "HTTP 500"
    assert seen["P-DOWN"].status == "failing" and seen["P-DOWN"].last_ok_at is None


def test_dns_rebinding_connects_to_the_checked_address(db: Database, server: str) -> None:
    """The resolver answers a public address to the check, loopback to any later lookup: the probe must connect to
    the first answer (through a real socket here: the name itself is never resolvable by the system)."""
    port = int(server.rsplit(":", 1)[1])
    answers = [["127.0.0.1"], ["10.9.9.9"]]
    asked: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    _camera(db, "P-NAME", f"http://camera.rebind.invalid:{port}/ok.jpg")
    HITS.clear()
    local = egress.EgressPolicy.of(allow_private=False, allowed_networks=["127.0.0.1/32"])
    (outcome,) = asyncio.run(jobs.probe_pass(db, timeout_s=3.0, concurrency=1, policy=local, resolver=resolver))
    assert outcome.error is None and asked == ["camera.rebind.invalid"] and HITS == ["/ok.jpg"]
