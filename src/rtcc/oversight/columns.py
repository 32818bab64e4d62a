"""The interval table held in memory as columns (numpy arrays), per database, so a KPI screen groups a million calls
in milliseconds instead of asking the database to scan and sort them on every request.

The table's rows are never changed in place: a refresh inserts rows, and replaces a reopened call's row by deleting
it and inserting a new one (ids are never reused: ``sqlite_autoincrement``, a PostgreSQL sequence). So ``(count,
max(id))`` names the table's state: when it is unchanged the cached columns are current; when only rows past the
cached ``max(id)`` were added they are fetched and appended; otherwise (a row was replaced) the columns are loaded
again. The first request of a process pays one full read (one columnar fetch); every later one reads two numbers.
Grouping keys are stored as integer codes with their labels, intervals as float seconds (NaN: not applicable).
Emptying the table and restarting its ids (``TRUNCATE ... RESTART IDENTITY``, done by the test suite only) can
repeat a state: call ``forget`` after doing that in a running process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.oversight import logic
from rtcc.oversight.models import CallInterval

_LOCK = threading.Lock()
_CACHE: dict[str, Columns] = {}
_T = CallInterval.__table__.c
_FETCH = (
    _T.id,
    _T.received_s,
    *(_T[d] for d in logic.DIMENSIONS),
    *(_T[f"{i}_s"] for i in rt.INTERVALS),
    _T.missing,
    _T.out_of_order,
)


@dataclass(frozen=True)
class Dim:
    """One grouping key: a code per call and the label of each code."""

    codes: npt.NDArray[np.int32]
    labels: tuple[str, ...]

    def code(self, label: str) -> int | None:
        """The code of ``label``, None when no call has it."""
        try:
            return self.labels.index(label)
        except ValueError:
            return None


@dataclass(frozen=True)
class Columns:
    """The interval table as arrays (one element per call, in id order)."""

    count: int
    max_id: int
    ids: npt.NDArray[np.int64]
    received_s: npt.NDArray[np.int64]
    dims: dict[str, Dim]
    values: dict[str, npt.NDArray[np.float64]]
    missing: npt.NDArray[np.bool_]
    out_of_order: npt.NDArray[np.bool_]


def _encode(col: tuple[Any, ...], labels: list[str]) -> npt.NDArray[np.int32]:
    """Integer codes of ``col``'s values; new values are appended to ``labels``."""
    lut = {label: i for i, label in enumerate(labels)}
    for v in set(col) - lut.keys():
        lut[v] = len(labels)
        labels.append(str(v))
    return np.fromiter(map(lut.__getitem__, col), dtype=np.int32, count=len(col))


def _fetch(session: Session, after: int, base: Columns | None) -> Columns:
    # the driver's rows as they come (no per-value type processing: a million rows in one pass)
    names = ", ".join(c.name for c in _FETCH)
    sql = f"SELECT {names} FROM {CallInterval.__tablename__} WHERE id > {int(after)} ORDER BY id"
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    n = len(rows)
    cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if n else [() for _ in _FETCH]
    k = 2
    dims = {}
    for d in logic.DIMENSIONS:
        labels = list(base.dims[d].labels) if base else []
        codes = _encode(cols[k], labels)
        dims[d] = Dim(np.concatenate([base.dims[d].codes, codes]) if base else codes, tuple(labels))
        k += 1
    values = {}
    for i in rt.INTERVALS:
        v = np.array(cols[k], dtype=np.float64) if n else np.zeros(0)
        values[i] = np.concatenate([base.values[i], v]) if base else v
        k += 1
    ids = np.array(cols[0], dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    rec = np.array(cols[1], dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    miss = np.array(cols[k], dtype=bool) if n else np.zeros(0, dtype=bool)
    ooo = np.array(cols[k + 1], dtype=bool) if n else np.zeros(0, dtype=bool)
    if base is not None:
        ids, rec = np.concatenate([base.ids, ids]), np.concatenate([base.received_s, rec])
        miss, ooo = np.concatenate([base.missing, miss]), np.concatenate([base.out_of_order, ooo])
    return Columns(
        count=int(ids.size),
        max_id=int(ids[-1]) if ids.size else 0,
        ids=ids,
        received_s=rec,
        dims=dims,
        values=values,
        missing=miss,
        out_of_order=ooo,
    )


def load(session: Session) -> Columns:
    """The current columns of the session's database (from the cache when the table has not changed)."""
    key = str(session.get_bind().engine.url)
    count, max_id = session.execute(select(func.count(), func.coalesce(func.max(_T.id), 0))).one()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and (cached.count, cached.max_id) == (count, max_id):
            return cached
        if cached is not None and max_id > cached.max_id:
            grown = _fetch(session, cached.max_id, cached)
            if grown.count == count:
                _CACHE[key] = grown
                return grown
        fresh = _fetch(session, 0, None)
        _CACHE[key] = fresh
        return fresh


def forget() -> None:
    """Drop every cached table (tests, and a process that wants its memory back)."""
    with _LOCK:
        _CACHE.clear()
