"""``rtcc bench kpi``: the response-time KPI screen over stored calls (issue 13: 1,000,000 calls in <= 2 s, on SQLite
and on PostgreSQL; run it once per database with ``--database``).

Setup (timed, not the target): ``rows`` synthetic calls in the Alexandria DECC layout (default 1,000,000;
``rtcc.dispatch.adapters.bench``) are imported through ``rtcc dispatch import-history``'s path into a scratch
database (``store_s``), and the oversight interval table is backfilled from them and packed into column chunks
(``backfill_s``).

**kpi_s**: the KPI screen as the API computes it (``rtcc.oversight.kpis.compute``: the incremental refresh check,
the table's state, numpy grouping over the columns held in memory, then median, p90 and mean with 95% bootstrap
intervals and the data-quality score per priority); best of ``REPEATS``. ``kpi_call_type_s``: the same grouped by
call type (more groups). ``kpi_division_s``: the screen of a division-scoped user (``rtcc.core.divisions``: one
more mask over the cached ``division`` column; the profile's first division, which on a one-division profile holds
every call). ``kpi_cold_s``: the first screen of a process (the columns read once from the packed chunks
``rtcc.oversight.chunks``, not the rows); ``kpi_cold_cpu_s``: this process's CPU time for it (on a shared machine
the wall clock waits for a core; PostgreSQL's own work is in its server process, not counted here).

Baselines, same run:
- ``baseline_orm_s``: the straightforward way, ORM objects of the history calls, intervals computed per call in
  Python, the kernel's resampling bootstrap (``summarize``) per priority, timed on ``BASELINE_SAMPLE`` calls and
  extrapolated linearly to ``rows`` (loading and bootstrap both grow linearly with the calls).
- ``baseline_pg_percentile_s`` (PostgreSQL only): ``percentile_cont`` medians and p90s per priority straight over
  the history table in SQL (no confidence intervals, no quality score): the floor for a point figure.

Correctness: ``correct`` says every group's median, p90 and mean equal numpy's over the per-call values fetched from
the interval table, the counts add up to ``rows``, and (PostgreSQL) the SQL percentiles agree within one second
(the table keeps whole seconds).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, text

from rtcc.analytics.kernels import response_times as rt
from rtcc.core import divisions
from rtcc.core.db import Database
from rtcc.core.scratch import scratch_database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.dispatch.interop_models import HistoryCall
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import columns, intervals, kpis
from rtcc.oversight.schemas import KpiTable
from rtcc.places import service as places

FULL_ROWS = 1_000_000
REPEATS = 3
BASELINE_SAMPLE = 20_000


def _orm_baseline(db: Database, n_total: int) -> float:
    """Seconds of the per-call ORM computation on a sample, extrapolated to ``n_total`` calls."""
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    with db.read() as s:
        calls = s.scalars(select(HistoryCall).order_by(HistoryCall.id).limit(BASELINE_SAMPLE)).all()
        by_priority: dict[str, list[float]] = {}
        for c in calls:
            if c.on_scene_at is None or c.source == "officer":
                continue
            v = (c.on_scene_at - c.received_at).total_seconds()
            if v >= 0:
                by_priority.setdefault(c.priority or "unknown", []).append(round(v))
        for values in by_priority.values():
            rt.summarize(values, rng=rng, n_boot=kpis.N_BOOT)
    elapsed = time.perf_counter() - t0
    return elapsed * n_total / max(len(calls), 1)


def _pg_percentiles(db: Database) -> tuple[float, dict[str, tuple[float, float]]]:
    sql = text(
        "SELECT priority, percentile_cont(0.5) WITHIN GROUP (ORDER BY v),"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY v)"
        " FROM (SELECT priority, round(extract(epoch FROM on_scene_at - received_at)) AS v"
        "       FROM dispatch_history_calls WHERE on_scene_at >= received_at AND coalesce(source, '') <> 'officer') t"
        " GROUP BY priority"
    )
    t0 = time.perf_counter()
    with db.read() as s:
        rows = s.execute(sql).all()
    return time.perf_counter() - t0, {str(p): (float(m), float(q)) for p, m, q in rows}


def _check(db: Database, table: KpiTable, n: int) -> bool:
    with db.read() as s:
        raw = kpis.per_call(s, kpis.KpiQuery(interval="response", group_by="priority"))
    keys = np.array(raw["keys"], dtype=object)
    ok = table.total.calls == n and sum(r.calls for r in table.rows) == n
    for r in table.rows:
        v = raw["values"][keys == r.key]
        v = v[~np.isnan(v)]
        ok &= r.n == v.size
        if v.size:
            ok &= abs((r.median.value or 0) - float(np.median(v))) < 0.051
            ok &= abs((r.p90.value or 0) - float(np.quantile(v, 0.9))) < 0.051
            ok &= abs((r.mean.value or 0) - float(v.mean())) < 0.051
    return bool(ok)


def run(rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """The figures (see the module docstring)."""
    n = rows or FULL_ROWS
    pg = bool(database_url and database_url.startswith("postgresql"))
    out: dict[str, Any] = {"calls": n, "database": "postgresql" if pg else "sqlite", "load_avg_1m": os.getloadavg()[0]}
    with (
        tempfile.TemporaryDirectory(prefix="rtcc-bench-kpi-") as tmp,
        scratch_database(database_url, prefix="rtcc_bench_kpi") as url,
    ):
        path = Path(tmp) / "alexandria_synthetic.csv"
        path.write_text(synthetic_alexandria_csv(n), encoding="utf-8")
        db = Database(url)
        try:
            t0 = time.perf_counter()
            with db.uow() as s:
                report = history.import_file(s, CadFile(path), actor=SYSTEM)
            out["store_s"] = round(time.perf_counter() - t0, 2)
            path.unlink()
            stored = report.imported
            t0 = time.perf_counter()
            with db.uow() as s:
                intervals.refresh(s)
            out["backfill_s"] = round(time.perf_counter() - t0, 2)
            if pg:
                with db.engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
            columns.forget()
            t0, c0 = time.perf_counter(), time.process_time()
            with db.uow() as s:
                table = kpis.compute(s, kpis.KpiQuery(interval="response", group_by="priority"))
            out["kpi_cold_s"] = round(time.perf_counter() - t0, 3)
            out["kpi_cold_cpu_s"] = round(time.process_time() - c0, 3)
            best = best_ct = float("inf")
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                with db.uow() as s:
                    table = kpis.compute(s, kpis.KpiQuery(interval="response", group_by="priority"))
                best = min(best, time.perf_counter() - t0)
                t0 = time.perf_counter()
                with db.uow() as s:
                    kpis.compute(s, kpis.KpiQuery(interval="response", group_by="call_type"))
                best_ct = min(best_ct, time.perf_counter() - t0)
            out["kpi_s"] = round(best, 3)
            out["kpi_call_type_s"] = round(best_ct, 3)
            best_div = float("inf")
            with divisions.scope(places.division_codes()[:1]):
                for _ in range(REPEATS):
                    t0 = time.perf_counter()
                    with db.uow() as s:
                        scoped = kpis.compute(s, kpis.KpiQuery(interval="response", group_by="priority"))
                    best_div = min(best_div, time.perf_counter() - t0)
            out["kpi_division_s"] = round(best_div, 3)
            out["division_calls"] = scoped.total.calls
            out["baseline_orm_s"] = round(_orm_baseline(db, stored), 2)
            out["kpi_vs_orm_baseline"] = round(out["baseline_orm_s"] / best, 1)
            correct = _check(db, table, stored)
            if pg:
                pg_s, pct = _pg_percentiles(db)
                out["baseline_pg_percentile_s"] = round(pg_s, 3)
                for r in table.rows:
                    if r.key in pct and r.median.value is not None and r.p90.value is not None:
                        correct &= (
                            abs(pct[r.key][0] - r.median.value) <= 1.0 and abs(pct[r.key][1] - r.p90.value) <= 1.0
                        )
            out["groups"] = len(table.rows)
            out["stored"] = stored
            out["correct"] = bool(correct and stored == n)
        finally:
            db.dispose()
    return out
