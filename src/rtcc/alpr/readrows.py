"""The read insert, the platform's hot path: ``alpr_reads`` rows in the driver's own form, written in bulk; never
commits.

The insert bypasses the ORM and SQLAlchemy type processing: the ingest loop (``rtcc.alpr.store``) builds each row
once, as a tuple in ``READ_COLUMNS`` order holding what the driver takes (``read_row_format``), and rows are written
with ``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id`` so that only newly stored reads come back. On SQLite
(>= 3.35) that is a multi-row VALUES statement per chunk of rows (older SQLite: an exact pre-select of existing ids,
SQLite having a single writer); on PostgreSQL, a batch is COPYed into a session-local staging table and moved over
with one ``INSERT ... SELECT`` (small batches: psycopg's pipelined ``executemany(..., returning=True)``). The stored
representation is exactly what SQLAlchemy writes for the same columns (UUIDs as 32 hex characters and naive-UTC
``YYYY-MM-DD HH:MM:SS.ffffff`` text on SQLite), so the ORM reads these rows back unchanged (a test checks this).

On PostgreSQL ``alpr_reads`` is partitioned by day (``rtcc.alpr.partitions``) and its primary key is
``(id, observed_at)``, so the PostgreSQL statements say ``ON CONFLICT DO NOTHING`` (any key) and, to keep the id the
idempotency key as it is on SQLite, also skip an id stored with another ``observed_at`` within
``PG_RESEND_WINDOW`` (a sensor that names one read twice with two times: a Frigate event and its LPR update). The
check asks each day partition of the window through its primary key (the SQL function ``alpr_reads_stored_near``,
migration 0037, which says why the planner could not be left to choose). It is exact for one writer; two
processes inserting the same id with two times at the same moment can both store it.

A transaction shared by many single-read requests (``rtcc.alpr.groupcommit``) queues its reads (``defer_reads``) and
inserts them with one statement at its end (``write_deferred_reads``). The other ALPR queries (cameras, reads, vendor
alerts, dead letters) are ``rtcc.alpr.repository``'s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy.orm import Session

#: Column order of the tuples given to ``insert_reads``.
READ_COLUMNS: tuple[str, ...] = (
    "id",
    "camera_id",
    "plate",
    "plate_norm",
    "plate_ocr",
    "region",
    "confidence",
    "observed_at",
    "received_at",
    "lat",
    "lon",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_type",
    "image_ref",
    "crop_ref",
    "candidates",
    "source",
    "source_ref",
    "is_hit",
    "heading_deg",
    "camera_label",
)
_N = len(READ_COLUMNS)
_OBSERVED = READ_COLUMNS.index("observed_at")
#: SQLite >= 3.35 supports RETURNING; older libraries take the exact pre-select path (SQLite has one writer).
SQLITE_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)
#: Rows per multi-VALUES statement on SQLite (23 columns x 1000 rows stays far below the 32766 variable limit).
_SQLITE_CHUNK = 1000

_SQLITE_INSERT_HEAD = f"INSERT INTO alpr_reads ({', '.join(READ_COLUMNS)}) VALUES "
_SQLITE_ROW = "(" + ", ".join("?" * _N) + ")"
_SQLITE_TAIL = " ON CONFLICT (id) DO NOTHING RETURNING id"
#: From this many rows on, PostgreSQL inserts go through COPY and a staging table (see ``_pg_copy_insert``).
PG_COPY_MIN_ROWS = 100
_PG_STAGE = "rtcc_alpr_reads_in"
_PG_STAGE_CREATE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGE} (LIKE alpr_reads INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_PG_STAGE_COPY = f"COPY {_PG_STAGE} ({', '.join(READ_COLUMNS)}) FROM STDIN"
#: PostgreSQL keys ``alpr_reads`` by (id, observed_at) (day partitions), so a read sent again under its id with
#: another time (a Frigate event and the LPR update of the same event and plate name one read) would not conflict:
#: the insert skips an id stored with an ``observed_at`` at most this far from the new one.
PG_RESEND_WINDOW = timedelta(days=1)
_PG_STAGE_MOVE = (
    f"INSERT INTO alpr_reads ({', '.join(READ_COLUMNS)}) SELECT {', '.join(READ_COLUMNS)} FROM {_PG_STAGE} "
    "ORDER BY id ON CONFLICT DO NOTHING RETURNING id"
)
#: Which ids are stored, and when, in the day partitions of a time span (migration 0037 says why a function: asked of
#: the partitioned table, the planner read whole days whenever a day's statistics were stale).
_PG_STORED_NEAR = "SELECT read_id, read_at FROM alpr_reads_stored_near(%s::uuid[], %s, %s)"
_PG_STAGE_CLEAR = f"TRUNCATE {_PG_STAGE}"
_PG_INSERT = (
    f"INSERT INTO alpr_reads ({', '.join(READ_COLUMNS)}) VALUES ("
    + ", ".join("%s::json" if c == "candidates" else "%s" for c in READ_COLUMNS)
    + ") ON CONFLICT DO NOTHING RETURNING id"
)


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _sqlite_time_of(value: datetime, iso: str) -> str:
    return f"{iso[:10]} {iso[11:26]}"  # the UTC ISO text, as SQLAlchemy stores it: no "T", no offset


def _pg_time_of(value: datetime, iso: str) -> datetime:
    return value


@dataclass(frozen=True, slots=True)
class ReadRowFormat:
    """How the database driver takes the values of an ``alpr_reads`` row, so that the ingest loop builds each row
    once, ready to send. Ids (the read's and its camera's) are 32 hex digits on both databases. ``time`` takes a UTC
    datetime and its ISO text with microseconds (which the loop needs anyway); ``json`` a JSON-ready value;
    ``false`` is the stored false."""

    dialect: str
    time: Callable[[datetime, str], Any]
    json: Callable[[Any], Any]
    false: Any


#: SQLite stores what SQLAlchemy writes (32 hex digits, naive UTC text); PostgreSQL takes the ids as text (cast by
#: the server to uuid) and datetimes as they are.
ROW_FORMATS = {
    "sqlite": ReadRowFormat("sqlite", _sqlite_time_of, _json_text, 0),
    "postgresql": ReadRowFormat("postgresql", _pg_time_of, _json_text, False),
}


def read_row_format(session: Session) -> ReadRowFormat:
    """The row format ``insert_reads`` takes on this session's database."""
    dialect = session.get_bind().dialect.name
    fmt = ROW_FORMATS.get(dialect)
    if fmt is None:
        raise ValueError(f"unsupported database dialect {dialect!r} (SQLite or PostgreSQL)")
    return fmt


