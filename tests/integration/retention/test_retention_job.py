"""The scheduled purge: a pass runs in a worker thread on its interval, a failed pass is logged and the loop goes
on, and start/stop respect the settings."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from rtcc.alpr.models import Camera, Read
from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.core.periodic import run_periodic
from rtcc.retention import jobs, service
from rtcc.runtime import Runtime
from rtcc.settings import Settings


def _old_read(db: Database) -> None:
    now = datetime.now(UTC)
    cid = uuid.uuid4()
    with db.uow() as s:
        s.add(Camera(id=cid, code="CAM-J", name="j", created_at=now, meta={}))
        s.flush()
        t = now - timedelta(days=60)
        s.add(
            Read(
                id=uuid.uuid4(),
                camera_id=cid,
                plate="JOB1",
                plate_norm="JOB1",
                plate_ocr="JOB1",
                observed_at=t,
                received_at=t,
                source="rest",
            )
        )


def _reads(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Read)) or 0)


def test_loop_survives_a_failed_pass_and_purges(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _old_read(db)
    runtime = Runtime(settings=settings, db=db, bus=MemoryBus())
    real = service.run_purge
    calls: list[int] = []

    def flaky(*args: Any, **kw: Any) -> service.RunOutcome:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(*args, **kw)

    monkeypatch.setattr(service, "run_purge", flaky)

    async def main() -> None:
        task = asyncio.create_task(run_periodic("retention", partial(jobs.purge_pass, runtime), 0.05))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if len(calls) >= 2 and _reads(db) == 0:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.ERROR, logger="rtcc.core.periodic"):
        asyncio.run(main())
    assert len(calls) >= 2
    assert _reads(db) == 0
    assert any("retention pass failed" in r.message for r in caplog.records)


def test_start_respects_disabled_interval(db: Database, settings: Settings) -> None:
    async def main() -> None:
        off = Runtime(settings=settings.model_copy(update={"retention_interval_s": 0}), db=db, bus=MemoryBus())
        await jobs.start(off)
        assert jobs.PURGE_TASK not in off.services
        on = Runtime(settings=settings.model_copy(update={"retention_interval_s": 3600}), db=db, bus=MemoryBus())
        await jobs.start(on)
        assert jobs.PURGE_TASK in on.services
        await jobs.stop(on)
        assert jobs.PURGE_TASK not in on.services

    asyncio.run(main())
