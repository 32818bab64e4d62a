"""Queries on hotlists, their entries and the skip list (never commits).

Bulk paths use SQLAlchemy Core on the ``hotlist_entries`` table rather than ORM objects: an import inserts with one
``executemany`` per chunk, and the matcher's snapshot reads only the three columns it indexes, so a list of a million
entries moves through here in seconds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from typing import cast as type_cast

from sqlalchemy import Connection, Table, Text, bindparam, cast, delete, func, insert, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from rtcc.hotlists.models import Hotlist, HotlistEntry, SkipEntry

_ENTRIES = type_cast(Table, HotlistEntry.__table__)
#: Rows per INSERT executemany: bounds the memory of the parameter dictionaries.
INSERT_CHUNK = 20_000
#: Ids per ``DELETE ... WHERE id IN (...)``: well under SQLite's bound-parameter limit.
DELETE_CHUNK = 900
#: Rows fetched at a time when streaming an entry table.
FETCH_CHUNK = 50_000

#: Columns compared to tell whether an imported entry is the same as a stored one; ``extra`` as its JSON text.
FINGERPRINT_COLUMNS = (
    HotlistEntry.id,
    HotlistEntry.plate,
    HotlistEntry.region,
    HotlistEntry.reason,
    HotlistEntry.case_number,
    HotlistEntry.expires_at,
    HotlistEntry.vehicle_make,
    HotlistEntry.vehicle_model,
    HotlistEntry.vehicle_color,
    HotlistEntry.vehicle_type,
    HotlistEntry.vehicle_year,
    cast(HotlistEntry.extra, Text),
)
#: Order of the per-entry values ``bulk_insert_entries`` takes (``extra`` as JSON text).
ENTRY_VALUES = (
    "plate",
    "plate_norm",
    "plate_ocr",
    "region",
    "reason",
    "case_number",
    "expires_at",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_type",
    "vehicle_year",
    "extra",
)
_INSERT_COLUMNS = ("hotlist_id", "added_by", "added_at", *ENTRY_VALUES)
EntryValues = tuple[Any, ...]


def _live(now: datetime) -> Any:
    """Entries not expired at ``now`` (``hotlists.logic.is_expired``: expired once now is past expires_at)."""
    return or_(HotlistEntry.expires_at.is_(None), HotlistEntry.expires_at >= now)


# --- lists -----------------------------------------------------------------------------------------------------------


def get_hotlist(session: Session, hotlist_id: uuid.UUID, *, for_update: bool = False) -> Hotlist | None:
    """The list with this id (locked for the rest of the transaction with ``for_update`` on PostgreSQL), or None."""
    return session.get(Hotlist, hotlist_id, with_for_update=for_update or None)


def hotlist_by_name(session: Session, name: str) -> Hotlist | None:
    """The list with this exact name, or None."""
    return session.scalars(select(Hotlist).where(Hotlist.name == name)).first()


def list_hotlists(session: Session, *, active: bool | None, limit: int | None = None, offset: int = 0) -> list[Hotlist]:
    """Lists by priority then name (optionally only active or inactive ones)."""
    q = select(Hotlist)
    if active is not None:
        q = q.where(Hotlist.active.is_(active))
    q = q.order_by(Hotlist.priority, Hotlist.name).offset(offset)
    return list(session.scalars(q.limit(limit) if limit is not None else q))


def count_hotlists(session: Session, *, active: bool | None) -> int:
    """How many lists there are (optionally only active or inactive ones)."""
    q = select(func.count(Hotlist.id))
    if active is not None:
        q = q.where(Hotlist.active.is_(active))
    return session.scalar(q) or 0


def active_hotlists(session: Session) -> list[Hotlist]:
    """Every active list."""
    return list(session.scalars(select(Hotlist).where(Hotlist.active.is_(True)).order_by(Hotlist.name)))


def refreshable_hotlists(session: Session) -> list[Hotlist]:
    """Active lists that name a file for the scheduled refresh."""
    q = select(Hotlist).where(Hotlist.active.is_(True), Hotlist.refresh_path.is_not(None), Hotlist.refresh_path != "")
    return list(session.scalars(q.order_by(Hotlist.name)))


_LISTS = type_cast(Table, Hotlist.__table__)
_SKIP = type_cast(Table, SkipEntry.__table__)
# The matcher asks these before every batch of reads (``rtcc.hotlists.snapshot``): built once, as Core statements run
# on the connection, they cost a compiled-cache look-up each instead of building and compiling an ORM query.
_LIST_VERSIONS = select(_LISTS.c.id, _LISTS.c.version, _LISTS.c.active)
_SKIP_PLATES = select(_SKIP.c.plate_norm).order_by(_SKIP.c.plate_norm)
_NEXT_EXPIRY = (
    select(func.min(_ENTRIES.c.expires_at))
    .join(_LISTS, _LISTS.c.id == _ENTRIES.c.hotlist_id)
    .where(_LISTS.c.active.is_(True), _ENTRIES.c.expires_at.is_not(None), _ENTRIES.c.expires_at >= bindparam("now"))
)


def list_versions(session: Session) -> list[tuple[uuid.UUID, int, bool]]:
    """(id, version, active) of every list: the cheap part of the snapshot version."""
    rows = session.connection().execute(_LIST_VERSIONS)
    return [(r[0], r[1], r[2]) for r in rows]


# --- entries ---------------------------------------------------------------------------------------------------------


def get_entry(session: Session, hotlist_id: uuid.UUID, entry_id: int) -> HotlistEntry | None:
    """The entry with this id on this list, or None."""
    entry = session.get(HotlistEntry, entry_id)
    return entry if entry is not None and entry.hotlist_id == hotlist_id else None


def entries_page(
    session: Session, hotlist_id: uuid.UUID, *, plate_prefix: str | None, limit: int, offset: int
) -> tuple[list[HotlistEntry], int]:
    """A list's entries by normalised plate (optionally those starting with ``plate_prefix``), and the total."""
    cond = [HotlistEntry.hotlist_id == hotlist_id]
    if plate_prefix:
        cond.append(HotlistEntry.plate_norm.startswith(plate_prefix, autoescape=True))
    total = session.scalar(select(func.count(HotlistEntry.id)).where(*cond)) or 0
    q = select(HotlistEntry).where(*cond).order_by(HotlistEntry.plate_norm, HotlistEntry.id)
    return list(session.scalars(q.limit(limit).offset(offset))), total


