"""The interval table kept a second time as packed columns (``oversight_column_chunks``), so the first KPI screen of
a process reads a few dozen blobs instead of a million rows.

The interval table's ids are cut into fixed ranges of ``CHUNK`` ids; each range's rows are stored as one blob of
numpy arrays (ids, received time, the six intervals as int32 with a sentinel for "not applicable", the quality flags,
and each grouping key as int16 codes into that chunk's own label list, kept beside it as JSON). ``intervals.refresh``,
the table's only writer, rebuilds the chunks its inserts and replacements touched in the same transaction, so the
store always equals the table; ``rebuild`` with no chunk list redoes the whole store (the first refresh after the
migration, or a store found out of step with the table). ``read`` returns the chunks as one set of columns, with the
chunk labels mapped onto one label list per key. Derived data: dropping it loses nothing a refresh cannot rebuild.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.oversight import logic
from rtcc.oversight.models import CallInterval, ColumnChunk

#: Interval-table ids per chunk (a live call closed rewrites one chunk of at most this many rows).
CHUNK = 32_768
#: The int32 standing for "no value" (NULL) in a stored interval.
NONE = np.iinfo(np.int32).min
_T = CallInterval.__table__.c
FIELDS = (
    "id",
    "received_s",
    *logic.DIMENSIONS,
    *(f"{i}_s" for i in rt.INTERVALS),
    "missing",
    "out_of_order",
)


@dataclass(frozen=True)
class Raw:
    """Columns straight from the table or the store: dimension codes index ``labels``; intervals are floats (NaN:
    none)."""

    ids: npt.NDArray[np.int64]
    received_s: npt.NDArray[np.int64]
    codes: dict[str, npt.NDArray[np.int32]]
    labels: dict[str, list[str]]
    values: dict[str, npt.NDArray[np.float64]]
    missing: npt.NDArray[np.bool_]
    out_of_order: npt.NDArray[np.bool_]


def _encode(col: Iterable[Any], labels: list[str]) -> npt.NDArray[np.int32]:
    """Integer codes of ``col``'s values; new values are appended to ``labels``."""
    values = list(col)
    lut = {label: i for i, label in enumerate(labels)}
    for v in dict.fromkeys(values):
        if v not in lut:
            lut[v] = len(labels)
            labels.append(str(v))
    return np.fromiter(map(lut.__getitem__, values), dtype=np.int32, count=len(values))


def fetch_rows(session: Session, where: str) -> Raw:
    """The interval table's rows matching ``where`` (SQL over the table's own integer ``id``), in id order, read
    through the driver's cursor (no per-value type processing: a million rows in one pass)."""
    sql = f"SELECT {', '.join(FIELDS)} FROM {CallInterval.__tablename__} WHERE {where} ORDER BY id"
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in FIELDS]
    by = dict(zip(FIELDS, cols, strict=True))
    labels: dict[str, list[str]] = {d: [] for d in logic.DIMENSIONS}
    return Raw(
        ids=np.array(by["id"], dtype=np.int64),
        received_s=np.array(by["received_s"], dtype=np.int64),
        codes={d: _encode(by[d], labels[d]) for d in logic.DIMENSIONS},
        labels=labels,
        values={i: np.array(by[f"{i}_s"], dtype=np.float64) for i in rt.INTERVALS},
        missing=np.array(by["missing"], dtype=bool),
        out_of_order=np.array(by["out_of_order"], dtype=bool),
    )


def _pack(r: Raw) -> bytes:
    arrays: dict[str, npt.NDArray[Any]] = {"ids": r.ids, "received_s": r.received_s}
    for d in logic.DIMENSIONS:
        arrays[f"d_{d}"] = r.codes[d].astype(np.int16)
    for i in rt.INTERVALS:
        v = r.values[i]
        arrays[f"v_{i}"] = np.where(np.isnan(v), NONE, np.nan_to_num(v)).astype(np.int32)
    arrays["flags"] = (r.missing.astype(np.uint8) | (r.out_of_order.astype(np.uint8) << 1)).astype(np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]  # numpy stubs type a keyword as allow_pickle
    return buf.getvalue()


