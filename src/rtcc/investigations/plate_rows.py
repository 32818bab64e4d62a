"""Queries of the plate index (never commits): its rows (``plate_index``: each distinct plate with its first and last
sighting), SQLite's trigram postings of them (``plate_grams``), the catch-up's sources in ``alpr_reads`` and
high-water mark, and the index's size. ``rtcc.investigations.plate_index`` keeps the index current with them;
searching it is ``repository.match_plates``'s.

On SQLite the upsert runs in every ingest transaction (the domain's staged work), so it goes straight to the driver
(``_sqlite_upsert_plates``); PostgreSQL posts no grams (its ``pg_trgm`` GIN indexes do that work).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from rtcc.alpr import queries as alpr_queries
from rtcc.core.plates import ocr_class
from rtcc.investigations.logic import GRAM
from rtcc.investigations.models import IndexedPlate, PlateGram, PlateIndexState

reads_t = alpr_queries.READS
r = reads_t.c

PlateRow = tuple[str, datetime, datetime]  # plate_norm, first seen, last seen


def upsert_plates(session: Session, rows: Sequence[PlateRow]) -> int:
    """Add plates to the index or widen their first/last seen (min/max merge: idempotent, order-free).

    Rows go in plate order so that concurrent writers on PostgreSQL lock rows in the same order. On SQLite the
    grams of newly added plates are posted too. Returns the number of rows given.
    """
    if not rows:
        return 0
    ordered = sorted(rows)
    if session.get_bind().dialect.name == "sqlite":
        _sqlite_upsert_plates(session, ordered)
        return len(ordered)
    t = IndexedPlate
    pg = postgresql.insert(t)
    stmt = pg.on_conflict_do_update(
        index_elements=["plate_norm"],
        set_={
            "first_seen": func.least(t.first_seen, pg.excluded.first_seen),
            "last_seen": func.greatest(t.last_seen, pg.excluded.last_seen),
        },
    )
    values = [
        {"plate_norm": norm, "plate_ocr": ocr_class(norm), "first_seen": first, "last_seen": last}
        for norm, first, last in ordered
    ]
    session.execute(stmt, values)
    return len(values)


#: SQLite's plate upsert, straight to the driver: it runs in every ingest transaction (the domain's staged work), where
#: building and caching the same SQLAlchemy statement cost more than SQLite's own work.
_SQLITE_UPSERT = (
    "INSERT INTO plate_index (plate_norm, plate_ocr, first_seen, last_seen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (plate_norm) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
    "last_seen = max(last_seen, excluded.last_seen)"
)
_SQLITE_MAX_ID = "SELECT coalesce(max(id), 0) FROM plate_index"
_OFFSETS = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, 9))
#: The 3-grams of the normalised and OCR forms of plates with ``id > ?``, posted in one statement.
_POST_GRAMS = (
    f"INSERT OR IGNORE INTO plate_grams (gram, plate_id) "
    f"SELECT g, id FROM ("
    f" SELECT substr(p.plate_norm, o.k, {GRAM}) AS g, p.id AS id FROM plate_index p, ({_OFFSETS}) o"
    f"  WHERE p.id > ? AND o.k + {GRAM - 1} <= length(p.plate_norm)"
    f" UNION"
    f" SELECT substr(p.plate_ocr, o.k, {GRAM}), p.id FROM plate_index p, ({_OFFSETS}) o"
    f"  WHERE p.id > ? AND o.k + {GRAM - 1} <= length(p.plate_ocr)"
    f") ORDER BY g, id"
)


def _sqlite_text(at: datetime) -> str:
    """A time as SQLAlchemy stores ``UTCDateTime`` on SQLite (naive UTC text, fixed width: text order is time
    order, which the upsert's min/max rely on)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_upsert_plates(session: Session, rows: Sequence[PlateRow]) -> None:
    """The SQLite upsert and gram posting as the driver's own statements (errors still arrive as SQLAlchemy's, so a
    full disk is the database outage it is)."""
    conn = session.connection()
    before = int(conn.exec_driver_sql(_SQLITE_MAX_ID).scalar_one())
    conn.exec_driver_sql(
        _SQLITE_UPSERT,
        [(norm, ocr_class(norm), _sqlite_text(first), _sqlite_text(last)) for norm, first, last in rows],
    )
    post_grams(session, after_id=before)


def post_grams(session: Session, *, after_id: int = 0) -> None:
    """SQLite: post the 3-grams of the normalised and OCR forms of plates with ``id > after_id`` (one statement)."""
    session.connection().exec_driver_sql(_POST_GRAMS, (after_id, after_id))


def clear_index(session: Session) -> None:
    """Empty the plate index (before a rebuild)."""
    session.execute(delete(PlateGram))
    session.execute(delete(IndexedPlate))


def analyze_index(session: Session) -> None:
    """Refresh the planner statistics of the plate index (after a rebuild)."""
    session.execute(text("ANALYZE plate_index"))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("ANALYZE plate_grams"))


