"""Historic CAD import: a city's own past calls from a CAD export (``rtcc dispatch import-history``), stored as
imported history (``dispatch_history_calls``, origin ``cad:<layout>``) for the response-time KPIs and premise history,
never as live calls and never published to dispatchers. ``step_times`` hands their time chain to the response-time
kernel.

Atomic per file: one transaction holds the whole file (its rows are inserted in chunks inside it), so a file is stored
entirely or, when the database refuses it, not at all. A bad row is never fatal and never silent: the reader reports
it as ``file:line: column: message`` and skips it (or drops the one bad value); the report lists them and the batch
row keeps the first ``KEPT_PROBLEMS``. A call already stored (same origin and call number), or met twice in the file,
is counted as a duplicate and stored once. ``--dry-run`` reads, maps and checks everything and stores nothing.

Call types: a raw code maps to a catalogue call type when the catalogue has that code (``ALARM RESIDENTIAL`` ->
``ALARM_RESIDENTIAL``), that name, or (for a row that carries one) that APCO code; the raw code is kept either way.

Speed (``rtcc.bench._dispatch_import``, measured before optimising, with py-spy): rows go from the reader's
``CallRow`` straight to parameter tuples and the driver's ``executemany`` (``INSERT ... ON CONFLICT (origin,
external_id) DO NOTHING``, so duplicates cost no lookup): no ORM object or pydantic model per call. On SQLite the time
and JSON values are written as the exact text SQLAlchemy's types write (a test compares them), formatted from the
fields; elsewhere each value goes through its column type's bind processor. A second writer thread was tried and
measured slower on a two-core machine, so the writes stay on the caller's thread.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.dispatch import calltypes
from rtcc.dispatch.adapters.cad_history import CadFile, CallRow
from rtcc.dispatch.interop_models import HistoryBatch, HistoryCall
from rtcc.dispatch.models import Call
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: Rows per ``executemany`` inside the file's transaction.
CHUNK: Final = 5000
#: Problems kept in detail on the batch row (all are counted).
KEPT_PROBLEMS: Final = 200

#: The history table's columns, in the order ``_values`` fills them.
COLUMNS: Final = (
    "batch_id",
    "origin",
    "external_id",
    "line",
    "source",
    "agency",
    "call_type",
    "call_type_raw",
    "apco_code",
    "priority",
    "received_at",
    "queued_at",
    "dispatched_at",
    "acknowledged_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "closed_at",
    "reopened_at",
    "time_precision",
    "address",
    "beat",
    "lat",
    "lon",
    "units",
    "disposition_code",
    "disposition_text",
    "disposition_common",
    "call_taker",
    "dispatcher",
    "narrative",
)
_WIDTH: Final = {
    c.name: int(getattr(c.type, "length", 0)) for c in HistoryCall.__table__.columns if getattr(c.type, "length", None)
}


@dataclass
class HistoryReport:
    """What an import did: records read, calls stored, duplicates, rows skipped and every problem (as text)."""

    file: str
    layout: str
    origin: str
    dry_run: bool
    batch_id: uuid.UUID | None = None
    records: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)
    call_types_mapped: int = 0

    def summary(self) -> str:
        """One line for a person."""
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{self.file} ({self.layout}): {self.records} records, {verb} {self.imported} calls, "
            f"{self.duplicates} duplicates, {self.skipped} rows skipped, {self.problem_count} problems, "
            f"{self.call_types_mapped} rows typed from the catalogue"
        )


class TypeMapper:
    """Raw CAD call-type codes to the catalogue's call types, cached per raw code (see the module docstring)."""

    def __init__(self) -> None:
        cat = calltypes.catalogue()
        self._codes = {ct.code: ct.code for ct in cat.call_types}
        self._names = {ct.name.upper(): ct.code for ct in cat.call_types}
        self._apco: dict[str, str] = {}
        for ct in cat.call_types:
            self._apco.setdefault(ct.apco_code, ct.code)
        self._apco_of = {ct.code: ct.apco_code for ct in cat.call_types}
        self._cache: dict[tuple[str | None, str | None, str | None], str | None] = {}

    def map(self, code: str | None, text: str | None, apco: str | None) -> str | None:
        """The catalogue code of a raw call type, or None."""
        key = (code, text, apco)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = None
        for raw in (code, text):
            if raw:
                slug = "".join(ch if ch.isalnum() else "_" for ch in raw.strip().upper()).strip("_")
                found = self._codes.get(slug) or self._names.get(raw.strip().upper())
                if found:
                    break
        if found is None and apco:
            found = self._apco.get(apco)
        self._cache[key] = found
        return found

    def apco_of(self, code: str | None) -> str | None:
        """The APCO code of a catalogue call type."""
        return self._apco_of.get(code) if code else None


