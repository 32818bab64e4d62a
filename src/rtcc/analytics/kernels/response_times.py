"""Response-time intervals of calls for service, their summaries with bootstrap confidence intervals, a data-quality
score, and the before/after comparison of a rule change.

Times come in as float arrays of seconds (any common epoch; ``NaN`` where a step was never stamped), one element per
call. The intervals follow the usual CAD definitions:

* ``processing``: received -> first dispatched (call-taking and dispatch decision),
* ``queue``: queued -> first dispatched (waiting for a free unit),
* ``turnout``: first dispatched -> first en route,
* ``travel``: first en route -> first on scene,
* ``response``: received -> first on scene (what a caller waits),
* ``on_scene``: first on scene -> cleared.

Self-initiated calls (an officer's own stop) have no dispatch latency: their ``processing``, ``queue``, ``turnout``
and ``response`` are ``NaN`` (left out), their ``travel`` and ``on_scene`` count. An interval is ``NaN`` when either
end is missing or when it is negative (out-of-order stamps); the quality score says how often that happens.
Summaries are medians, 90th percentiles and means with percentile bootstrap intervals (resampling calls with
replacement, ``n_boot`` times, from an injected generator). ``summarize_counts`` takes a sample as counts of
distinct values (intervals in whole seconds): the same bootstrap drawn over the distinct values, or for large samples
its distribution computed exactly without drawing, so a million calls summarize in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

Array = npt.NDArray[np.float64]

INTERVALS = ("processing", "queue", "turnout", "travel", "response", "on_scene")
#: The steps in the order a well-formed record stamps them (a later step earlier than an earlier one is out of order).
STEPS = ("received", "queued", "dispatched", "en_route", "on_scene", "cleared")
_DISPATCH_LATENCY = frozenset({"processing", "queue", "turnout", "response"})
_SPANS = {
    "processing": ("received", "dispatched"),
    "queue": ("queued", "dispatched"),
    "turnout": ("dispatched", "en_route"),
    "travel": ("en_route", "on_scene"),
    "response": ("received", "on_scene"),
    "on_scene": ("on_scene", "cleared"),
}


def _as_array(x: npt.ArrayLike | None, n: int) -> Array:
    if x is None:
        return np.full(n, np.nan)
    a = np.asarray(x, dtype=np.float64)
    if a.shape != (n,):
        raise ValueError(f"every step needs {n} times, got shape {a.shape}")
    return a


def intervals(
    steps: Mapping[str, npt.ArrayLike | None], *, self_initiated: npt.ArrayLike | None = None
) -> dict[str, Array]:
    """Each interval (``INTERVALS``) in seconds per call, from the step times (``STEPS``; a missing key is all-NaN)."""
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown step(s) {sorted(unknown)}; steps are {STEPS}")
    n = next((np.asarray(v).shape[0] for v in steps.values() if v is not None), 0)
    t = {s: _as_array(steps.get(s), n) for s in STEPS}
    own = np.zeros(n, dtype=bool) if self_initiated is None else np.asarray(self_initiated, dtype=bool)
    if own.shape != (n,):
        raise ValueError(f"self_initiated needs {n} flags")
    out: dict[str, Array] = {}
    for name, (a, b) in _SPANS.items():
        d = t[b] - t[a]
        d[d < 0] = np.nan
        if name in _DISPATCH_LATENCY:
            d[own] = np.nan
        out[name] = d
    return out


@dataclass(frozen=True)
class Quality:
    """How trustworthy the stamps are: ``score`` is the share of calls with every required step stamped, in order."""

    calls: int
    missing: int  # calls lacking a required step
    out_of_order: int  # calls whose stamped steps go back in time
    score: float


def quality_flags(
    steps: Mapping[str, npt.ArrayLike | None], *, required: Sequence[str] = ("received", "dispatched", "on_scene")
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per call: (a required step is missing, stamped steps go back in time in ``STEPS`` order)."""
    n = next((np.asarray(v).shape[0] for v in steps.values() if v is not None), 0)
    t = np.vstack([_as_array(steps.get(s), n) for s in STEPS]) if n else np.empty((len(STEPS), 0))
    req = [STEPS.index(s) for s in required]
    missing = np.isnan(t[req]).any(axis=0) if n else np.zeros(0, dtype=bool)
    # out of order: some stamped step earlier than the latest stamped step before it
    prior_max = np.fmax.accumulate(np.where(np.isnan(t), -np.inf, t), axis=0)
    back = (t[1:] < prior_max[:-1]) & ~np.isnan(t[1:])
    disorder = back.any(axis=0) if n else np.zeros(0, dtype=bool)
    return np.asarray(missing, dtype=bool), np.asarray(disorder, dtype=bool)


