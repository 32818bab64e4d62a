"""The scheduled misuse scan: one pass writes flags and a ``misuse.scan`` audit entry; the hooks start and stop it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from _gov_helpers import put

from rtcc.audit import service as audit
from rtcc.core.db import Database
from rtcc.governance import jobs, misuse
from rtcc.runtime import build_runtime
from rtcc.settings import Settings


def test_scan_once_writes_flags(db: Database, settings: Settings) -> None:
    refused = {"kind": "plate", "purpose": "immigration_enforcement", "reason": "forbidden"}
    put(db, [(datetime.now(UTC) - timedelta(hours=1), "ana", "analyst", "alpr.search.refused", refused)])
    runtime = build_runtime(settings)
    try:
        jobs.scan_once(runtime)
    finally:
        runtime.db.dispose()
    with db.read() as session:
        assert misuse.list_flags(session).total == 1
        [entry] = audit.search(session, actions=["misuse.scan"], limit=5)
        assert entry.actor == "system" and entry.details["created"] == 1
    # a second pass changes nothing and writes no audit entry
    runtime = build_runtime(settings)
    try:
        jobs.scan_once(runtime)
    finally:
        runtime.db.dispose()
    with db.read() as session:
        assert len(audit.search(session, actions=["misuse.scan"], limit=5)) == 1


def test_hooks_start_and_stop_the_loop(db: Database, settings: Settings) -> None:
    async def cycle(interval: int) -> bool:
        runtime = build_runtime(settings.model_copy(update={"misuse_scan_interval_s": interval}))
        try:
            await jobs.start(runtime)
            started = jobs.SCAN_TASK in runtime.services
            await jobs.stop(runtime)
            assert jobs.SCAN_TASK not in runtime.services
            return started
        finally:
            runtime.db.dispose()

    assert asyncio.run(cycle(3600)) is True
    assert asyncio.run(cycle(0)) is False