def _unpack(blob: bytes) -> dict[str, npt.NDArray[Any]]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _write(session: Session, number: int, r: Raw) -> None:
    session.execute(delete(ColumnChunk).where(ColumnChunk.chunk == number))
    if not r.ids.size:
        return
    if any(len(v) > np.iinfo(np.int16).max for v in r.labels.values()):
        raise ValueError("a chunk holds more distinct keys than its int16 codes can name")
    session.execute(
        insert(ColumnChunk),
        [
            {
                "chunk": number,
                "rows": int(r.ids.size),
                "max_id": int(r.ids[-1]),
                "labels": json.dumps(r.labels),
                "data": _pack(r),
            }
        ],
    )


def rebuild(session: Session, numbers: Iterable[int] | None = None) -> int:
    """Write the chunks ``numbers`` again from the interval table (None: the whole store); how many were written."""
    if numbers is None:
        session.execute(delete(ColumnChunk))
        top = int(session.scalar(select(func.coalesce(func.max(_T.id), 0))) or 0)
        wanted: Iterable[int] = range(top // CHUNK + 1)
    else:
        wanted = sorted(set(numbers))
    n = 0
    for k in wanted:
        _write(session, k, fetch_rows(session, f"id >= {k * CHUNK} AND id < {(k + 1) * CHUNK}"))
        n += 1
    session.flush()
    return n


def chunk_of(ids: Iterable[int]) -> set[int]:
    """The chunk numbers holding ``ids``."""
    return {int(i) // CHUNK for i in ids}


def in_step(session: Session) -> bool:
    """Whether the store holds as many rows, up to the same last id, as the interval table."""
    count, top = session.execute(select(func.count(), func.coalesce(func.max(_T.id), 0))).one()
    rows, last = session.execute(
        select(func.coalesce(func.sum(ColumnChunk.rows), 0), func.coalesce(func.max(ColumnChunk.max_id), 0))
    ).one()
    return (int(count), int(top)) == (int(rows), int(last))


def read(session: Session) -> tuple[int, int, Raw]:
    """The whole store as one set of columns, with its row count and last id (compare them with the table's)."""
    found = session.execute(
        select(ColumnChunk.rows, ColumnChunk.max_id, ColumnChunk.labels, ColumnChunk.data).order_by(ColumnChunk.chunk)
    ).all()
    labels: dict[str, list[str]] = {d: [] for d in logic.DIMENSIONS}
    index: dict[str, dict[str, int]] = {d: {} for d in logic.DIMENSIONS}
    parts: dict[str, list[npt.NDArray[Any]]] = {}
    for _rows, _max, chunk_labels, blob in found:
        arrays = _unpack(bytes(blob))
        local = json.loads(chunk_labels)
        for d in logic.DIMENSIONS:
            lut = []
            for label in local[d]:
                if label not in index[d]:
                    index[d][label] = len(labels[d])
                    labels[d].append(label)
                lut.append(index[d][label])
            arrays[f"d_{d}"] = np.asarray(lut, dtype=np.int32)[arrays[f"d_{d}"]] if lut else np.zeros(0, np.int32)
        for k, v in arrays.items():
            parts.setdefault(k, []).append(v)

    def cat(k: str, dtype: Any) -> npt.NDArray[Any]:
        got = parts.get(k)
        return np.concatenate(got).astype(dtype, copy=False) if got else np.zeros(0, dtype=dtype)

    values = {}
    for i in rt.INTERVALS:
        v = cat(f"v_{i}", np.int32)
        f = v.astype(np.float64)
        f[v == NONE] = np.nan
        values[i] = f
    flags = cat("flags", np.uint8)
    raw = Raw(
        ids=cat("ids", np.int64),
        received_s=cat("received_s", np.int64),
        codes={d: cat(f"d_{d}", np.int32) for d in logic.DIMENSIONS},
        labels=labels,
        values=values,
        missing=(flags & 1).astype(bool),
        out_of_order=(flags & 2).astype(bool),
    )
    count = sum(int(r[0]) for r in found)
    top = max((int(r[1]) for r in found), default=0)
    return count, top, raw