def quality(
    steps: Mapping[str, npt.ArrayLike | None], *, required: Sequence[str] = ("received", "dispatched", "on_scene")
) -> Quality:
    """Count calls with a required step missing, or with stamped steps out of order (``STEPS`` order)."""
    missing, disorder = quality_flags(steps, required=required)
    n = missing.size
    good = ~missing & ~disorder
    return Quality(
        calls=n,
        missing=int(missing.sum()),
        out_of_order=int(disorder.sum()),
        score=float(good.mean()) if n else 0.0,
    )


@dataclass(frozen=True)
class Estimate:
    """A statistic and its bootstrap interval (``low``/``high`` at the summary's level)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Summary:
    """Median, 90th percentile and mean of one interval over ``n`` calls (NaNs dropped), with bootstrap intervals."""

    n: int
    median: Estimate
    p90: Estimate
    mean: Estimate
    level: float


_NAN = Estimate(float("nan"), float("nan"), float("nan"))


def _stats(samples: Array) -> Array:
    """Median, p90 and mean along the last axis."""
    return np.stack([np.median(samples, axis=-1), np.quantile(samples, 0.9, axis=-1), samples.mean(axis=-1)], axis=-1)


def summarize(values: npt.ArrayLike, *, rng: np.random.Generator, n_boot: int = 1000, level: float = 0.95) -> Summary:
    """Median, p90 and mean of ``values`` (NaN = not applicable, dropped) with percentile bootstrap intervals."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Summary(0, _NAN, _NAN, _NAN, level)
    point = _stats(v)
    boots = _stats(v[rng.integers(0, v.size, size=(n_boot, v.size))])
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], axis=0)
    est = [Estimate(float(point[i]), float(lo[i]), float(hi[i])) for i in range(3)]
    return Summary(int(v.size), est[0], est[1], est[2], level)


def summarize_by(
    values: npt.ArrayLike,
    groups: Sequence[str],
    *,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
) -> dict[str, Summary]:
    """``summarize`` per group label (priority, call type, shift, district, unit type, month ...)."""
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups, dtype=object)
    if g.shape != v.shape:
        raise ValueError("values and groups must have the same length")
    return {str(k): summarize(v[g == k], rng=rng, n_boot=n_boot, level=level) for k in sorted(set(g.tolist()))}


@dataclass(frozen=True)
class Change:
    """Before/after a rule's effective time: each side's summary and the after-minus-before differences."""

    before: Summary
    after: Summary
    median_diff: Estimate
    mean_diff: Estimate
    median_ratio: Estimate  # after / before: 0.5 means "halved"


def before_after(
    values: npt.ArrayLike,
    times: npt.ArrayLike,
    *,
    effective: float,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
) -> Change:
    """Compare one interval of the affected calls received before ``effective`` with those received at or after it,
    with independent bootstrap resamples of each side."""
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    if v.shape != t.shape:
        raise ValueError("values and times must have the same length")
    keep = ~np.isnan(v) & ~np.isnan(t)
    b, a = v[keep & (t < effective)], v[keep & (t >= effective)]
    before = summarize(b, rng=rng, n_boot=n_boot, level=level)
    after = summarize(a, rng=rng, n_boot=n_boot, level=level)
    if b.size == 0 or a.size == 0:
        return Change(before, after, _NAN, _NAN, _NAN)
    bb = b[rng.integers(0, b.size, size=(n_boot, b.size))]
    ab = a[rng.integers(0, a.size, size=(n_boot, a.size))]
    med_b, med_a = np.median(bb, axis=1), np.median(ab, axis=1)
    q = [(1 - level) / 2, (1 + level) / 2]

    def est(point: float, boot: Array) -> Estimate:
        lo, hi = np.quantile(boot, q)
        return Estimate(float(point), float(lo), float(hi))

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_boot = med_a / med_b
        ratio = float(np.median(a) / np.median(b)) if np.median(b) else float("nan")
    return Change(
        before,
        after,
        median_diff=est(float(np.median(a) - np.median(b)), med_a - med_b),
        mean_diff=est(float(a.mean() - b.mean()), ab.mean(axis=1) - bb.mean(axis=1)),
        median_ratio=est(ratio, ratio_boot),
    )


def _order_stats(values: Array, cum: npt.NDArray[np.int64], k: npt.NDArray[np.int64]) -> Array:
    """The ``k``-th smallest (0-based ranks, one row of ranks per row of ``cum``) of samples given as cumulative
    counts over sorted ``values``."""
    if cum.ndim == 1:
        idx = np.searchsorted(cum, k, side="right")
    else:
        idx = np.stack([np.searchsorted(cum[i], k[i], side="right") for i in range(cum.shape[0])])
    return values[np.minimum(idx, values.size - 1)]


