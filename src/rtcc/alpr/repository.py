"""Queries on the ALPR tables (cameras, reads, dead letters); never commits.

The read insert is the hot path of the platform, so it bypasses the ORM and SQLAlchemy type processing: the ingest
loop builds each row once, as a tuple in ``READ_COLUMNS`` order holding what the driver takes
(``read_row_format``), and rows are written with ``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id`` so that only
newly stored reads come back. On SQLite (>= 3.35) that is a multi-row VALUES statement per chunk of rows (older
SQLite: an exact pre-select of existing ids, SQLite having a single writer); on PostgreSQL, a batch is COPYed into a
session-local staging table and moved over with one ``INSERT ... SELECT`` (small batches: psycopg's pipelined
``executemany(..., returning=True)``). The stored representation is exactly what SQLAlchemy writes for the same
columns (UUIDs as 32 hex characters and naive-UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` text on SQLite), so the ORM reads
these rows back unchanged (a test checks this).

On PostgreSQL ``alpr_reads`` is partitioned by day (``rtcc.alpr.partitions``) and its primary key is
``(id, observed_at)``, so the PostgreSQL statements say ``ON CONFLICT DO NOTHING`` (any key): the id stays the
idempotency key because a resent read carries the same ``observed_at`` as the first copy (both come from the sensor's
payload)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rtcc.alpr.models import Camera, DeadLetter, Read, VendorAlert
from rtcc.core import divisions

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
_PG_STAGE_MOVE = (
    f"INSERT INTO alpr_reads ({', '.join(READ_COLUMNS)}) SELECT {', '.join(READ_COLUMNS)} FROM {_PG_STAGE} "
    "ORDER BY id ON CONFLICT DO NOTHING RETURNING id"
)
_PG_STAGE_CLEAR = f"TRUNCATE {_PG_STAGE}"
_PG_INSERT = (
    f"INSERT INTO alpr_reads ({', '.join(READ_COLUMNS)}) VALUES ("
    + ", ".join("%s::json" if c == "candidates" else "%s" for c in READ_COLUMNS)
    + ") ON CONFLICT DO NOTHING RETURNING id"
)


#: ``touch_cameras`` in each dialect's own parameter style (ids as 32 hex digits, times as ``read_row_format`` makes
#: them: the stored form on SQLite, which compares as text exactly as SQLAlchemy's form does).
_TOUCH_SQL = {
    "sqlite": "UPDATE alpr_cameras SET last_read_at = :t WHERE id = :cid "
    "AND (last_read_at IS NULL OR last_read_at < :t)",
    "postgresql": "UPDATE alpr_cameras SET last_read_at = %(t)s WHERE id = %(cid)s::uuid "
    "AND (last_read_at IS NULL OR last_read_at < %(t)s)",
}


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
_FORMATS = {
    "sqlite": ReadRowFormat("sqlite", _sqlite_time_of, _json_text, 0),
    "postgresql": ReadRowFormat("postgresql", _pg_time_of, _json_text, False),
}


def read_row_format(session: Session) -> ReadRowFormat:
    """The row format ``insert_reads`` takes on this session's database."""
    dialect = session.get_bind().dialect.name
    fmt = _FORMATS.get(dialect)
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
        if len(rows) >= PG_COPY_MIN_ROWS:
            return _pg_copy_insert(conn.connection.driver_connection, rows)
        cursor: Any = conn.connection.cursor()  # psycopg's cursor: executemany(..., returning=True)
        try:
            if len(rows) == 1:  # a camera's single read: one plain statement, without executemany's pipeline
                cursor.execute(_PG_INSERT, rows[0])
                return [0] if cursor.fetchone() is not None else []
            cursor.executemany(_PG_INSERT, rows, returning=True)
            stored: list[int] = []
            i = 0
            while True:  # one result per row, in order: a row comes back only when it was inserted
                if cursor.fetchone() is not None:
                    stored.append(i)
                i += 1
                if not cursor.nextset():
                    break
            return stored
        finally:
            cursor.close()
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