_DEFERRED_READS = "rtcc_reads_deferred"


class ReadsNotNew(Exception):
    """A deferred insert (``defer_reads``) met reads that were stored before, or sent twice in its transaction: the
    requests' results, which counted them as new, are wrong, and the transaction must be rolled back and redone
    without deferring."""


def defer_reads(session: Session) -> None:
    """From now on, queue this session's ``insert_reads`` and report every read as new: a transaction shared by many
    single-read requests (``rtcc.alpr.groupcommit``) then inserts all of them with one statement at its end
    (``write_deferred_reads``), which raises ``ReadsNotNew`` if that was not so (a resend: rare). Code that reads
    ``alpr_reads`` in the same transaction (vendor alerts, vehicle updates) writes the queue out first."""
    session.info[_DEFERRED_READS] = []


def write_deferred_reads(session: Session, *, keep_deferring: bool = False) -> None:
    """Insert the queued reads; raise ``ReadsNotNew`` unless every one was new (see ``defer_reads``)."""
    queued: list[tuple[Any, ...]] | None = session.info.pop(_DEFERRED_READS, None)
    if queued:
        if len({row[0] for row in queued}) != len(queued):
            raise ReadsNotNew("the same read twice in one transaction")
        stored = insert_reads(session, queued)  # not deferring now: inserted here, not queued again
        if len(stored) != len(queued):
            raise ReadsNotNew(f"{len(queued) - len(stored)} read(s) stored before")
    if keep_deferring and queued is not None:
        session.info[_DEFERRED_READS] = []


