"""Server-Sent Events end to end: a real uvicorn server on a free port (the test client does not stream), httpx
streaming clients, events emitted through the service, reconnection with Last-Event-ID, role filtering, the
heartbeat, and alerts raised by hits arriving live."""

from __future__ import annotations

import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from sqlalchemy import select

import rtcc.app as app_module
from rtcc.alerts.schemas import HitInput
from rtcc.alpr.models import Camera, Read
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.plates import forms
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.live import hub as live_hub
from rtcc.live import service as live
from rtcc.matching import service as matching
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings

CHECKED = {"plate_matches_crop": True, "state_confirmed": True, "entry_current": True, "vehicle_consistent": True}


@dataclass
class Event:
    id: int | None
    type: str
    data: dict[str, Any]


class SSEClient:
    """Reads one text/event-stream in a thread, like a browser's EventSource (it tracks the last event id)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        last_event_id: int | None = None,
        *,
        query: bool = False,
        purpose: str | None = "hit_verification",
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        self.path = "/api/v1/live/stream?" + (f"purpose={purpose}" if purpose else "")
        if last_event_id is not None and query:
            self.path += f"&last_event_id={last_event_id}"
        elif last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.events: queue.Queue[Event] = queue.Queue()
        self.comments: list[str] = []
        self.last_id: int | None = last_event_id
        self.ready = threading.Event()
        self.ended = threading.Event()
        self.status: int | None = None
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=httpx.Timeout(10, read=None))
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "stream did not open"

    def _run(self) -> None:
        try:
            with self._client.stream("GET", self.path) as resp:
                self.status = resp.status_code
                if resp.status_code != 200:
                    self.ready.set()
                    return
                fields: dict[str, str] = {}
                data: list[str] = []
                for line in resp.iter_lines():
                    self.ready.set()
                    if self._stop:
                        return
                    if line == "":
                        if "id" in fields:
                            self.last_id = int(fields["id"])
                        if data:
                            ev_id = int(fields["id"]) if "id" in fields else None
                            self.events.put(Event(ev_id, fields.get("event", "message"), orjson.loads("\n".join(data))))
                        fields, data = {}, []
                    elif line.startswith(":"):
                        self.comments.append(line)
                    else:
                        name, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if name == "data":
                            data.append(value)
                        else:
                            fields[name] = value
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self.ended.set()
            self.ready.set()

    def take(self, n: int, timeout: float = 5.0) -> list[Event]:
        out: list[Event] = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"only {len(out)} of {n} events arrived: {[e.data for e in out]}"
            out.append(self.events.get(timeout=remaining))
        return out

    def nothing_more(self, wait: float = 0.5) -> bool:
        time.sleep(wait)
        return self.events.empty()

    def close(self) -> None:
        self._stop = True
        self._client.close()
        self._thread.join(5)


@dataclass
class Server:
    base_url: str
    runtime: Runtime

    def token(self, role: str) -> str:
        username = f"{role}_{uuid.uuid4().hex[:6]}"
        with self.runtime.db.uow() as s:
            identity.create_user(
                s,
                UserCreate(username=username, display_name=username, password="correct horse battery", role=Role(role)),
                actor=SYSTEM,
            )
        resp = httpx.post(
            f"{self.base_url}/api/v1/auth/login", json={"username": username, "password": "correct horse battery"}
        )
        assert resp.status_code == 200, resp.text
        return str(resp.json()["token"])

    def emit(self, topic: str, type_: str, data: dict[str, Any]) -> int:
        with self.runtime.db.uow() as s:
            return live.emit(s, self.runtime.bus, topic=topic, type=type_, data=data).id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """The app served by uvicorn in a thread, with the live hub running (heartbeat shortened)."""
    runtime = build_runtime(settings)
    runtime.services[live_hub.SERVICE_NAME] = live_hub.LiveHub(runtime.db, heartbeat_s=0.3, gap_grace_s=0.2)
    app = app_module.create_app(settings, runtime=runtime)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield Server(f"http://127.0.0.1:{port}", runtime)
    uv.should_exit = True
    thread.join(10)
    runtime.db.dispose()


def _alert_data(state: str, n: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": "hit", "state": state, "n": n}


def test_reconnect_with_last_event_id_misses_nothing(server: Server) -> None:
    token = server.token("analyst")
    first = SSEClient(server.base_url, token)
    sent = [server.emit("alerts", "alert.created", _alert_data("new", i)) for i in range(3)]
    got = first.take(3)
    assert [e.id for e in got] == sent and [e.data["data"]["n"] for e in got] == [0, 1, 2]
    assert got[0].type == "alert.created" and got[0].data["topic"] == "alerts"
    assert first.last_id == sent[-1]
    first.close()

    missed = [server.emit("alerts", "alert.updated", _alert_data("new", i)) for i in range(3, 6)]
    second = SSEClient(server.base_url, token, last_event_id=first.last_id)
    replayed = second.take(3)
    assert [e.id for e in replayed] == missed
    later = server.emit("alerts", "alert.updated", _alert_data("new", 6))
    assert [e.id for e in second.take(1)] == [later]
    assert second.nothing_more(), "duplicates or stray events after the replay"
    second.close()


def test_fresh_clients_start_now_and_can_resume_from_there(server: Server) -> None:
    token = server.token("dispatcher")
    before = server.emit("alerts", "alert.created", _alert_data("new", 0))
    client = SSEClient(server.base_url, token)
    assert client.nothing_more(0.3)  # no replay without Last-Event-ID
    assert client.last_id == before  # but the position is set, so a reconnect misses nothing
    client.close()
    missed = server.emit("alerts", "alert.created", _alert_data("new", 1))
    again = SSEClient(server.base_url, token, last_event_id=client.last_id, query=True)  # ?last_event_id=
    assert [e.id for e in again.take(1)] == [missed]
    again.close()


def test_officers_receive_only_verified_hits_live_and_on_replay(server: Server) -> None:
    officer, analyst = server.token("officer"), server.token("analyst")
    o, a = SSEClient(server.base_url, officer), SSEClient(server.base_url, analyst)
    start = o.last_id
    ids = {
        "new": server.emit("alerts", "alert.created", _alert_data("new", 0)),
        "rejected": server.emit("alerts", "alert.updated", _alert_data("rejected", 1)),
        "verified": server.emit("alerts", "alert.updated", _alert_data("verified", 2)),
        "camera": server.emit("cameras", "camera.status", {"code": "CAM-1", "status": "offline"}),
    }
    assert [e.id for e in a.take(4)] == list(ids.values())
    assert [e.id for e in o.take(2)] == [ids["verified"], ids["camera"]]
    assert o.nothing_more()
    o.close()
    a.close()
    replay = SSEClient(server.base_url, officer, last_event_id=start)
    assert [e.id for e in replay.take(2)] == [ids["verified"], ids["camera"]]
    assert replay.nothing_more()
    replay.close()


def _access_records(server: Server) -> list[tuple[str, str, list[str]]]:
    with server.runtime.db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.access").order_by(AuditEntry.seq))
        return [(r.target_id or "", r.details["purpose"], r.details["plates"]) for r in rows]


def test_stream_needs_a_purpose_and_records_the_plates_it_sent_in_batches(server: Server) -> None:
    """Security finding: the stream and its replay showed plates without an access record (Civ. Code §1798.90.52)."""
    token = server.token("analyst")
    refused = SSEClient(server.base_url, token, purpose=None)
    assert refused.status == 422
    refused.close()
    dispatch_only = SSEClient(server.base_url, server.token("cso"), purpose=None)  # receives no alerts: no purpose
    assert dispatch_only.status == 200
    dispatch_only.close()
    start = server.emit("cameras", "camera.status", {"code": "CAM-1", "status": "online"})
    for i, plate in enumerate(("1AAA111", "2BBB222", "1AAA111")):
        server.emit("alerts", "alert.created", {**_alert_data("new", i), "plate_read": plate, "plate_listed": plate})
    replay = SSEClient(server.base_url, token, last_event_id=start)
    replay.take(3)
    deadline = time.monotonic() + 5
    while not _access_records(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _access_records(server) == [("live.replay", "hit_verification", ["1AAA111", "2BBB222"])]
    for i, plate in enumerate(("3CCC333", "4DDD444")):
        server.emit("alerts", "alert.created", {**_alert_data("new", i), "plate_read": plate, "plate_listed": plate})
    replay.take(2)
    deadline = time.monotonic() + 5
    while len(_access_records(server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the heartbeat (0.3 s here) flushes the batch
    assert _access_records(server)[1:] == [("live.stream", "hit_verification", ["3CCC333", "4DDD444"])]
    replay.close()


def test_heartbeat_retry_and_authentication(server: Server) -> None:
    client = SSEClient(server.base_url, server.token("officer"))
    time.sleep(0.8)
    assert any(c.startswith(": keepalive") for c in client.comments)
    client.close()
    raw = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token('analyst')}"})
    with raw.stream("GET", "/api/v1/live/stream?purpose=hit_verification") as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert next(resp.iter_lines()) == "retry: 2000"
    raw.close()
    assert httpx.get(f"{server.base_url}/api/v1/live/stream").status_code == 401
    auditor = SSEClient(server.base_url, server.token("auditor"))  # no live:read
    assert auditor.status == 403
    auditor.close()


def test_hits_and_verification_arrive_live(server: Server) -> None:
    """The real path: record_hits -> live event -> SSE; the officer sees the alert only once it is verified."""
    rt = server.runtime
    now = utcnow()
    with rt.db.uow() as s:
        cam = Camera(code="CAM-9", name="Artesia & Pioneer", created_at=now)
        hl = Hotlist(
            name="BOLO", source="local", category="bolo", priority=2, owner="x", created_at=now, updated_at=now
        )
        s.add_all([cam, hl])
        s.flush()
        f = forms("6TRJ244")
        entry = HotlistEntry(
            hotlist_id=hl.id,
            plate="6TRJ244",
            plate_norm=f.norm,
            plate_ocr=f.ocr,
            region="CA",
            added_by="x",
            added_at=now,
        )
        read = Read(
            id=uuid.uuid4(),
            camera_id=cam.id,
            plate="6TRJ244",
            plate_norm=f.norm,
            plate_ocr=f.ocr,
            region="CA",
            observed_at=now,
            received_at=now,
            source="rest",
        )
        s.add_all([entry, read])
        s.flush()
        hit = HitInput(
            read_id=read.id,
            camera_id=cam.id,
            camera_code=cam.code,
            plate_read=read.plate,
            observed_at=now,
            received_at=now,
            entry_id=entry.id,
            hotlist_id=hl.id,
            hotlist_name=hl.name,
            category=hl.category,
            priority=2,
            plate_listed=entry.plate,
            match_kind="exact",
        )
    analyst_token, officer_token = server.token("analyst"), server.token("officer")
    a, o = SSEClient(server.base_url, analyst_token), SSEClient(server.base_url, officer_token)
    with rt.db.uow() as s:
        [alert] = matching.record_hits(s, rt.bus, [hit], dedup_window_s=600)
    created = a.take(1)[0]
    assert created.type == "alert.created" and created.data["data"]["plate_read"] == "6TRJ244"
    assert created.data["data"]["camera"]["code"] == "CAM-9"
    assert o.nothing_more(0.3)
    resp = httpx.post(
        f"{server.base_url}/api/v1/alerts/{alert.id}/verify",
        json={"checklist": CHECKED},
        headers={"Authorization": f"Bearer {analyst_token}"},
    )
    assert resp.status_code == 200, resp.text
    [seen] = o.take(1)
    assert seen.type == "alert.updated" and seen.data["data"]["state"] == "verified"
    assert a.take(1)[0].data["data"]["state"] == "verified"
    a.close()
    o.close()


def test_live_page_is_served(server: Server) -> None:
    """``/live`` opens the dashboard when the web app is built, and otherwise serves the small stand-alone page."""
    from rtcc.web.routes import dist

    page = httpx.get(f"{server.base_url}/live")
    if dist().joinpath("index.html").is_file():
        assert page.status_code == 307 and page.headers["location"] == "/app/"
    else:
        assert page.status_code == 200 and "EventSource" not in page.text and 'src="/live/live.js"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
    script = httpx.get(f"{server.base_url}/live/live.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert (
        'new EventSource("/api/v1/live/stream?purpose=hit_verification"' in script.text
        and "innerHTML" not in script.text
    )


_FACTORY = """
from rtcc.app import create_app
"""


def test_a_server_with_open_streams_stops_promptly(settings: Settings, db: Any, tmp_path: Any) -> None:
    """SIGTERM ends the open event streams at once, so the server can shut down (clients reconnect later)."""
    import os
    import signal
    import subprocess
    import sys

    (tmp_path / "live_factory.py").write_text(_FACTORY)
    port = _free_port()
    env = dict(os.environ, RTCC_DATABASE_URL=settings.database_url, RTCC_BUS_URL="memory://",
               PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "live_factory:create_app", "--factory", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        runtime = build_runtime(settings)
        client = SSEClient(base, Server(base, runtime).token("officer"))
        runtime.db.dispose()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a graceful shutdown
        assert time.monotonic() - started < 5
        assert client.ended.wait(5)
        client.close()
    finally:
        if proc.poll() is None:
            proc.kill()