# --- cameras ---------------------------------------------------------------------------------------------------


def cameras_by_code(session: Session, codes: Iterable[str]) -> dict[str, uuid.UUID]:
    """Camera ids of the given codes (codes not registered are absent)."""
    wanted = list(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Camera.code, Camera.id).where(Camera.code.in_(wanted))).all()
    return {code: cid for code, cid in rows}


def insert_cameras_if_absent(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Register cameras (dicts of Camera columns), ignoring codes that exist already (concurrent registration)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(Camera) if dialect == "postgresql" else sqlite.insert(Camera)
    session.execute(ins.on_conflict_do_nothing(index_elements=["code"]), list(rows))


def camera_by_code(session: Session, code: str) -> Camera | None:
    """The camera with this code, or None."""
    return session.scalars(select(Camera).where(Camera.code == code)).first()


def cameras_by_codes(session: Session, codes: Iterable[str]) -> list[Camera]:
    """Camera objects with these codes."""
    wanted = list(set(codes))
    if not wanted:
        return []
    return list(session.scalars(select(Camera).where(Camera.code.in_(wanted))))


def camera_divisions(session: Session, camera_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The division of each of these cameras."""
    stmt = select(Camera.id, Camera.division).where(Camera.id.in_(list(set(camera_ids))))
    return {cid: division for cid, division in session.execute(stmt)}


def cameras_of_agent(session: Session, agent_uid: str) -> list[Camera]:
    """Cameras fed by one OpenALPR agent."""
    return list(session.scalars(select(Camera).where(Camera.agent_uid == agent_uid)))


def list_cameras(session: Session, *, active: bool | None = None) -> list[Camera]:
    """Cameras ordered by code."""
    q = divisions.scoped(select(Camera), Camera.division).order_by(Camera.code)
    if active is not None:
        q = q.where(Camera.active.is_(active))
    return list(session.scalars(q))


#: ``session.info`` key of the camera touches a shared transaction holds back (see ``defer_touches``).
_TOUCHES = "alpr_deferred_touches"


def defer_touches(session: Session) -> list[tuple[uuid.UUID, datetime]]:
    """From now on, hold this session's ``touch_cameras`` back until ``write_deferred_touches`` (a transaction shared by
    many requests moves each camera once, at its end, so that its camera rows stay locked only for the commit).
    Returns the queue: a caller may drop what work it undid appended."""
    queued: list[tuple[uuid.UUID, datetime]] = session.info.setdefault(_TOUCHES, [])
    return queued


def write_deferred_touches(session: Session) -> None:
    """Apply the held-back touches (the newest time per camera) and stop deferring."""
    latest: dict[uuid.UUID, datetime] = {}
    for cid, t in session.info.pop(_TOUCHES, []):
        if cid not in latest or t > latest[cid]:
            latest[cid] = t
    touch_cameras(session, latest)


def touch_cameras(session: Session, latest: Mapping[uuid.UUID, datetime]) -> None:
    """Move each camera's ``last_read_at`` forward to the given time (never backwards); rows are locked in id order
    so that concurrent batches on PostgreSQL cannot deadlock on each other. Held back while deferred."""
    if not latest:
        return
    queued = session.info.get(_TOUCHES)
    if queued is not None:
        queued.extend(latest.items())
        return
    conn = session.connection()
    if conn.dialect.name in _FORMATS:  # the driver's own statement: ingest runs this for every request
        fmt = _FORMATS[conn.dialect.name]
        params = []
        for cid in sorted(latest):
            t = latest[cid].astimezone(UTC)
            value = fmt.time(t, t.isoformat(timespec="microseconds"))
            params.append({"cid": cid.hex, "t": value})
        conn.exec_driver_sql(_TOUCH_SQL[conn.dialect.name], params)
        return
    stmt = (
        update(Camera)
        .where(Camera.id == bindparam("cid"))
        .where((Camera.last_read_at.is_(None)) | (Camera.last_read_at < bindparam("t")))
        .values(last_read_at=bindparam("t"))
    )
    conn.execute(stmt, [{"cid": cid, "t": latest[cid]} for cid in sorted(latest)])


_ONLINE = "rtcc_cameras_online"


def set_online(session: Session, camera_ids: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, str, str]]:
    """Mark these cameras online where they were not; returns (id, code, name) of those that changed. A camera this
    transaction already marked (or found) online is not asked again (a shared ingest transaction would otherwise ask
    once per request)."""
    known: set[uuid.UUID] = session.info.setdefault(_ONLINE, set())
    ids = [cid for cid in camera_ids if cid not in known]
    if not ids:
        return []
    known.update(ids)
    if session.get_bind().dialect.name == "sqlite" and not SQLITE_RETURNING:
        changed = session.execute(
            select(Camera.id, Camera.code, Camera.name).where(Camera.id.in_(ids), Camera.status != "online")
        ).all()
        if changed:
            session.execute(update(Camera).where(Camera.id.in_([c[0] for c in changed])).values(status="online"))
        return [(c[0], c[1], c[2]) for c in changed]
    stmt = (
        update(Camera)
        .where(Camera.id.in_(ids), Camera.status != "online")
        .values(status="online")
        .returning(Camera.id, Camera.code, Camera.name)
    )
    return [(row[0], row[1], row[2]) for row in session.connection().execute(stmt).all()]


def mark_hits(session: Session, read_ids: Iterable[uuid.UUID]) -> None:
    """Flag reads that matched a hotlist entry (``is_hit``), in one statement."""
    ids = sorted(set(read_ids))
    if ids:
        session.execute(
            update(Read).where(Read.id.in_(ids)).values(is_hit=True).execution_options(synchronize_session=False)
        )


def forget_online(session: Session) -> None:
    """Forget which cameras this transaction marked online (its work since was rolled back to a savepoint)."""
    session.info.pop(_ONLINE, None)


def silent_cameras(session: Session, cutoff: datetime) -> list[Camera]:
    """Active cameras not marked offline whose newest sign of life (read, heartbeat, else creation) is before cutoff."""
    last = func.coalesce(Camera.last_read_at, Camera.last_heartbeat_at, Camera.created_at)
    q = select(Camera).where(
        Camera.active.is_(True),
        Camera.status != "offline",
        last < cutoff,
        (Camera.last_read_at.is_(None)) | (Camera.last_read_at < cutoff),
        (Camera.last_heartbeat_at.is_(None)) | (Camera.last_heartbeat_at < cutoff),
    )
    return list(session.scalars(q.with_for_update()))


def revived_cameras(session: Session, cutoff: datetime) -> list[Camera]:
    """Cameras marked offline that reported (read or heartbeat) at or after cutoff."""
    q = select(Camera).where(
        Camera.status == "offline",
        (Camera.last_read_at >= cutoff) | (Camera.last_heartbeat_at >= cutoff),
    )
    return list(session.scalars(q.with_for_update()))


# --- reads -----------------------------------------------------------------------------------------------------


def update_vehicle(session: Session, read_ids: Sequence[uuid.UUID], values: Mapping[str, str]) -> int:
    """Set vehicle attribute columns on the reads with these ids; returns how many reads were updated."""
    write_deferred_reads(session, keep_deferring=True)  # the reads it updates may be queued in this transaction
    if not read_ids or not values:
        return 0
    result = session.execute(update(Read).where(Read.id.in_(list(read_ids))).values(**values))
    return int(getattr(result, "rowcount", 0) or 0)


def image_refs(session: Session, read_id: uuid.UUID) -> tuple[str | None, str | None] | None:
    """(crop_ref, image_ref) of one read, or None when there is no such read."""
    row = session.execute(select(Read.crop_ref, Read.image_ref).where(Read.id == read_id)).first()
    return None if row is None else (row[0], row[1])


def existing_read_ids(session: Session, read_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these read ids are stored."""
    write_deferred_reads(session, keep_deferring=True)  # the reads it looks for may be queued in this transaction
    wanted = list(set(read_ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Read.id).where(Read.id.in_(wanted))))


