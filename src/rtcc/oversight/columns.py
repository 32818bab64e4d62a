"""The interval table held in memory as columns (numpy arrays), per database, so a KPI screen groups a million calls
in milliseconds instead of asking the database to scan and sort them on every request.

The table's rows are never changed in place: a refresh inserts rows, and replaces a reopened call's row by deleting
it and inserting a new one (ids are never reused: ``sqlite_autoincrement``, a PostgreSQL sequence). So ``(count,
max(id))`` names the table's state: when it is unchanged the cached columns are current; when only rows past the
cached ``max(id)`` were added they are fetched and appended; otherwise (a row was replaced) the columns are loaded
again from the packed chunks (``rtcc.oversight.chunks``, kept in step with the table by every refresh). The first
request of a process reads those chunks (a few dozen blobs, not a million rows); every later one reads two numbers.
Grouping keys are stored as integer codes with their labels, intervals as float seconds (NaN: not applicable).
Emptying the table and restarting its ids (``TRUNCATE ... RESTART IDENTITY``, done by the test suite only) can
repeat a state: call ``forget`` after doing that in a running process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.oversight import chunks, logic
from rtcc.oversight.models import CallInterval

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()
_CACHE: dict[str, Columns] = {}
_T = CallInterval.__table__.c


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


def _columns(raw: chunks.Raw, base: Columns | None) -> Columns:
    """``raw`` as cached columns, appended to ``base`` (its labels extended) when given."""
    dims = {}
    for d in logic.DIMENSIONS:
        if base is None:  # the codes already index the raw labels: no pass over them
            dims[d] = Dim(raw.codes[d], tuple(raw.labels[d]))
            continue
        labels = list(base.dims[d].labels)
        index = {label: i for i, label in enumerate(labels)}
        lut = []
        for label in raw.labels[d]:
            if label not in index:
                index[label] = len(labels)
                labels.append(label)
            lut.append(index[label])
        codes = np.asarray(lut, dtype=np.int32)[raw.codes[d]] if lut else np.zeros(0, dtype=np.int32)
        dims[d] = Dim(np.concatenate([base.dims[d].codes, codes]), tuple(labels))
    values = {i: np.concatenate([base.values[i], raw.values[i]]) if base else raw.values[i] for i in rt.INTERVALS}
    ids, rec, miss, ooo = raw.ids, raw.received_s, raw.missing, raw.out_of_order
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
    """The current columns of the session's database (from the cache when the table has not changed, else from the
    packed chunks, else, when those are out of step with the table, from the table's rows)."""
    key = str(session.get_bind().engine.url)
    count, max_id = session.execute(select(func.count(), func.coalesce(func.max(_T.id), 0))).one()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and (cached.count, cached.max_id) == (count, max_id):
            return cached
        if cached is not None and max_id > cached.max_id:
            grown = _columns(chunks.fetch_rows(session, f"id > {int(cached.max_id)}"), cached)
            if grown.count == count:
                _CACHE[key] = grown
                return grown
        stored, top, raw = chunks.read(session)
        if (stored, top) != (count, max_id):
            logger.warning("oversight column chunks out of step with the interval table: reading the rows")
            raw = chunks.fetch_rows(session, "id > 0")
        fresh = _columns(raw, None)
        _CACHE[key] = fresh
        return fresh


def forget() -> None:
    """Drop every cached table (tests, and a process that wants its memory back)."""
    with _LOCK:
        _CACHE.clear()
