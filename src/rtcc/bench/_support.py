"""Shared pieces of the benchmarks: a synchronous collecting bus that lets a benchmark drive consumers without an
event loop, the definitions of ``alpr_reads``' secondary indexes (bulk loads drop and rebuild them), a case put on
record for the searches to name, a timer of a run's phases, a thread that makes a bulk load's next chunk while the
server ingests this one, and (re-exported) the throw-away database of ``rtcc.core.scratch``."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import text

from rtcc.bus.base import BatchHandler, Handler
from rtcc.bus.envelope import Envelope
from rtcc.core.db import Database
from rtcc.core.plates import forms
from rtcc.core.scratch import scratch_database
from rtcc.hotlists.models import Hotlist, HotlistEntry

__all__ = ["CollectingBus", "Phases", "file_case", "prefetch", "read_indexes", "scratch_database"]


def file_case(db: Database, case_number: str, *, at: datetime) -> None:
    """Put ``case_number`` on record (a BOLO hotlist entry filed under it): a search beyond its purpose's case-free
    bounds names a case on record (``rtcc.governance.cases``), as the benchmarked searches do."""
    f = forms("0BENCH0")
    with db.uow() as s:
        hotlist = Hotlist(name="Bench cases", source="local", category="bolo", owner="bench", created_at=at,
                          updated_at=at)  # fmt: skip
        s.add(hotlist)
        s.flush()
        s.add(HotlistEntry(hotlist_id=hotlist.id, plate="0BENCH0", plate_norm=f.norm, plate_ocr=f.ocr,
                           case_number=case_number, added_by="bench", added_at=at))  # fmt: skip


def read_indexes(db: Database) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of ``alpr_reads``' secondary indexes as the migrations made them, so that a
    bulk load can drop them and rebuild exactly the same ones after it."""
    if db.dialect == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alpr_reads' AND name LIKE 'ix%'"
    else:
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'alpr_reads' AND indexname LIKE 'ix%'"
    with db.engine.connect() as conn:
        # a partitioned table's index reads "ON ONLY alpr_reads" (the parent alone); rebuilt without ONLY, it is made
        # on every partition too
        found = [(str(name), str(ddl).replace(" ON ONLY ", " ON ")) for name, ddl in conn.execute(text(sql))]
    if not found:
        raise RuntimeError("alpr_reads has no secondary indexes: is the database migrated?")
    return found


class Phases:
    """Wall time of each phase of the run, in seconds (reported as ``<name>_s``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t0 = time.perf_counter()

    def lap(self, name: str) -> None:
        """Close the phase that ran since the previous lap (or the start) under ``name``."""
        now = time.perf_counter()
        self.seconds[name] = round(now - self._t0, 1)
        self._t0 = now

    def report(self) -> dict[str, float]:
        return {f"{name}_s": s for name, s in self.seconds.items()}


def prefetch(items: Iterator[str], depth: int = 2) -> Generator[str, None, None]:
    """``items``, made by a thread up to ``depth`` ahead, so that generating the next chunk of rows overlaps with the
    server ingesting this one (the COPY waits on the socket without holding the GIL). An error in the thread is
    raised here; when the consumer stops early, the thread stops at its next item."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))

    worker = threading.Thread(target=produce, name="bench-rows", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                break
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join(timeout=30)


class CollectingBus:
    """A Bus that only records what is published (benchmarks hand the events to consumers themselves)."""

    name = "collecting"

    def __init__(self) -> None:
        self.published: list[Envelope] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, envelope: Envelope) -> None:
        self.published.append(envelope)

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        self.published.append(envelope)

    def offer(self, envelope: Envelope) -> bool:
        self.published.append(envelope)
        return True

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        return None

    async def subscribe_batch(
        self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256, linger_s: float = 0.0
    ) -> None:
        return None

    async def ping(self) -> bool:
        return True

    def take(self, event_type: str) -> list[Envelope]:
        """Remove and return the recorded envelopes of one type."""
        out = [e for e in self.published if e.type == event_type]
        self.published = [e for e in self.published if e.type != event_type]
        return out
