"""Response-time KPIs over the stored calls: one interval, grouped by one dimension, with filters.

The interval table is read as columns held in memory (``rtcc.oversight.columns``: one fetch per process, then only
what was added); numpy filters and groups it into each group's histogram of whole seconds with its data-quality
flags; the response-time kernel (``summarize_counts``: the percentile bootstrap over the distinct values, drawn for
small groups and computed exactly for large ones) turns each histogram into its median, p90 and mean with confidence
intervals. The histograms are exact, so the figures
equal those of the per-call arrays (the bench checks it). Targets per priority come from the contract in force at
the end of the period, else from the dispatch catalogue's scheme.

A division-scoped request (``rtcc.core.divisions``: a divisional user, or anyone's ``?division=``) counts the calls
of its divisions only: one more mask over the cached ``division`` column, so the scoped screen costs what the
city-wide one does.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.core import divisions
from rtcc.core.db import Database
from rtcc.core.errors import invalid
from rtcc.dispatch import calltypes
from rtcc.oversight import columns, contracts, intervals, logic
from rtcc.oversight.models import CallInterval
from rtcc.oversight.schemas import EstimateRead, KpiRow, KpiTable, QualityRead
from rtcc.places import service as places

#: Bootstrap resamples of a KPI screen.
N_BOOT = 1000


@dataclass(frozen=True)
class KpiQuery:
    """What a KPI screen asks for (dates are city-time days; ``until`` is inclusive)."""

    interval: str = "response"
    group_by: str = "priority"
    since: date | None = None
    until: date | None = None
    filters: dict[str, str] = field(default_factory=dict)
    level: float = 0.95
    n_boot: int = N_BOOT
    seed: int = 0


@dataclass
class _Group:
    values: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    calls: int = 0
    missing: int = 0
    out_of_order: int = 0
    bad: int = 0


def estimate(e: rt.Estimate, *, digits: int = 1) -> EstimateRead:
    """An estimate for the wire (NaN and infinities become null)."""

    def f(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), digits)

    return EstimateRead(value=f(e.value), low=f(e.low), high=f(e.high))


def _validate(q: KpiQuery) -> None:
    if q.interval not in rt.INTERVALS:
        raise invalid("interval", f"{q.interval!r} is not one of {', '.join(rt.INTERVALS)}")
    if q.group_by not in logic.DIMENSIONS:
        raise invalid("group_by", f"{q.group_by!r} is not one of {', '.join(logic.DIMENSIONS)}")
    for k in q.filters:
        if k not in logic.DIMENSIONS:
            raise invalid(k, f"cannot filter on {k!r}; filters are {', '.join(logic.DIMENSIONS)}")
    if not 0.5 <= q.level < 1:
        raise invalid("level", "must be at least 0.5 and below 1")
    if not 10 <= q.n_boot <= 10_000:
        raise invalid("n_boot", "must be between 10 and 10000")
    if q.since and q.until and q.until < q.since:
        raise invalid("until", "is before since")


def _bounds(q: KpiQuery) -> tuple[int | None, int | None]:
    zone = places.city_zone()
    lo = int(datetime(q.since.year, q.since.month, q.since.day, tzinfo=zone).timestamp()) if q.since else None
    hi = None
    if q.until:
        end = q.until + timedelta(days=1)
        hi = int(datetime(end.year, end.month, end.day, tzinfo=zone).timestamp())
    return lo, hi


def histograms(session: Session, q: KpiQuery) -> dict[str, _Group]:
    """Each group's histogram of whole seconds of the interval, and its quality counts (numpy over the cached
    columns, ``rtcc.oversight.columns``)."""
    cols = columns.load(session)
    mask = np.ones(cols.count, dtype=bool)
    lo, hi = _bounds(q)
    if lo is not None:
        mask &= cols.received_s >= lo
    if hi is not None:
        mask &= cols.received_s < hi
    for k, v in q.filters.items():
        code = cols.dims[k].code(v)
        if code is None:
            return {}
        mask &= cols.dims[k].codes == code
    scope = divisions.current()
    if scope is not None:  # the request's divisions only
        own = cols.dims["division"]
        mask &= np.isin(own.codes, [c for c in map(own.code, sorted(scope)) if c is not None])
    dim = cols.dims[q.group_by]
    g = dim.codes[mask]
    vals = cols.values[q.interval][mask]
    miss, ooo = cols.missing[mask], cols.out_of_order[mask]
    size = len(dim.labels)
    calls = np.bincount(g, minlength=size)
    bad = np.bincount(g, weights=miss | ooo, minlength=size)
    n_miss = np.bincount(g, weights=miss, minlength=size)
    n_ooo = np.bincount(g, weights=ooo, minlength=size)
    has = ~np.isnan(vals)
    gv, vv = g[has], vals[has].astype(np.int64)
    groups: dict[str, _Group] = {}
    for present in np.flatnonzero(calls).tolist():
        counts = np.bincount(vv[gv == present])
        xs = np.flatnonzero(counts)
        groups[dim.labels[present]] = _Group(
            values=dict(zip(xs.tolist(), counts[xs].tolist(), strict=True)),
            calls=int(calls[present]),
            missing=int(n_miss[present]),
            out_of_order=int(n_ooo[present]),
            bad=int(bad[present]),
        )
    return groups


def _row(key: str, g: _Group, q: KpiQuery, rng: np.random.Generator, target: int | None) -> KpiRow:
    xs = np.array(sorted(g.values), dtype=np.float64)
    cs = np.array([g.values[int(x)] for x in xs], dtype=np.int64)
    s = rt.summarize_counts(xs, cs, rng=rng, n_boot=q.n_boot, level=q.level)
    met = int(cs[xs <= target].sum()) if target is not None else None
    return KpiRow(
        key=key,
        calls=g.calls,
        n=s.n,
        median=estimate(s.median),
        p90=estimate(s.p90),
        mean=estimate(s.mean),
        quality=QualityRead(
            calls=g.calls,
            missing=g.missing,
            out_of_order=g.out_of_order,
            score=round((g.calls - g.bad) / g.calls, 4) if g.calls else 0.0,
        ),
        target_s=target,
        met=met,
    )


def targets(session: Session, on: date | None) -> dict[str, int]:
    """Response-time target per priority: the contract's in force on ``on`` (today if None), else the catalogue's."""
    found = contracts.in_force(session, on or date.today())
    if found is not None:
        return {t.priority: t.target_s for t in found.terms.targets}
    return {p.code: p.target_s for p in calltypes.catalogue().scheme.priorities}


def current(db: Database, q: KpiQuery) -> KpiTable:
    """The KPI table of ``q`` as a screen asks for it: the interval table refreshed (unscoped), then counted within
    the request's divisions."""
    intervals.refresh_unscoped(db)
    with db.read() as session:
        return compute(session, q, refresh=False)


