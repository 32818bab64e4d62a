"""The footage housekeeping job: overdue requests are written down as expired, abandoned partial uploads removed
(recent ones kept), and the loop starts and stops with the runtime."""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from rtcc.core.db import Database
from rtcc.demo import seed_footage
from rtcc.footage import clips, jobs, service
from rtcc.footage.models import FootageRequest
from rtcc.footage.storage import store_for
from rtcc.runtime import build_runtime
from rtcc.settings import Settings


def test_run_once_expires_overdue_requests_and_sweeps_abandoned_files(settings: Settings, db: Database) -> None:
    store = store_for(settings.footage_dir, settings.data_dir)
    with db.uow() as s:
        seed_footage.seed(s, now=datetime.now(UTC), rng=random.Random(3), store=store)
    with db.uow() as s:  # the two unanswered demo requests are now overdue
        s.execute(
            update(FootageRequest)
            .where(FootageRequest.state == "requested")
            .values(due_at=datetime.now(UTC) - timedelta(hours=1))
        )
    old = store.incoming / "upload-old.part"
    old.write_bytes(b"half an upload")
    past = time.time() - 2 * jobs.ABANDONED_AFTER_S
    os.utime(old, (past, past))
    fresh = store.incoming / "upload-now.part"
    fresh.write_bytes(b"an upload in progress")

    runtime = build_runtime(settings)
    try:
        assert jobs.run_once(runtime) == (2, 1)
        assert jobs.run_once(runtime) == (0, 0)
    finally:
        runtime.db.dispose()
    assert not old.exists() and fresh.exists()
    with db.read() as s:
        expired = service.request_page(s, state="expired").items
        assert len(expired) == 2
        assert all(clips.custody(s, r.id)[-1].action == "expired" for r in expired)


def test_start_and_stop(settings: Settings, db: Database) -> None:
    runtime = build_runtime(settings.model_copy(update={"footage_expire_interval_s": 3600}))

    async def go() -> None:
        await jobs.start(runtime)
        assert jobs.TASK in runtime.services
        await jobs.stop(runtime)
        assert jobs.TASK not in runtime.services

    try:
        asyncio.run(go())
        off = build_runtime(settings.model_copy(update={"footage_expire_interval_s": 0}))
        asyncio.run(jobs.start(off))
        assert jobs.TASK not in off.services
        off.db.dispose()
    finally:
        runtime.db.dispose()