# --- the sensors' own alerts -----------------------------------------------------------------------------------


def insert_vendor_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert vendor alerts (dicts of VendorAlert columns), skipping ids already stored; returns how many are new."""
    if not rows:
        return 0
    ids = [row["id"] for row in rows]
    stored = set(session.scalars(select(VendorAlert.id).where(VendorAlert.id.in_(ids))))
    new = [dict(row) for row in rows if row["id"] not in stored]
    if new:  # ON CONFLICT: a concurrent copy of the same alert is stored once
        dialect = session.get_bind().dialect.name
        ins = postgresql.insert(VendorAlert) if dialect == "postgresql" else sqlite.insert(VendorAlert)
        session.execute(ins.on_conflict_do_nothing(index_elements=["id"]), new)
    return len(new)


def list_vendor_alerts(
    session: Session, *, read_ids: Sequence[uuid.UUID] | None, limit: int, offset: int
) -> tuple[list[tuple[VendorAlert, str]], int]:
    """Vendor alerts (with their camera's code), newest first, optionally only those of some reads; and the total."""
    q = select(VendorAlert, Camera.code).join(Camera, Camera.id == VendorAlert.camera_id)
    q = divisions.scoped(q, Camera.division)
    count = divisions.scoped_via(select(func.count()).select_from(VendorAlert), VendorAlert.camera_id, Camera.id,
                                 Camera.division)  # fmt: skip
    if read_ids is not None:
        q = q.where(VendorAlert.read_id.in_(list(read_ids)))
        count = count.where(VendorAlert.read_id.in_(list(read_ids)))
    total = int(session.scalar(count) or 0)
    rows = session.execute(q.order_by(VendorAlert.received_at.desc(), VendorAlert.id).limit(limit).offset(offset)).all()
    return [(row[0], row[1]) for row in rows], total


def count_reads(session: Session) -> int:
    """Number of stored reads (tests, summaries)."""
    return int(session.scalar(select(func.count()).select_from(Read)) or 0)


# --- dead letters ----------------------------------------------------------------------------------------------


def add_dead_letters(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert dead letters (dicts of DeadLetter columns)."""
    if rows:
        session.connection().execute(insert(DeadLetter), list(rows))


def get_dead_letter(session: Session, dl_id: int, *, lock: bool = False) -> DeadLetter | None:
    """One dead letter by id (row-locked on PostgreSQL when ``lock``)."""
    q = select(DeadLetter).where(DeadLetter.id == dl_id)
    if lock:
        q = q.with_for_update()
    return session.scalars(q).first()


def list_dead_letters(
    session: Session, *, source: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[DeadLetter], int]:
    """Dead letters matching the filters, newest first, and how many match in all."""
    q = select(DeadLetter)
    if source:
        q = q.where(DeadLetter.source == source)
    if status:
        q = q.where(DeadLetter.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    items = list(session.scalars(q.order_by(DeadLetter.id.desc()).limit(limit).offset(offset)))
    return items, total


def pending_dead_letter_ids(session: Session, *, source: str | None, limit: int, after_id: int = 0) -> list[int]:
    """Ids of pending, replayable (not truncated) dead letters above ``after_id`` (oldest first), optionally of one
    source."""
    q = select(DeadLetter.id).where(
        DeadLetter.status == "pending", DeadLetter.id > after_id, DeadLetter.payload_truncated.is_(False)
    )
    if source:
        q = q.where(DeadLetter.source == source)
    return list(session.scalars(q.order_by(DeadLetter.id).limit(limit)))