def entries_with_plate(session: Session, hotlist_id: uuid.UUID, plate_norm: str) -> list[HotlistEntry]:
    """A list's entries of one normalised plate."""
    q = select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist_id, HotlistEntry.plate_norm == plate_norm)
    return list(session.scalars(q))


def entry_plates(session: Session, hotlist_id: uuid.UUID) -> list[str]:
    """Every normalised plate of a list (expired entries included), streamed in chunks."""
    q = select(HotlistEntry.plate_norm).where(HotlistEntry.hotlist_id == hotlist_id)
    result = session.execute(q.execution_options(yield_per=FETCH_CHUNK))
    return [str(p) for p in result.scalars()]


def count_entries(session: Session, hotlist_id: uuid.UUID) -> int:
    """How many entries a list holds (expired ones included)."""
    return session.scalar(select(func.count(HotlistEntry.id)).where(HotlistEntry.hotlist_id == hotlist_id)) or 0


def iter_fingerprint_rows(session: Session, hotlist_id: uuid.UUID) -> Iterator[tuple[Any, ...]]:
    """Every entry of a list as a row of ``FINGERPRINT_COLUMNS``, streamed in chunks."""
    q = select(*FINGERPRINT_COLUMNS).where(HotlistEntry.hotlist_id == hotlist_id)
    result = session.connection().execute(q)
    while part := result.fetchmany(FETCH_CHUNK):
        yield from part


def _chunks(rows: Iterable[EntryValues], size: int) -> Iterator[list[EntryValues]]:
    chunk: list[EntryValues] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_insert_entries(
    session: Session, hotlist_id: uuid.UUID, added_by: str, added_at: datetime, rows: Iterable[EntryValues]
) -> int:
    """Insert entries of one list, each given as values in ``ENTRY_VALUES`` order; returns how many.

    The fast paths bypass per-row statement processing: SQLite gets one DB-API ``executemany`` per chunk with the
    values converted by the columns' own bind processors, PostgreSQL (psycopg 3) gets ``COPY ... FROM STDIN``; any
    other database a Core ``executemany``. All run in the session's transaction.
    """
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name == "sqlite":
        return _insert_sqlite(conn, dialect, hotlist_id, added_by, added_at, rows)
    dbapi_conn = conn.connection.dbapi_connection
    if dialect.name == "postgresql" and hasattr(dbapi_conn, "cursor") and _has_copy(dbapi_conn):
        return _insert_copy(dbapi_conn, hotlist_id, added_by, added_at, rows)
    n = 0
    for chunk in _chunks(rows, INSERT_CHUNK):
        params = []
        for row in chunk:
            values = dict(zip(ENTRY_VALUES, row, strict=True))
            values["extra"] = json.loads(values["extra"])
            params.append({"hotlist_id": hotlist_id, "added_by": added_by, "added_at": added_at, **values})
        session.execute(insert(_ENTRIES), params)
        n += len(chunk)
    return n