def compute(session: Session, q: KpiQuery, *, refresh: bool = True) -> KpiTable:
    """The KPI table of ``q`` (the interval table is refreshed first unless ``refresh`` is False)."""
    _validate(q)
    started = time.perf_counter()
    if refresh:
        intervals.refresh(session)
    groups = histograms(session, q)
    rng = np.random.default_rng(q.seed)
    goals = targets(session, q.until) if q.interval == "response" and q.group_by == "priority" else {}
    total = _Group()
    for g in groups.values():
        total.calls += g.calls
        total.missing += g.missing
        total.out_of_order += g.out_of_order
        total.bad += g.bad
        for v, n in g.values.items():
            total.values[v] += n
    rows = [_row(k, groups[k], q, rng, goals.get(k)) for k in sorted(groups)]
    return KpiTable(
        interval=q.interval,
        group_by=q.group_by,
        level=q.level,
        n_boot=q.n_boot,
        since=q.since,
        until=q.until,
        filters=dict(q.filters),
        total=_row("all", total, q, rng, None),
        rows=rows,
        computed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def per_call(session: Session, q: KpiQuery) -> dict[str, Any]:
    """The interval of every call of ``q`` as arrays (the bench's correctness check and the CSV annex)."""
    t = CallInterval.__table__.c
    stmt = select(t[q.group_by], t[f"{q.interval}_s"])
    lo, hi = _bounds(q)
    if lo is not None:
        stmt = stmt.where(t.received_s >= lo)
    if hi is not None:
        stmt = stmt.where(t.received_s < hi)
    for k, v in q.filters.items():
        stmt = stmt.where(t[k] == v)
    stmt = divisions.scoped(stmt, t.division)
    rows = session.execute(stmt).all()
    return {
        "keys": [str(r[0]) for r in rows],
        "values": np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64),
    }
