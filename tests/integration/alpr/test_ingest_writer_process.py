"""The ingest writer process (``rtcc.alpr.writerproc``), on both databases: camera posts are stored by a child process
and answered as the in-process writer answers them (202, 403, 422, dead letters), their events reach the API
process's consumers (a hotlisted read becomes an alert), the child's metrics reach ``/metrics``, a child that dies is
replaced while the requests it held get 503 with ``Retry-After``, a clean stop answers everything sent, and the child
does not outlive an API process that is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr import principals as alpr_principals
from rtcc.alpr import writerchild, writerproc
from rtcc.alpr.models import DeadLetter, Read
from rtcc.alpr.schemas import CameraCreate, IngestResult
from rtcc.bench._support import CollectingBus
from rtcc.core.db import Database
from rtcc.core.errors import DomainError
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings
from rtcc_testing import wait_until

LISTED = "7WPR123"


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _read(camera: str, plate: str | None = None) -> dict[str, Any]:
    return {
        "plate": plate or f"WP{uuid.uuid4().hex[:5].upper()}",
        "camera": camera,
        "observed_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
    }


def _key(db: Database, cameras: list[str]) -> dict[str, str]:
    with db.uow() as session:
        _, secret = identity_service.create_api_key(
            session, ApiKeyCreate(name=f"wp-{uuid.uuid4().hex[:6]}", camera_codes=cameras), actor=SYSTEM
        )
    return {"X-API-Key": secret}


@pytest.fixture
def proc_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"ingest_writer_process": True})


@pytest.fixture
def client(proc_settings: Settings, db: Database) -> Iterator[TestClient]:
    from rtcc.app import create_app

    with TestClient(create_app(proc_settings)) as c:
        yield c


def _writer(client: TestClient) -> writerproc.WriterProcess:
    found = writerproc.running(client.app.state.runtime)  # type: ignore[attr-defined]
    assert found is not None, "the app must run an ingest writer process"
    return found


def test_camera_posts_are_stored_by_the_child_and_matched_in_the_api_process(client: TestClient, db: Database) -> None:
    with db.uow() as s:
        bus = CollectingBus()
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="wp", category=Category.stolen_vehicle, max_diff=0), actor=SYSTEM
        )
        hotlists_entries.add_entry(s, bus, hl.id, EntryCreate(plate=LISTED), actor=SYSTEM)
    child = _writer(client).pid
    assert child is not None and child != os.getpid()
    headers = _key(db, ["*"])
    for plate in ("1WPA111", LISTED):
        resp = client.post("/api/v1/reads", json={"reads": [_read("WP-1", plate)]}, headers=headers)
        assert resp.status_code == 202, resp.text
        assert resp.json()["accepted"] == 1
    again = client.post("/api/v1/reads", json={"reads": [_read("WP-1", "1WPA111") | {"id": "x"}]}, headers=headers)
    assert again.status_code == 202
    assert _count(db, Read) == 3
    # the stored-reads event went back to the API process's bus: its matching consumer raised the alert
    wait_until(lambda: _count(db, Alert) == 1)


def test_the_childs_metrics_reach_the_api_processs_metrics_endpoint(
    client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    headers = _key(db, ["*"])
    assert client.post("/api/v1/reads", json={"reads": [_read("WP-M")]}, headers=headers).status_code == 202
    admin = login("admin")

    def ingested() -> float:
        text = client.get("/metrics", headers=admin).text
        lines = [ln for ln in text.splitlines() if ln.startswith("rtcc_reads_ingested_total{")]
        return sum(float(ln.rsplit(" ", 1)[1]) for ln in lines)

    assert wait_until(lambda: ingested() >= 1)


def test_refusals_and_dead_letters_are_those_of_the_in_process_writer(client: TestClient, db: Database) -> None:
    with db.uow() as s:
        alpr_cameras.register_camera(s, CameraCreate(code="WP-2", name="WP-2"), actor=SYSTEM)
    own = _key(db, ["WP-2"])
    foreign = client.post("/api/v1/reads", json={"reads": [_read("WP-OTHER")]}, headers=own)
    assert foreign.status_code == 403
    assert foreign.headers["content-type"].startswith("application/problem+json")
    letters = _count(db, DeadLetter)
    bad = client.post("/api/v1/reads", content=b'{"reads": [', headers={**own, "Content-Type": "application/json"})
    assert bad.status_code == 422
    assert "line" in bad.json()["detail"]
    assert _count(db, DeadLetter) == letters + 1  # the unparseable body is kept, as the in-process writer keeps it
    mixed = client.post("/api/v1/reads", json={"reads": [_read("WP-2"), {**_read("WP-2"), "plate": "!"}]}, headers=own)
    assert mixed.status_code == 202
    assert mixed.json()["accepted"] == 1
    assert [r["field"] for r in mixed.json()["rejected"]] == ["reads.1.plate"]
    assert _count(db, DeadLetter) == letters + 2


def test_a_child_that_dies_is_replaced_and_its_requests_get_503(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writerproc, "RESTART_DELAY_S", 0.2)
    writer = _writer(client)
    headers = _key(db, ["*"])
    assert client.post("/api/v1/reads", json={"reads": [_read("WP-3")]}, headers=headers).status_code == 202
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: writer.pid != first)  # the API process noticed (None while it replaces the child)
    refused = client.post("/api/v1/reads", json={"reads": [_read("WP-3")]}, headers=headers)
    if refused.status_code != 202:  # the request came while the new child was starting
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
    second = wait_until(lambda: writer.pid)
    assert second != first and writer.restarts == 1
    stored = client.post("/api/v1/reads", json={"reads": [_read("WP-3")]}, headers=headers)
    assert stored.status_code == 202 and stored.json()["accepted"] == 1


def test_a_child_sigkilled_mid_stream_loses_no_acknowledged_read(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four cameras post single reads concurrently, resending on 503 as cameras do; the child is SIGKILLed while
    requests are in flight. Every read that got a 202 is stored, exactly once, and every camera gets through."""
    monkeypatch.setattr(writerproc, "RESTART_DELAY_S", 0.2)
    writer = _writer(client)
    first = writer.pid
    headers = _key(db, ["*"])
    per_camera = 120
    acked: list[str] = []
    refused = [0]

    def camera(n: int) -> None:
        for i in range(per_camera):
            read = _read(f"WK-{n}", f"K{n}{i:04d}")
            while True:
                resp = client.post("/api/v1/reads", json={"reads": [read]}, headers=headers)
                if resp.status_code == 202:
                    acked.append(read["plate"])
                    break
                assert resp.status_code == 503 and int(resp.headers["retry-after"]) > 0, resp.text
                refused[0] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=camera, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 80)
    assert first is not None
    os.kill(first, signal.SIGKILL)  # mid-stream: four requests are most likely waiting on it
    at_kill = len(acked)
    for t in threads:
        t.join(120)
    print(f"writer process killed after {at_kill} acknowledged reads; {refused[0]} answers were 503")
    assert at_kill < 4 * per_camera, "the stream ended before the kill; the test proves nothing"
    assert len(acked) == 4 * per_camera and writer.restarts >= 1
    with db.read() as s:
        plates = list(s.scalars(select(Read.plate).where(Read.plate.like("K%"))))
    assert sorted(plates) == sorted(acked)  # each acknowledged read stored, and stored once