def insert_plates_bulk(session: Session, rows: Sequence[PlateRow]) -> None:
    """Plain insert of plates known to be absent (a rebuild); grams are posted once at the end."""
    if rows:
        session.execute(
            insert(IndexedPlate),
            [{"plate_norm": n, "plate_ocr": ocr_class(n), "first_seen": f, "last_seen": la} for n, f, la in rows],
        )


def distinct_plates_since(session: Session, since: datetime | None) -> Iterator[PlateRow]:
    """(plate_norm, min observed_at, max observed_at) of reads observed at or after ``since`` (all when None),
    streamed in plate order (the (plate_norm, observed_at) index answers it without touching the table)."""
    stmt = select(r.plate_norm, func.min(r.observed_at), func.max(r.observed_at)).select_from(reads_t)
    if since is not None:
        stmt = stmt.where(r.observed_at >= since)
    stmt = stmt.group_by(r.plate_norm).order_by(r.plate_norm)
    for row in session.execute(stmt.execution_options(yield_per=50_000)):
        yield (row[0], row[1], row[2])


def stale_plates_since(session: Session, since: datetime | None) -> list[PlateRow]:
    """Like ``distinct_plates_since``, but only plates the index lacks or whose first/last seen would widen.

    With a mark, the window's reads are fetched through the observed_at index and grouped here: a ``GROUP BY
    plate_norm`` would tempt SQLite into walking the whole (plate_norm, observed_at) index.
    """
    if since is None:
        rows = list(distinct_plates_since(session, None))
    else:
        span: dict[str, tuple[datetime, datetime]] = {}
        for norm, at in session.execute(select(r.plate_norm, r.observed_at).where(r.observed_at >= since)):
            old = span.get(norm)
            span[norm] = (at, at) if old is None else (min(old[0], at), max(old[1], at))
        rows = [(n, a, b) for n, (a, b) in span.items()]
    known: dict[str, tuple[datetime, datetime]] = {}
    names = [n for n, _, _ in rows]
    for i in range(0, len(names), 5000):
        stmt = select(IndexedPlate.plate_norm, IndexedPlate.first_seen, IndexedPlate.last_seen).where(
            IndexedPlate.plate_norm.in_(names[i : i + 5000])
        )
        known.update({n: (a, b) for n, a, b in session.execute(stmt)})
    stale = []
    for norm, first, last in rows:
        have = known.get(norm)
        if have is None or first < have[0] or last > have[1]:
            stale.append((norm, first, last))
    return stale


def newest_read_since(session: Session, since: datetime | None) -> datetime | None:
    """The latest observed_at at or after ``since`` (the observed_at index answers it)."""
    stmt = select(func.max(r.observed_at)).select_from(reads_t)
    if since is not None:
        stmt = stmt.where(r.observed_at >= since)
    value: datetime | None = session.scalar(stmt)
    return value


def index_state(session: Session) -> PlateIndexState:
    """The single state row (created on first use)."""
    found = session.get(PlateIndexState, 1)
    if found is None:
        found = PlateIndexState(id=1, synced_to=None, rebuilt_at=None)
        session.add(found)
        session.flush()
    return found


def set_synced_to(session: Session, mark: datetime, *, rebuilt_at: datetime | None = None) -> None:
    """Move the high-water mark (forward only, unless a rebuild sets it)."""
    state = index_state(session)
    values: dict[str, Any] = {}
    if rebuilt_at is not None or state.synced_to is None or mark > state.synced_to:
        values["synced_to"] = mark
    if rebuilt_at is not None:
        values["rebuilt_at"] = rebuilt_at
    if values:
        session.execute(update(PlateIndexState).where(PlateIndexState.id == 1).values(**values))
        session.expire(state)


def count_plates(session: Session) -> int:
    """Distinct plates in the index."""
    return int(session.scalar(select(func.count()).select_from(IndexedPlate)) or 0)


def index_size_bytes(session: Session) -> int:
    """Bytes the plate index takes on disk (tables and their indexes); 0 where the database cannot tell."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        total = session.scalar(
            text("SELECT pg_total_relation_size('plate_index') + pg_total_relation_size('plate_grams')")
        )
        return int(total or 0)
    try:
        total = session.scalar(
            text(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN ('plate_index', 'plate_grams') "
                "OR name LIKE 'ix_plate_index%' OR name LIKE 'uq_plate_index%' OR name LIKE 'sqlite_autoindex_plate%'"
            )
        )
    except Exception:  # dbstat is a compile-time option of SQLite
        return 0
    return int(total or 0)
