"""A database outage answers 503 problem+json with Retry-After (never 500), /readyz says not ready, and the app
recovers by itself when the database is back.

The test starts a private PostgreSQL (``initdb``/``pg_ctl`` as the ``postgres`` user, in a temp folder, on a free
port), stops it with ``pg_ctl stop -m immediate`` while the app runs, and starts it again. The shared server is
never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.core.db import Database
from rtcc.core.migrate import upgrade
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings
from rtcc_testing import free_port, wait_for_port

pytestmark = pytest.mark.services


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of this test's own, run as the ``postgres`` user."""

    bindir: Path
    datadir: Path
    port: int

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", opts, "-l", str(self.datadir / "log"), "-w", "start")
        wait_for_port(self.port)

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are required but not installed")
        pytest.skip("PostgreSQL server binaries not installed")
    bindir = Path(found[-1]).parent
    tmp = Path(tempfile.mkdtemp(prefix="rtcc-pg-"))
    datadir = tmp / "data"
    datadir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        shutil.chown(datadir, "postgres")
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    pg = PrivatePostgres(bindir, datadir, free_port())
    pg.start()
    try:
        yield pg
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def _reads(n: int, tag: str) -> dict[str, list[dict[str, str]]]:
    at = datetime.now(UTC) - timedelta(seconds=30)
    return {
        "reads": [
            {"plate": f"DB{tag}{i:03d}", "camera": "DBDOWN-1", "observed_at": (at + timedelta(seconds=i)).isoformat()}
            for i in range(n)
        ]
    }


def test_database_outage_answers_503_with_retry_after_and_recovers(private_postgres: PrivatePostgres) -> None:
    url = private_postgres.url
    upgrade(url)
    db = Database(url)
    with db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="outage", camera_codes=["*"]), actor=SYSTEM)
    db.dispose()
    settings = Settings(database_url=url, bus_url="memory://", mqtt_url=None, match_redrive_interval_s=0.2)
    headers = {"X-API-Key": secret}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.post("/api/v1/reads", json=_reads(3, "A"), headers=headers).status_code == 202
        assert client.get("/readyz").status_code == 200

        private_postgres.stop()
        for tag in ("B", "C"):  # a fresh connection refused, then again from the pool's point of view
            resp = client.post("/api/v1/reads", json=_reads(3, tag), headers=headers)
            assert resp.status_code == 503, resp.text
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert int(resp.headers["Retry-After"]) > 0
            body = resp.json()
            assert body["status"] == 503 and body["title"] == "Database unavailable"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"] is False
        time.sleep(0.5)  # the reconciler's passes fail meanwhile; it must survive them

        private_postgres.start()
        deadline = time.monotonic() + 30
        while (resp := client.post("/api/v1/reads", json=_reads(3, "D"), headers=headers)).status_code != 202:
            assert resp.status_code == 503, resp.text
            assert time.monotonic() < deadline, "the app did not recover after the database came back"
            time.sleep(0.2)
        assert client.get("/readyz").status_code == 200
        task = client.app.state.runtime.services["match_reconciler_task"]  # type: ignore[attr-defined]
        assert not task.done(), "the match reconciler died with the database"
