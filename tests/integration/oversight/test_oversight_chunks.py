"""The packed interval columns (``oversight_column_chunks``): every refresh keeps them equal to the interval table,
a store out of step is packed again, and a process's first KPI screen reads them instead of the rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from rtcc.core.db import Database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import chunks, columns, intervals, kpis, logic
from rtcc.oversight.models import CallInterval, ColumnChunk


def _import(db: Database, tmp_path: Path, n: int) -> None:
    path = tmp_path / "alexandria.csv"
    path.write_text(synthetic_alexandria_csv(n), encoding="utf-8")
    with db.uow() as s:
        history.import_file(s, CadFile(path), actor=SYSTEM)


def _same(a: chunks.Raw, b: chunks.Raw) -> bool:
    ok = np.array_equal(a.ids, b.ids) and np.array_equal(a.received_s, b.received_s)
    ok &= np.array_equal(a.missing, b.missing) and np.array_equal(a.out_of_order, b.out_of_order)
    for d in logic.DIMENSIONS:
        ok &= [a.labels[d][i] for i in a.codes[d]] == [b.labels[d][i] for i in b.codes[d]]
    for i in a.values:
        ok &= np.array_equal(a.values[i], b.values[i], equal_nan=True)
    return bool(ok)


def test_the_chunks_follow_every_refresh_and_the_first_screen_reads_them(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 64)  # several chunks from a few hundred calls
    _import(db, tmp_path, 300)
    with db.uow() as s:
        intervals.refresh(s)
        ids = sorted(s.scalars(select(CallInterval.id)))  # ids need not start at 1 (an emptied SQLite table goes on)
        assert len(ids) == 300 and chunks.in_step(s) and s.query(ColumnChunk).count() == len(chunks.chunk_of(ids))
        stored, top, raw = chunks.read(s)
        assert (stored, top) == (300, ids[-1]) and _same(raw, chunks.fetch_rows(s, "id > 0"))
    first_chunk, gone = ids[0] // 64, next(i for i in ids if i // 64 != ids[0] // 64)
    with db.uow() as s:
        first = s.scalar(select(ColumnChunk.data).where(ColumnChunk.chunk == first_chunk))
        # a row gone behind the refresh's back (the store is out of step): the next refresh packs it all again
        row = s.scalar(select(CallInterval).where(CallInterval.id == gone))
        s.delete(row)
        s.flush()
        assert not chunks.in_step(s)
        intervals.refresh(s)
        assert chunks.in_step(s) and _same(chunks.read(s)[2], chunks.fetch_rows(s, "id > 0"))
        assert s.scalar(select(ColumnChunk.data).where(ColumnChunk.chunk == first_chunk)) == first
        expected = kpis.compute(s, kpis.KpiQuery(group_by="call_type", n_boot=50))
    columns.forget()  # a new process: its first screen reads the chunks, never the rows

    def no_rows(*_a: object, **_k: object) -> None:
        raise AssertionError("the first screen read the rows")

    monkeypatch.setattr(chunks, "fetch_rows", no_rows)
    with db.uow() as s:
        cold = kpis.compute(s, kpis.KpiQuery(group_by="call_type", n_boot=50))
    assert cold.total.calls == 299 and cold.total == expected.total and cold.rows == expected.rows
