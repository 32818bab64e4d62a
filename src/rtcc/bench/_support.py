"""Shared pieces of the benchmarks: a throw-away database (temp SQLite, or a fresh database on a PostgreSQL
server) and a synchronous collecting bus that lets a benchmark drive consumers without an event loop."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rtcc.bus.base import Handler
from rtcc.bus.envelope import Envelope
from rtcc.core.migrate import upgrade


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    """A migrated empty database: a temp SQLite file, or a new database on the server of ``url`` (dropped after)."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="rtcc-bench-") as tmp:
            sqlite_url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(sqlite_url)
            yield sqlite_url
        return
    base = make_url(url)
    name = f"rtcc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(scratch)
        yield scratch
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        return None

    async def ping(self) -> bool:
        return True

    def take(self, event_type: str) -> list[Envelope]:
        """Remove and return the recorded envelopes of one type."""
        out = [e for e in self.published if e.type == event_type]
        self.published = [e for e in self.published if e.type != event_type]
        return out