class _Unreadable:
    """A job the child cannot read: unpickling it raises there."""

    size = 1

    def unit(self, settings: Settings, drafts: list[Any]) -> Any:
        raise AssertionError("never built")

    def __reduce__(self) -> tuple[Any, ...]:
        return (int, ("not a job",))  # int("not a job") raises ValueError in the child


def test_a_job_that_cannot_cross_is_answered_and_the_child_goes_on(client: TestClient, db: Database) -> None:
    writer = _writer(client)
    first = writer.pid
    reply = writer.submit(_Unreadable()).result(30)  # the child answers it instead of dying on the whole burst
    assert not reply.ok and isinstance(reply.value, ValueError)
    principal = alpr_principals.ingest_principal("wp-pickle")
    with pytest.raises(Exception, match="pickle"):  # one that cannot even be sent fails its caller at once
        writer.submit(writerproc.IngestJob(b"{}", "rest", {"channel": lambda: None}, principal))
    resp = client.post("/api/v1/reads", json={"reads": [_read("WP-6")]}, headers=_key(db, ["*"]))
    assert resp.status_code == 202 and writer.pid == first and writer.restarts == 0


def test_a_clean_stop_answers_every_request_it_was_sent(proc_settings: Settings, db: Database) -> None:
    bus = CollectingBus()
    principal = alpr_principals.ingest_principal("wp-stop")
    bodies = [orjson.dumps({"reads": [_read("WP-4")]}) for _ in range(200)]

    async def run() -> list[writerproc.Reply]:
        writer = await asyncio.to_thread(writerproc.WriterProcess, proc_settings, bus)
        futures = [
            writer.submit_async(writerproc.IngestJob(b, "rest", {"channel": "native"}, principal)) for b in bodies
        ]
        await asyncio.to_thread(writer.stop)  # at once: the child commits and answers what it holds first
        return list(await asyncio.gather(*futures))

    replies = asyncio.run(run())
    assert all(r.ok for r in replies), [r.value for r in replies if not r.ok][:3]
    assert sum(r.value.accepted for r in replies if isinstance(r.value, IngestResult)) == len(bodies)
    assert _count(db, Read) == len(bodies)
    events = bus.take("alpr.reads.stored")  # the committed batches' events were handed to the API process's bus
    assert sum(len(e.payload["reads"]) for e in events) == len(bodies)