def insert_reads(session: Session, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert reads (tuples in ``READ_COLUMNS`` order, values in ``read_row_format``, distinct ids), skipping ids
    already stored. Returns the positions in ``rows`` of the reads stored now (the others were stored before); while
    the session defers reads (``defer_reads``), queues them and returns every position."""
    if not rows:
        return []
    queued: list[tuple[Any, ...]] | None = session.info.get(_DEFERRED_READS)
    if queued is not None:
        queued.extend(rows)
        return list(range(len(rows)))
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        if not SQLITE_RETURNING:
            return _sqlite_insert_without_returning(session, rows)
        new: list[int] = []
        position: dict[Any, int] | None = None
        for start in range(0, len(rows), _SQLITE_CHUNK):
            part = rows[start : start + _SQLITE_CHUNK]
            sql, params = _sqlite_values(part)
            got = conn.exec_driver_sql(sql, params).fetchall()
            if len(got) == len(part):  # all new (the usual case): no need to know which
                new.extend(range(start, start + len(part)))
                continue
            if position is None:
                position = {row[0]: i for i, row in enumerate(rows)}
            new.extend(position[r[0]] for r in got)
        new.sort()
        return new
    if dialect == "postgresql":
        return _pg_insert(conn.connection, rows)
    raise ValueError(f"unsupported database dialect {dialect!r} (SQLite or PostgreSQL)")


def _sqlite_values(part: Sequence[tuple[Any, ...]]) -> tuple[str, tuple[Any, ...]]:
    """The multi-row ``INSERT`` of a chunk and its parameters. A column that is NULL in every row of the chunk (a
    camera that sends no position, no images...) is written as a ``NULL`` literal instead of being bound: Python's
    sqlite3 module binds ``None`` through its adaptation protocol (registry lookup, then a failed ``__adapt__``
    lookup whose AttributeError message is formatted and thrown away), which cost more than the rest of the
    row's binding together. The statement text depends only on the chunk's length and its all-NULL columns, so
    sqlite3's statement cache keeps serving the few variants a feed produces."""
    n = len(part)
    first = part[0]
    nulls = frozenset(i for i in range(_N) if first[i] is None and list(map(itemgetter(i), part)).count(None) == n)
    if not nulls:
        return _SQLITE_INSERT_HEAD + ", ".join([_SQLITE_ROW] * n) + _SQLITE_TAIL, tuple(chain.from_iterable(part))
    keep = [i for i in range(_N) if i not in nulls]
    row = "(" + ", ".join("NULL" if i in nulls else "?" for i in range(_N)) + ")"
    pick = itemgetter(*keep)  # at least id and camera_id: never NULL, so a tuple per row
    return _SQLITE_INSERT_HEAD + ", ".join([row] * n) + _SQLITE_TAIL, tuple(chain.from_iterable(map(pick, part)))


def _pg_insert(dbapi: Any, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """PostgreSQL: leave out ids stored at another time within ``PG_RESEND_WINDOW``, then insert the rest (larger
    batches through COPY, ``_pg_copy_insert``; smaller ones with psycopg's pipelined ``executemany(...,
    returning=True)``; a camera's single read with one plain statement). Returns the positions in ``rows`` stored."""
    cursor: Any = dbapi.cursor()
    try:
        elsewhen = _pg_stored_at_other_times(cursor, rows)
        todo: Sequence[int] = (
            [i for i, row in enumerate(rows) if row[0] not in elsewhen] if elsewhen else range(len(rows))
        )
        if not todo:
            return []
        if len(todo) >= PG_COPY_MIN_ROWS:
            got = _pg_copy_insert(dbapi.driver_connection, [rows[i] for i in todo] if elsewhen else rows)
            return [todo[k] for k in got]
        if len(todo) == 1:
            cursor.execute(_PG_INSERT, rows[todo[0]])
            return [todo[0]] if cursor.fetchone() is not None else []
        cursor.executemany(_PG_INSERT, [rows[i] for i in todo], returning=True)
        stored: list[int] = []
        k = 0
        while True:  # one result per row, in order: a row comes back only when it was inserted
            if cursor.fetchone() is not None:
                stored.append(todo[k])
            k += 1
            if not cursor.nextset():
                break
        return stored
    finally:
        cursor.close()


def _pg_stored_at_other_times(cursor: Any, rows: Sequence[tuple[Any, ...]]) -> set[str]:
    """PostgreSQL: the ids (hex) of ``rows`` stored with another ``observed_at`` within ``PG_RESEND_WINDOW`` of the
    row's own (the same id at the same time is ``ON CONFLICT``'s to skip). One look-up per UTC day the rows fall on,
    each over that day's window: a camera's batch is one, and a month of history asks each day's neighbours only,
    not every partition of the month for every id (22 ms against 45 for 5,000 reads over 30 days, measured)."""
    days: dict[Any, list[tuple[Any, ...]]] = {}
    for row in rows:
        days.setdefault(row[_OBSERVED].date(), []).append(row)
    found: list[tuple[Any, Any]] = []
    for group in days.values():
        times = [row[_OBSERVED] for row in group]
        cursor.execute(
            _PG_STORED_NEAR, ([row[0] for row in group], min(times) - PG_RESEND_WINDOW, max(times) + PG_RESEND_WINDOW)
        )
        found.extend(cursor.fetchall())
    if not found:
        return set()
    wanted = {row[0]: row[_OBSERVED] for row in rows}
    return {rid.hex for rid, at in found if at != wanted[rid.hex] and abs(at - wanted[rid.hex]) <= PG_RESEND_WINDOW}


def _pg_copy_insert(pg: Any, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """PostgreSQL, larger batches: COPY the rows into a session-local staging table, then move them over with one
    ``INSERT ... SELECT ... ORDER BY id ON CONFLICT DO NOTHING RETURNING id`` (every writer inserts in id order, so
    overlapping concurrent batches wait for each other instead of deadlocking)."""
    with pg.cursor() as cur:
        cur.execute(_PG_STAGE_CREATE)
        with cur.copy(_PG_STAGE_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(_PG_STAGE_MOVE)
        got = cur.fetchall()
        cur.execute(_PG_STAGE_CLEAR)
    if len(got) == len(rows):  # all new (the usual case)
        return list(range(len(rows)))
    position = {row[0]: i for i, row in enumerate(rows)}
    return sorted(position[r[0].hex] for r in got)


def _sqlite_insert_without_returning(session: Session, native: Sequence[tuple[Any, ...]]) -> list[int]:
    """Old SQLite: find the ids already stored, then insert the rest. Exact, because SQLite write transactions
    (``BEGIN IMMEDIATE``) exclude every other writer until commit."""
    conn = session.connection()
    existing: set[str] = set()
    for start in range(0, len(native), 900):
        ids = [row[0] for row in native[start : start + 900]]
        sql = f"SELECT id FROM alpr_reads WHERE id IN ({', '.join('?' * len(ids))})"
        existing.update(r[0] for r in conn.exec_driver_sql(sql, tuple(ids)))
    new = [i for i, row in enumerate(native) if row[0] not in existing]
    if new:
        cursor: Any = conn.connection.cursor()
        try:
            cursor.executemany(
                _SQLITE_INSERT_HEAD.replace("INSERT", "INSERT OR IGNORE", 1) + _SQLITE_ROW, [native[i] for i in new]
            )
        finally:
            cursor.close()
    return new