def _count_stats(values: Array, counts: npt.NDArray[np.int64]) -> Array:
    """Median, p90 (numpy's linear interpolation) and mean of samples given as counts per sorted value, row-wise."""
    cum = np.cumsum(counts, axis=-1)
    n = cum[..., -1]
    out = []
    for q in (0.5, 0.9):
        h = (n - 1) * q
        lo = np.floor(h).astype(np.int64)
        k = np.stack([lo, np.minimum(lo + 1, n - 1)], axis=-1)
        pair = _order_stats(values, cum, k)
        out.append(np.asarray(pair[..., 0] + (h - lo) * (pair[..., 1] - pair[..., 0]), dtype=np.float64))
    out.append((counts * values).sum(axis=-1) / np.maximum(n, 1))
    return np.stack(out, axis=-1)


def _exact_bounds(values: Array, counts: npt.NDArray[np.int64], level: float) -> Array:
    """Percentile-bootstrap bounds without resampling, for large samples: the bootstrap distribution of an order
    statistic is known exactly (the k-th smallest of a resample is at most ``x`` when at least k+1 resampled values
    are, a Binomial(n, F(x)) count), and that of the mean is normal with the plug-in variance over n (its
    large-sample limit). Rows: median, p90, mean; columns: low, high."""
    n = int(counts.sum())
    cdf_f = np.cumsum(counts) / n
    a = [(1 - level) / 2, (1 + level) / 2]
    out = []
    for q in (0.5, 0.9):
        k = int(np.floor((n - 1) * q))
        p_le = stats.binom.sf(k, n, cdf_f)  # P(k-th smallest of a resample <= values[j])
        idx = np.searchsorted(p_le, a, side="left")
        out.append(values[np.minimum(idx, values.size - 1)])
    mean = float((counts * values).sum() / n)
    sd = float(np.sqrt((counts * (values - mean) ** 2).sum() / n / n))
    z = stats.norm.ppf(a)
    out.append(np.asarray(mean + z * sd, dtype=np.float64))
    return np.array(out)


#: From this many calls on, ``summarize_counts`` (``auto``) computes the bootstrap bounds exactly instead of drawing.
EXACT_FROM = 1_000


def summarize_counts(
    values: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
    method: str = "auto",
) -> Summary:
    """``summarize`` of a sample given as distinct sorted ``values`` and how often each occurs.

    ``multinomial``: the percentile bootstrap drawn over the distinct values instead of the calls (each resample's
    counts drawn exactly as resampling calls with replacement would), so the cost is ``n_boot`` x distinct values,
    not ``n_boot`` x calls. ``exact``: no drawing at all (``_exact_bounds``: the bootstrap distribution of the median
    and p90 computed exactly, the mean's by its normal limit), for large samples. ``auto`` draws below
    ``EXACT_FROM`` calls and computes above. Point values equal numpy's median, 0.9 quantile (linear) and mean.
    """
    x = np.asarray(values, dtype=np.float64)
    c = np.asarray(counts, dtype=np.int64)
    if x.shape != c.shape or x.ndim != 1:
        raise ValueError("values and counts must be 1-d and the same length")
    if x.size > 1 and np.any(np.diff(x) <= 0):
        raise ValueError("values must be distinct and sorted")
    if np.any(c < 0):
        raise ValueError("counts must not be negative")
    if method not in ("auto", "multinomial", "exact"):
        raise ValueError("method is auto, multinomial or exact")
    n = int(c.sum())
    if n == 0:
        return Summary(0, _NAN, _NAN, _NAN, level)
    point = _count_stats(x, c)
    if method == "exact" or (method == "auto" and n >= EXACT_FROM):
        bounds = _exact_bounds(x, c, level)
        lo, hi = bounds[:, 0], bounds[:, 1]
    else:
        boots = _count_stats(x, rng.multinomial(n, c / n, size=n_boot))
        lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], axis=0)
    est = [Estimate(float(point[i]), float(lo[i]), float(hi[i])) for i in range(3)]
    return Summary(n, est[0], est[1], est[2], level)


def summarize_fast(
    values: npt.ArrayLike, *, rng: np.random.Generator, n_boot: int = 1000, level: float = 0.95
) -> Summary:
    """``summarize``, choosing the cheaper of the two equal bootstraps: resampling calls (few calls) or multinomial
    counts over distinct values (many calls, few distinct values, e.g. intervals in whole seconds)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size < 2000:
        return summarize(v, rng=rng, n_boot=n_boot, level=level)
    x, c = np.unique(v, return_counts=True)
    if x.size * 4 > v.size:
        return summarize(v, rng=rng, n_boot=n_boot, level=level)
    return summarize_counts(x, c, rng=rng, n_boot=n_boot, level=level)