def test_the_child_does_not_outlive_a_killed_api_process(proc_settings: Settings, db: Database, tmp_path: Any) -> None:
    script = textwrap.dedent(
        """
        import pickle, sys, time
        from rtcc.alpr.writerproc import WriterProcess
        from rtcc.bench._support import CollectingBus
        settings = pickle.loads(sys.stdin.buffer.read())
        writer = WriterProcess(settings, CollectingBus())
        print(writer.pid, flush=True)
        time.sleep(120)
        """
    )
    import pickle

    api = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert api.stdin is not None and api.stdout is not None
        api.stdin.write(pickle.dumps(proc_settings))
        api.stdin.close()
        child = int(api.stdout.readline())
        os.kill(api.pid, signal.SIGKILL)
        api.wait(10)

        def gone() -> bool:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{child}/stat") as f:  # a zombie is gone too (its parent, init, reaps it later)
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"

        wait_until(gone, timeout=20)
    finally:
        if api.poll() is None:
            api.kill()


class _KeywordOnly(DomainError):
    status = 429
    title = "Slow down"

    def __init__(self, detail: str, *, wait_s: int) -> None:  # cannot be rebuilt from its args alone
        super().__init__(detail)
        self.retry_after = wait_s


def test_an_error_that_cannot_cross_keeps_its_answer() -> None:
    import pickle

    original = _KeywordOnly("too many", wait_s=7)
    with pytest.raises(TypeError):
        pickle.loads(pickle.dumps(original))
    crossed = pickle.loads(pickle.dumps(writerchild.portable(original)))
    assert isinstance(crossed, DomainError)
    assert (crossed.status, crossed.title, crossed.detail, crossed.retry_after) == (429, "Slow down", "too many", 7)


def test_an_in_memory_database_keeps_ingest_in_the_api_process(tmp_path: Any) -> None:
    assert Database("sqlite://").in_memory
    assert not Database(f"sqlite:///{tmp_path}/x.db").in_memory
