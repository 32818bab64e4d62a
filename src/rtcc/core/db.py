"""Database access: the declarative base, portable column types, the engine and the unit of work.

One ``Database`` per process. ``db.uow()`` is the unit of work: it opens a session and a transaction, commits on
success (rolls back on error) and then runs the callbacks registered with ``after_commit`` (publishing events), so
subscribers only ever see committed state. Services take ``session`` and never commit. On SQLite, write units of work
begin with ``BEGIN IMMEDIATE`` so that concurrent writers wait for each other instead of failing half-way; before
that they queue on a gate of the file (``_WriterGate``: a lock in the process, a lock file across processes), so the
next writer starts the moment the last one commits instead of sleeping in SQLite's busy handler (which backs off by
up to 100 ms a try).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    FromClause,
    MetaData,
    TableClause,
    TypeDecorator,
    column,
    create_engine,
    event,
    table,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from rtcc.core import divisions

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names follow ``NAMING_CONVENTION`` on both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive UTC; we re-attach UTC on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


AfterCommit = Callable[[], None]


def published_table(owner: FromClause, *columns: str) -> TableClause:
    """A view of ``owner`` (a domain's mapped table) with only ``columns``, for another domain's queries:
    the columns keep the owner's types, a column the owner lacks fails at import, and a column not published fails
    where a query names it (``table.c.<name>``)."""
    missing = [c for c in columns if c not in owner.c]
    if missing:
        raise KeyError(f"{getattr(owner, 'name', owner)} has no column(s) {', '.join(missing)}")
    return table(str(getattr(owner, "name", "")), *(column(c, owner.c[c].type) for c in columns))


def after_commit(session: Session, callback: AfterCommit) -> None:
    """Run ``callback`` once the session's current unit of work has committed (never if it rolls back)."""
    session.info.setdefault("after_commit", []).append(callback)


def is_database_outage(exc: BaseException) -> bool:
    """Whether a database error means "unreachable or transiently unable" (retry later), not a bug or bad data:
    connection refused or lost, pool exhausted, SQLite busy. The HTTP layer answers these with 503."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError))


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite database file (the default ``var/rtcc.db`` on a fresh checkout)."""
    if not url.startswith("sqlite"):
        return
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


#: How long a SQLite writer waits for the file (other processes: SQLite's busy handler; this process: the gate).
_BUSY_TIMEOUT_S = 30.0


class _FileGate:
    """A process's lock of one SQLite file, and (for a file on disk) an exclusive ``flock`` of a lock file beside it
    (``<database>-writer.lock``) that other processes' gates take too. ``acquire`` takes the process's lock, then the
    file's (polling every ``_POLL_S``: a ``flock`` wait cannot time out), both within ``timeout``. Not fair between
    processes: a waiter of another process gets the file in a gap between this process's transactions."""

    #: How often a writer of another process tries the lock file while this one waits (a flock wait cannot time out).
    _POLL_S = 0.00025

    def __init__(self, path: str | None) -> None:
        self._lock = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def locked(self) -> bool:
        return self._lock.locked()

    @property
    def shared(self) -> bool:
        """Whether other processes can open this database (a file on disk, not memory)."""
        return self._path is not None

    def acquire(self, timeout: float = -1) -> bool:
        deadline = time.monotonic() + timeout if timeout >= 0 else None
        if not self._lock.acquire(timeout=timeout):
            return False
        if self._path is None:
            return True
        try:
            if self._fd is None:
                # read-only is enough for flock: a lock file another user created stays usable
                self._fd = os.open(self._path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        self._lock.release()
                        return False
                    time.sleep(self._POLL_S)
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


class _WriterGate:
    """One gate per SQLite file per process (``_FileGate``), held from ``BEGIN IMMEDIATE`` until the unit of work has
    committed or rolled back (``Database.uow`` releases it after the COMMIT, so the next writer never meets a commit
    in flight).

    SQLite has one writer at a time. Writers of this process (the ingest writer, consumers, jobs, requests) wait at
    the gate's lock, writers of other processes using this module (the API process's ingest writer process, a CLI
    command, ``rtcc worker``) at its lock file, handed the file in turn instead of sleeping in SQLite's busy
    handler. A writer that waits longer than the busy timeout fails as SQLite's own "database is locked" would (an
    outage: 503)."""

    _gates: dict[str, _FileGate] = {}
    _guard = threading.Lock()

    @classmethod
    def of(cls, url: str) -> _FileGate:
        path = url.split("///", 1)[1] if "///" in url else ""  # ``sqlite://``: in memory
        in_memory = path in ("", ":memory:") or "mode=memory" in path
        key = path if in_memory else os.path.realpath(path.split("?", 1)[0])
        with cls._guard:
            gate = cls._gates.get(key)
            if gate is None:
                gate = cls._gates[key] = _FileGate(None if in_memory else f"{key}-writer.lock")
            return gate


_gate_held = threading.local()

#: ``Session.info`` key of the database's ``staged_work`` (write sessions only).
STAGED_WORK = "rtcc_staged_work"
#: Work committed with staged events: ``handler(session, envelopes)``.
StagedHandler = Callable[[Session, list[Any]], None]


def _release_gate() -> None:
    """Hand this thread's SQLite file over to the next writer of the process (if this thread holds it)."""
    gate: _FileGate | None = getattr(_gate_held, "gate", None)
    if gate is not None:
        _gate_held.gate = None
        gate.release()


#: SQLite: the WAL is copied back into the database file (a checkpoint, run by the commit that crosses this many pages
#: of WAL) every 4,000 pages (16 MiB) instead of SQLite's 1,000. A checkpoint writes each page changed since the last
#: one once, and ingest changes the same index pages (the plate index's postings, the reads' indexes) in commit after
#: commit, so a longer interval writes fewer pages per read. Single-read HTTP ingest (``rtcc bench ingest``, 60,000
#: reads, same session, alternating): 2,392 and 2,511 reads/s against 1,856 and 2,030 with 1,000 pages, ack p99 49-51
#: ms against 49-53; 8,000 pages gave 2,498 reads/s with p99 56.7 ms (a longer stall in the commit that checkpoints).
WAL_AUTOCHECKPOINT_PAGES = 4000


def _sqlite_engine(url: str, echo: bool) -> Engine:
    ensure_sqlite_dir(url)
    gate = _WriterGate.of(url)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # an acknowledged read survives a crash
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: index inserts stay in memory
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("rtcc_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        if getattr(_gate_held, "gate", None) is gate:  # a second transaction of the same unit of work
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        if not gate.acquire(timeout=_BUSY_TIMEOUT_S):
            raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        _gate_held.gate = gate  # released by the unit of work once its commit or rollback is through
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_gate()
            raise

    return engine


class Database:
    """Engine plus session factories for one database URL (SQLite or PostgreSQL).

    A PostgreSQL connection is pinged as it leaves the pool (``pre_ping``), so that one the server dropped while idle
    is replaced before a request uses it. A writer that runs again what a lost connection fails (the ingest writer
    process, ``rtcc.alpr.groupcommit``) turns that round trip off.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, pre_ping: bool = True) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url, echo)
        else:
            self.engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=20, pool_pre_ping=pre_ping)
        self.dialect = self.engine.dialect.name
        #: One writer at a time for the whole database (SQLite's file lock, ``_WriterGate``): a writer should hold
        #: it only for its statements, doing its other work before it begins.
        self.single_writer = self.dialect == "sqlite"
        #: An in-memory SQLite database (a second process opening this URL would get a database of its own).
        self.in_memory = self.single_writer and not _WriterGate.of(url).shared
        #: Work committed with staged events of a type in every write transaction (``rtcc.core.manifest.StagedWork``,
        #: run by ``rtcc.bus.outbox.stage_many``): event type -> ``handler(session, envelopes)``. Installed once at
        #: start-up; every write session sees this one dict.
        self.staged_work: dict[str, list[StagedHandler]] = {}
        writer = self.engine.execution_options(rtcc_write=True)
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False, info={STAGED_WORK: self.staged_work})
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        if self.dialect == "postgresql":  # the division scope of a request, for the row-level security policies
            for factory in (self._write_sessions, self._read_sessions):
                event.listen(factory, "after_begin", divisions.on_begin)

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """A write unit of work: commit on success, roll back on error, then run after-commit callbacks."""
        session = self._write_sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop("after_commit", None)
            raise
        finally:
            callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
            session.close()
            _release_gate()
        for cb in callbacks:
            try:
                cb()
            except Exception:
                logger.exception("after-commit callback failed")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (never commits; rolled back at the end)."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def ping(self) -> bool:
        """True when the database answers ``SELECT 1``."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            logger.warning("database ping failed", exc_info=True)
            return False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
