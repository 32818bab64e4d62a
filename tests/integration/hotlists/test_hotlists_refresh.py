"""The scheduled hotlist refresh: a changed file is re-imported, an unchanged one (even touched) is not, a broken
or missing file leaves the list in force and is audited once, and the loop runs and stops with its hooks."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import anyio.to_thread

from rtcc.audit import service as audit
from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.hotlists import imports, jobs, lists, repository
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import HotlistCreate, HotlistUpdate, RefreshOutcome
from rtcc.identity.logic import SYSTEM
from rtcc.runtime import Runtime
from rtcc.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hotlists"
HEADER = "plate,state,reason\n"


def _run(db: Database, work: Any) -> Any:
    """Run ``work(bus)`` in a worker thread while a real in-process bus runs on this thread's event loop."""

    async def main() -> Any:
        bus = MemoryBus()
        await bus.start()
        try:
            return await anyio.to_thread.run_sync(work, bus)
        finally:
            await bus.close()

    return asyncio.run(main())


def _refresh(db: Database) -> RefreshOutcome:
    outcome: RefreshOutcome = _run(db, lambda bus: imports.refresh_due(db, bus))
    return outcome


def _create(db: Database, name: str, path: Path | None, fmt: str | None = None) -> uuid.UUID:
    def work(bus: MemoryBus) -> uuid.UUID:
        with db.uow() as s:
            data = HotlistCreate(
                name=name,
                category=Category.stolen_vehicle,
                refresh_path=str(path) if path else None,
                refresh_format=fmt,
            )
            return lists.create_hotlist(s, bus, data, actor=SYSTEM).id

    result: uuid.UUID = _run(db, work)
    return result


def _plates(db: Database, hotlist_id: uuid.UUID) -> list[tuple[int, str, str | None]]:
    with db.read() as s:  # the table as stored (no access record: this is the test looking, not a person)
        rows, _ = repository.entries_page(s, hotlist_id, plate_prefix=None, limit=1000, offset=0)
        return [(e.id, e.plate_norm, e.region) for e in rows]


def _audited(db: Database, action: str) -> list[dict[str, Any]]:
    with db.read() as s:
        return [dict(e.details) for e in audit.search(s, action=action, limit=1000)]


def test_a_changed_file_is_reimported_and_an_unchanged_one_is_not(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "stolen.csv"
    path.write_text(HEADER + "AAA111,CA,stolen\nBBB222,CA,stolen\n")
    hid = _create(db, "Stolen", path)
    no_file = _create(db, "Manual", None)

    first = _refresh(db)
    assert [r.hotlist_id for r in first.imported] == [hid] and not first.failed
    assert first.imported[0].entries == 2 and first.imported[0].format == "csv"
    assert [p for _, p, _ in _plates(db, hid)] == ["AAA111", "BBB222"]
    assert _plates(db, no_file) == []

    second = _refresh(db)
    assert second.imported == [] and second.unchanged == [hid]

    later = time.time() + 120
    os.utime(path, (later, later))  # touched, same bytes: still unchanged
    assert _refresh(db).unchanged == [hid]

    before = {p: i for i, p, _ in _plates(db, hid)}
    path.write_text(HEADER + "AAA111,CA,stolen\nCCC333,NV,stolen\n")
    third = _refresh(db)
    assert [(r.added, r.removed, r.unchanged) for r in third.imported] == [(1, 1, 1)]
    after = {p: i for i, p, _ in _plates(db, hid)}
    assert set(after) == {"AAA111", "CCC333"} and after["AAA111"] == before["AAA111"]
    (latest, *_rest) = _audited(db, "hotlist.import")
    assert latest["path"] == str(path) and latest["file"] == "stolen.csv"


def test_a_broken_file_leaves_the_list_in_force_and_is_reported_once(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "svs.tbl"
    path.write_bytes((FIXTURES / "svs.tbl").read_bytes())
    hid = _create(db, "CLEW SVS", path, "clew")
    assert len(_refresh(db).imported) == 1
    before = _plates(db, hid)
    with db.read() as s:
        version = lists.get_hotlist(s, hid).version

    path.write_bytes((FIXTURES / "slr_bad.tbl").read_bytes())
    failed = _refresh(db)
    assert failed.imported == [] and list(failed.failed) == [hid]
    assert failed.failed[hid].startswith("svs.tbl:4: date of loss")
    assert _plates(db, hid) == before
    with db.read() as s:
        assert lists.get_hotlist(s, hid).version == version
    (record,) = _audited(db, "hotlist.refresh_failed")
    assert record["path"] == str(path) and record["error"].startswith("svs.tbl:4:")

    again = _refresh(db)  # the same broken file: not parsed and not audited again
    assert again.unchanged == [hid] and not again.failed
    assert len(_audited(db, "hotlist.refresh_failed")) == 1

    path.write_bytes((FIXTURES / "svs.tbl").read_bytes())  # fixed (back to the imported content): re-imported
    fixed = _refresh(db)
    assert len(fixed.imported) == 1 and fixed.imported[0].unchanged == 3
    assert _plates(db, hid) == before


def test_a_missing_file_is_reported_once_and_inactive_lists_are_skipped(db: Database, tmp_path: Path) -> None:
    missing = _create(db, "Missing", tmp_path / "nowhere.csv")
    present = tmp_path / "present.csv"
    present.write_text(HEADER + "AAA111,CA,x\n")
    inactive = _create(db, "Inactive", present)

    def deactivate(bus: MemoryBus) -> None:
        with db.uow() as s:
            lists.update_hotlist(s, bus, inactive, HotlistUpdate(active=False), actor=SYSTEM)

    _run(db, deactivate)
    outcome = _refresh(db)
    assert list(outcome.failed) == [missing] and "nowhere.csv: cannot read" in outcome.failed[missing]
    assert outcome.imported == [] and _plates(db, inactive) == []
    assert _refresh(db).unchanged == [missing]
    assert len(_audited(db, "hotlist.refresh_failed")) == 1


def test_the_refresh_loop_runs_until_stopped(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "loop.csv"
    path.write_text(HEADER + "AAA111,CA,x\n")
    hid = _create(db, "Loop", path)
    runtime = Runtime(settings=settings.model_copy(update={"hotlist_refresh_s": 1}), db=db, bus=MemoryBus())

    async def main() -> None:
        await runtime.bus.start()
        await jobs.start_refresh(runtime)
        assert jobs.REFRESH_TASK in runtime.services
        try:
            for _ in range(200):
                if await anyio.to_thread.run_sync(lambda: _plates(db, hid)):
                    break
                await asyncio.sleep(0.05)
            path.write_text(HEADER + "AAA111,CA,x\nBBB222,CA,y\n")
            for _ in range(200):  # the next pass, a second later, picks up the change
                if len(await anyio.to_thread.run_sync(lambda: _plates(db, hid))) == 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            await jobs.stop_refresh(runtime)
            await runtime.bus.close()
        assert jobs.REFRESH_TASK not in runtime.services

    asyncio.run(main())
    assert [p for _, p, _ in _plates(db, hid)] == ["AAA111", "BBB222"]


def test_the_refresh_loop_can_be_disabled(db: Database, settings: Settings) -> None:
    runtime = Runtime(settings=settings.model_copy(update={"hotlist_refresh_s": 0}), db=db, bus=MemoryBus())

    async def main() -> None:
        await jobs.start_refresh(runtime)
        assert jobs.REFRESH_TASK not in runtime.services
        await jobs.stop_refresh(runtime)

    asyncio.run(main())