def _has_copy(dbapi_conn: Any) -> bool:
    cur = dbapi_conn.cursor()
    try:
        return hasattr(cur, "copy")
    finally:
        cur.close()


def _insert_sqlite(
    conn: Connection,
    dialect: Dialect,
    hotlist_id: uuid.UUID,
    added_by: str,
    added_at: datetime,
    rows: Iterable[EntryValues],
) -> int:
    def processor(name: str) -> Any:
        return _ENTRIES.c[name].type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)

    expires = processor("expires_at")
    head = (processor("hotlist_id")(hotlist_id), added_by, processor("added_at")(added_at))
    at = ENTRY_VALUES.index("expires_at")
    sql = (
        f"INSERT INTO {_ENTRIES.name} ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})"
    )
    n = 0
    for chunk in _chunks(rows, INSERT_CHUNK):
        params = [
            head + ((*row[:at], expires(row[at]), *row[at + 1 :]) if row[at] is not None else row) for row in chunk
        ]
        conn.exec_driver_sql(sql, params)
        n += len(params)
    return n


def _insert_copy(
    dbapi_conn: Any, hotlist_id: uuid.UUID, added_by: str, added_at: datetime, rows: Iterable[EntryValues]
) -> int:
    head = (hotlist_id, added_by, added_at)
    n = 0
    with dbapi_conn.cursor() as cur, cur.copy(f"COPY {_ENTRIES.name} ({', '.join(_INSERT_COLUMNS)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(head + row)
            n += 1
    return n


def delete_all_entries(session: Session, hotlist_id: uuid.UUID) -> int:
    """Delete every entry of a list; returns how many."""
    result = session.execute(delete(_ENTRIES).where(_ENTRIES.c.hotlist_id == hotlist_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_entries(session: Session, hotlist_id: uuid.UUID, entry_ids: Sequence[int]) -> int:
    """Delete these entries of a list; returns how many."""
    n = 0
    for lo in range(0, len(entry_ids), DELETE_CHUNK):
        part = entry_ids[lo : lo + DELETE_CHUNK]
        result = session.execute(delete(_ENTRIES).where(_ENTRIES.c.hotlist_id == hotlist_id, _ENTRIES.c.id.in_(part)))
        n += int(result.rowcount)  # type: ignore[attr-defined]
    return n


def live_entry_columns(
    session: Session, hotlist_id: uuid.UUID, now: datetime
) -> tuple[list[int], list[str], list[str | None]]:
    """(ids, normalised plates, regions) of a list's entries not expired at ``now``, in id order."""
    q = (
        select(HotlistEntry.id, HotlistEntry.plate_norm, HotlistEntry.region)
        .where(HotlistEntry.hotlist_id == hotlist_id, _live(now))
        .order_by(HotlistEntry.id)
    )
    rows = session.connection().execute(q).all()  # Core rows: a third of the ORM's cost for a million
    ids: list[int] = [r[0] for r in rows]
    plates: list[str] = [r[1] for r in rows]
    regions: list[str | None] = [r[2] for r in rows]
    return ids, plates, regions


def next_expiry(session: Session, now: datetime) -> datetime | None:
    """The earliest ``expires_at`` not yet past among active lists' entries: when the live set next shrinks."""
    value: datetime | None = session.connection().scalar(_NEXT_EXPIRY, {"now": now})
    return value


def entry_detail_rows(session: Session, entry_ids: Sequence[int]) -> list[tuple[HotlistEntry, str]]:
    """The entries with these ids, each with its list's category."""
    out: list[tuple[HotlistEntry, str]] = []
    for lo in range(0, len(entry_ids), DELETE_CHUNK):
        part = entry_ids[lo : lo + DELETE_CHUNK]
        q = (
            select(HotlistEntry, Hotlist.category)
            .join(Hotlist, Hotlist.id == HotlistEntry.hotlist_id)
            .where(HotlistEntry.id.in_(part))
        )
        out.extend((row[0], row[1]) for row in session.execute(q))
    return out


# --- skip list -------------------------------------------------------------------------------------------------------


def skip_entries(session: Session) -> list[SkipEntry]:
    """The whole skip list, by plate."""
    return list(session.scalars(select(SkipEntry).order_by(SkipEntry.plate_norm)))


def skip_entry(session: Session, plate_norm: str) -> SkipEntry | None:
    """The skip-list entry for a normalised plate, or None."""
    return session.scalars(select(SkipEntry).where(SkipEntry.plate_norm == plate_norm)).first()


def skip_plate_values(session: Session) -> list[str]:
    """Every normalised plate on the skip list, sorted."""
    return list(session.connection().scalars(_SKIP_PLATES))