def _cut(value: str | None, column: str) -> str | None:
    if value is None:
        return None
    width = _WIDTH[column]
    return value if len(value) <= width else value[:width]


def _same(value: Any) -> Any:
    return value


def _sqlite_time(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it ("2025-08-24 04:07:06.123000"), without its detour."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"


_SQLITE_TIME: Final = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def _sqlite_time_utc(value: datetime | None) -> str | None:
    """``_sqlite_time`` for the reader's times, which are UTC already (``CallRow``'s contract; checked once per row
    by ``row_values``'s received time). Formatting the fields is twice as fast as an aware ``isoformat``."""
    if value is None:
        return None
    return _SQLITE_TIME % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def _sqlite_json(value: list[str]) -> str:
    return json.dumps(value) if value else "[]"


def row_values(
    row: CallRow,
    batch: Any,
    types: TypeMapper,
    *,
    time: Callable[[datetime | None], Any] = _same,
    units: Callable[[list[str]], Any] = _same,
) -> tuple[Any, ...]:
    """The history row of one CallRow, in ``COLUMNS`` order; ``time`` and ``units`` bind those columns (by default
    they are left for ``BulkWriter.bind``)."""
    if row.received.tzinfo is not UTC and time is _sqlite_time_utc:
        time = _sqlite_time
    mapped = types.map(row.call_type_code, row.call_type_text, row.apco)
    address = row.address
    if row.cross_street:
        address = f"{address} & {row.cross_street}" if address else row.cross_street
    narrative = row.narrative
    if row.notes:
        narrative = "\n".join([narrative or "", *row.notes]).strip()
    return (
        batch,
        row.origin,
        _cut(row.external_id, "external_id"),
        row.line,
        row.source,
        _cut(row.agency, "agency"),
        mapped,
        _cut(row.call_type_code or row.call_type_text, "call_type_raw"),
        row.apco or types.apco_of(mapped),
        _cut(row.priority, "priority"),
        time(row.received),
        time(row.queued),
        time(row.dispatched),
        time(row.acknowledged),
        time(row.en_route),
        time(row.on_scene),
        time(row.cleared),
        time(row.closed),
        time(row.reopened),
        row.time_precision,
        _cut(address, "address"),
        _cut(row.beat, "beat"),
        row.lat,
        row.lon,
        units(list(row.units)),
        _cut(row.disposition_code, "disposition_code"),
        _cut(row.disposition_text, "disposition_text"),
        row.disposition_common,
        _cut(row.call_taker, "call_taker"),
        _cut(row.dispatcher, "dispatcher"),
        narrative,
    )


class BulkWriter:
    """``executemany`` of history rows through the driver, each value bound as its column type binds it.

    On SQLite the time and JSON columns are written directly in the exact text SQLAlchemy's types produce (a test
    compares them), which halves the cost of a row; elsewhere every value goes through its type's bind processor."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        table: Table = HistoryCall.__table__  # type: ignore[assignment]
        self.processors = [table.c[name].type._cached_bind_processor(dialect) for name in COLUMNS]
        self.sqlite = dialect.name == "sqlite"
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        # A call already stored (same origin and number) is skipped by the unique index itself: no lookup per call.
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))}) "
            "ON CONFLICT (origin, external_id) DO NOTHING"
        )

    def rows(self, rows: Iterable[CallRow], batch: uuid.UUID, types: TypeMapper) -> list[tuple[Any, ...]]:
        """CallRows as the driver takes them."""
        if self.sqlite:
            bound_batch = self.processors[0](batch) if self.processors[0] else batch
            return [row_values(r, bound_batch, types, time=_sqlite_time_utc, units=_sqlite_json) for r in rows]
        return self.bind(row_values(r, batch, types) for r in rows)

    def bind(self, rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows of ``row_values`` (unbound) as the driver takes them."""
        procs = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        out = []
        for row in rows:
            values = list(row)
            for i, proc in procs:
                values[i] = proc(values[i])
            out.append(tuple(values))
        return out

    def write(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert bound rows in the session's transaction; how many were new (the others were stored already)."""
        if not rows:
            return 0
        return int(self.connection.exec_driver_sql(self.sql, list(rows)).rowcount)


def _stored(session: Session, origin: str, ids: Sequence[str]) -> set[str]:
    """The call numbers of ``ids`` already stored for ``origin``."""
    found: set[str] = set()
    for i in range(0, len(ids), 900):  # SQLite's bound-parameter limit is 999 on old builds
        part = ids[i : i + 900]
        found.update(
            session.scalars(
                select(HistoryCall.external_id).where(HistoryCall.origin == origin, HistoryCall.external_id.in_(part))
            )
        )
    return found


def import_file(
    session: Session,
    cad: CadFile,
    *,
    actor: Principal,
    dry_run: bool = False,
    chunk: int = CHUNK,
    on_progress: Callable[[int], object] | None = None,
) -> HistoryReport:
    """Import a CAD export into the history, in the session's one transaction (see the module docstring); audited
    as ``dispatch.history.import``. ``on_progress(n)`` is told of every ``n`` records read."""
    origin = f"cad:{cad.layout}"
    report = HistoryReport(file=cad.path.name, layout=cad.layout, origin=origin, dry_run=dry_run)
    batch_id = uuid.uuid4()
    types = TypeMapper()
    writer = BulkWriter(session)
    if not dry_run:
        session.add(
            HistoryBatch(
                id=batch_id,
                origin=origin,
                file_name=cad.path.name[:255],
                problems=[],
                zone=cad.parser.zone,
                created_by=actor.audit_name[:64],
                created_at=utcnow(),
            )
        )
        session.flush()
        report.batch_id = batch_id
    seen: dict[str, int] = {}
    pending: list[CallRow] = []
    pending_ids: list[str] = []
    records_before = 0

    def flush() -> None:
        nonlocal records_before
        if dry_run:
            stored = _stored(session, origin, pending_ids)
            rows = writer.rows(
                (r for r, eid in zip(pending, pending_ids, strict=True) if eid not in stored), batch_id, types
            )
            report.duplicates += len(pending) - len(rows)
            report.imported += len(rows)
        else:
            rows = writer.rows(pending, batch_id, types)
            new = writer.write(rows)
            report.duplicates += len(rows) - new
            report.imported += new
        report.call_types_mapped += sum(1 for r in rows if r[6] is not None)
        pending.clear()
        pending_ids.clear()
        if on_progress is not None:
            on_progress(cad.records - records_before)
        records_before = cad.records

    for row in cad:
        external_id = row.external_id[: _WIDTH["external_id"]]
        if external_id in seen:
            report.duplicates += 1
            cad.log.add(
                row.line, "call number", external_id, f"already in this file (line {seen[external_id]})", skipped=True
            )
            continue
        seen[external_id] = row.line
        pending.append(row)
        pending_ids.append(external_id)
        if len(pending) >= chunk:
            flush()
    flush()
    report.records = cad.records
    report.problem_count = cad.problem_count
    report.problems = [str(p) for p in cad.problems]
    report.skipped = cad.records - report.imported - report.duplicates
    if not dry_run:
        batch = session.get(HistoryBatch, batch_id)
        assert batch is not None
        batch.records, batch.imported, batch.duplicates, batch.skipped = (
            report.records,
            report.imported,
            report.duplicates,
            report.skipped,
        )
        batch.problems = report.problems[:KEPT_PROBLEMS]
        audit.record_for(
            session,
            actor,
            "dispatch.history.import",
            target_type="dispatch_history_batch",
            target_id=str(batch_id),
            details={
                "file": report.file,
                "origin": origin,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "skipped": report.skipped,
            },
        )
    logger.info("%s", report.summary())
    return report


def count(session: Session, *, origin: str | None = None) -> int:
    """How many imported historic calls are stored (of one origin)."""
    stmt = select(func.count()).select_from(HistoryCall)
    if origin is not None:
        stmt = stmt.where(HistoryCall.origin == origin)
    return int(session.scalar(stmt) or 0)


#: The steps of the time chain ``step_times`` returns, as the response-time kernel names them.
STEPS: Final = ("received", "queued", "dispatched", "en_route", "on_scene", "cleared")


def step_times(
    session: Session, *, since: datetime | None = None, until: datetime | None = None, origin: str | None = None
) -> dict[str, list[float | None]]:
    """The imported calls' time chain as epoch seconds per step (None where not stamped), plus ``priority`` and
    ``call_type`` lists, in received order: what ``rtcc.analytics.kernels.response_times`` takes (as float arrays)."""
    cols = [getattr(HistoryCall, f"{s}_at") for s in STEPS]
    stmt = select(*cols, HistoryCall.priority, HistoryCall.call_type, HistoryCall.call_type_raw).order_by(
        HistoryCall.received_at
    )
    if since is not None:
        stmt = stmt.where(HistoryCall.received_at >= since)
    if until is not None:
        stmt = stmt.where(HistoryCall.received_at < until)
    if origin is not None:
        stmt = stmt.where(HistoryCall.origin == origin)
    out: dict[str, list[Any]] = {s: [] for s in (*STEPS, "priority", "call_type")}
    for row in session.execute(stmt):
        for i, step in enumerate(STEPS):
            value: datetime | None = row[i]
            out[step].append(value.timestamp() if value is not None else None)
        out["priority"].append(row[len(STEPS)])
        out["call_type"].append(row[len(STEPS) + 1] or row[len(STEPS) + 2])
    return out


def zone_of(session: Session, origin: str | None = None) -> str | None:
    """The IANA zone the imported history (of ``origin``, or all of it) was recorded in, when its batches agree on
    one; None when they do not, or none says (the caller then uses the city's)."""
    stmt = select(HistoryBatch.zone).distinct()
    if origin is not None:
        stmt = stmt.where(HistoryBatch.origin == origin)
    zones = set(session.scalars(stmt))
    return zones.pop() if len(zones) == 1 else None


#: What ``for_simulation`` returns besides the time chain (``STEPS``).
SIM_FIELDS: Final = ("priority", "call_type", "agency", "source", "lat", "lon")


def for_simulation(
    session: Session, *, since: datetime | None = None, until: datetime | None = None, origin: str | None = None
) -> dict[str, list[Any]]:
    """The imported calls the what-if simulator fits on, in received order: the time chain as epoch seconds per step
    (``STEPS``, None where not stamped) plus ``SIM_FIELDS`` (call type: the catalogue's, else the raw code; source:
    ``officer`` marks a self-initiated call)."""
    cols = [getattr(HistoryCall, f"{s}_at") for s in STEPS]
    stmt = select(
        *cols,
        HistoryCall.priority,
        HistoryCall.call_type,
        HistoryCall.call_type_raw,
        HistoryCall.agency,
        HistoryCall.source,
        HistoryCall.lat,
        HistoryCall.lon,
    ).order_by(HistoryCall.received_at)
    if since is not None:
        stmt = stmt.where(HistoryCall.received_at >= since)
    if until is not None:
        stmt = stmt.where(HistoryCall.received_at < until)
    if origin is not None:
        stmt = stmt.where(HistoryCall.origin == origin)
    out: dict[str, list[Any]] = {s: [] for s in (*STEPS, *SIM_FIELDS)}
    k = len(STEPS)
    for row in session.execute(stmt):
        for i, step in enumerate(STEPS):
            value: datetime | None = row[i]
            out[step].append(value.timestamp() if value is not None else None)
        out["priority"].append(row[k])
        out["call_type"].append(row[k + 1] or row[k + 2])
        out["agency"].append(row[k + 3])
        out["source"].append(row[k + 4])
        out["lat"].append(row[k + 5])
        out["lon"].append(row[k + 6])
    return out


def live_for_simulation(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, list[Any]]:
    """The city's own closed live calls in ``for_simulation``'s shape (duplicates left out; agency ``live``; a
    self-initiated call's source is ``officer``, as in imported history)."""
    cols = [getattr(Call, f"{s}_at") for s in STEPS]
    stmt = (
        select(*cols, Call.priority, Call.call_type, Call.source, Call.lat, Call.lon)
        .where(Call.status == "closed", Call.duplicate_of.is_(None))
        .order_by(Call.received_at)
    )
    if since is not None:
        stmt = stmt.where(Call.received_at >= since)
    if until is not None:
        stmt = stmt.where(Call.received_at < until)
    out: dict[str, list[Any]] = {s: [] for s in (*STEPS, *SIM_FIELDS)}
    k = len(STEPS)
    for row in session.execute(stmt):
        for i, step in enumerate(STEPS):
            value: datetime | None = row[i]
            out[step].append(value.timestamp() if value is not None else None)
        out["priority"].append(row[k])
        out["call_type"].append(row[k + 1])
        out["agency"].append("live")
        out["source"].append("officer" if row[k + 2] == "officer_initiated" else row[k + 2])
        out["lat"].append(row[k + 3])
        out["lon"].append(row[k + 4])
    return out
