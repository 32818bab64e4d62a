"""A SIGKILL never acknowledges an unstored read under group commit: a real server process takes concurrent
single-read requests (shared commits) and is killed at a random moment, three times; every read that got its 202
must be in the database (a read stored but not yet answered is allowed: the sensor resends it, a duplicate)."""

from __future__ import annotations

import http.client
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import select

from rtcc.alpr.models import Read
from rtcc.bench import _ingest_live as ingest_live
from rtcc.core.db import Database

WRITERS = 12


def _send(port: int, key: str, tag: str, stop: threading.Event, acked: set[str], lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    base = datetime.now(UTC) - timedelta(minutes=10)
    i = 0
    while not stop.is_set():
        ref = f"{tag}-{i}"
        at = (base + timedelta(milliseconds=i)).isoformat()
        read = {"plate": f"K{i:06d}", "camera": "BENCH-01", "observed_at": at, "id": ref}
        i += 1
        try:
            conn.request("POST", "/api/v1/reads", orjson.dumps({"reads": [read]}),
                         {"X-API-Key": key, "Content-Type": "application/json"})  # fmt: skip
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            return  # the server is gone
        if resp.status == 202 and orjson.loads(body)["accepted"] == 1:
            with lock:
                acked.add(ref)


def test_sigkill_never_acknowledges_an_unstored_read(db: Database, database_url: str, tmp_path: Path) -> None:
    key = ingest_live._setup(db)
    acked: set[str] = set()
    lock = threading.Lock()
    rng = random.Random(20261205)
    for round_no in range(3):
        server = ingest_live._Server(database_url, str(tmp_path))
        stop = threading.Event()
        writers = [
            threading.Thread(target=_send, args=(server.port, key, f"r{round_no}w{w}", stop, acked, lock))
            for w in range(WRITERS)
        ]
        before = len(acked)
        for t in writers:
            t.start()
        deadline = time.monotonic() + 60
        while len(acked) < before + 50 and time.monotonic() < deadline:  # reads are flowing
            time.sleep(0.05)
        time.sleep(rng.uniform(0.05, 0.5))
        server.proc.kill()  # SIGKILL: no shutdown, no flush
        server.proc.wait()
        stop.set()
        for t in writers:
            t.join(30)
        assert len(acked) >= before + 50
    with db.read() as s:
        stored = set(s.scalars(select(Read.source_ref).where(Read.source_ref.in_(sorted(acked)))))
    assert sorted(acked - stored) == []  # 0 acknowledged reads lost
