"""The Knox test for near repeats: pairs of events close in space and in time, against Monte Carlo permutations.

Conventions, chosen so that the tables match the Near Repeat Calculator (NRC, Ratcliffe 2009) cell for cell. The NRC
labels its bands "same location", "1 to 100", "101 to 200", ... and "0 to 7", "8 to 14", ... days, but computes on
left-closed, right-open intervals (Steenbeek's comparison of the R package NearRepeat with the NRC, reproducing its
published two-event examples); we compute exactly what it computes and label the intervals as they are:

- distance: Manhattan (``|dx| + |dy|``, the NRC's street-grid option) by default, or Euclidean; in the coordinates'
  unit (metres or feet: project first);
- "same location": distance < ``same_location`` (default 1 unit: the NRC's "same location" is distance 0 in whole
  units, i.e. [0, 1));
- spatial band k (k = 1..n): [max(1, (k-1)·b), k·b) where b is the spatial bandwidth; a last row holds everything at
  n·b or more ("more than");
- time: |t_i - t_j| in days, band j (j = 0..m-1) = [j·w, (j+1)·w), a last column for m·w or more; give whole days
  (dates) to match the NRC, which works on dates;
- each unordered pair of distinct events counts once;
- expected: the mean of the table over ``permutations`` random permutations of the event times among the events
  (locations fixed), drawn with the injected generator; Knox ratio = observed / expected (NaN where expected is 0);
- p-value of a cell: (number of permutations whose count is >= the observed count + 1) / (permutations + 1), so 99
  permutations give p >= 0.01.

Speed: only pairs within n·b can fall in a spatial band, found once with a KD-tree (``cKDTree.query_pairs``); each
permutation re-bins those pairs' time differences. The "more than" row needs every pair's time difference, but the
multiset of all pairwise time differences does not change when times are permuted, so it is counted once (sorted
times, binary search) and the row is that total minus the rows within n·b.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from rtcc.analytics.kernels.grid import FloatArray

IntTable = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class KnoxResult:
    """Observed pairs per (distance band, time band), with the permutation expectation, Knox ratio and p-value.

    Rows: same location, the n spatial bands, more than n·b. Columns: the m time bands, more than m·w.
    """

    distance_edges: tuple[float, ...]
    time_edges: tuple[float, ...]
    metric: str
    observed: IntTable
    expected: FloatArray
    ratio: FloatArray
    p_value: FloatArray
    permutations: int
    pairs_within: int

    def row_labels(self) -> list[str]:
        """Interval labels of the rows, e.g. ``[0, 1)``, ``[1, 100)``, ``[300, inf)``."""
        e = self.distance_edges
        return [f"[{_num(a)}, {_num(b)})" for a, b in itertools.pairwise(e)] + [f"[{_num(e[-1])}, inf)"]

    def column_labels(self) -> list[str]:
        """Interval labels of the columns in days."""
        e = self.time_edges
        return [f"[{_num(a)}, {_num(b)})" for a, b in itertools.pairwise(e)] + [f"[{_num(e[-1])}, inf)"]


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def band_edges(
    spatial_bandwidth: float, spatial_bands: int, temporal_bandwidth: float, temporal_bands: int, same_location: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The NRC's band edges: distance [0, s, max(s, b), 2b, ..., nb] and time [0, w, ..., mw]."""
    if spatial_bandwidth <= 0 or temporal_bandwidth <= 0 or spatial_bands < 1 or temporal_bands < 1:
        raise ValueError("bandwidths must be positive and band counts at least 1")
    if not 0 < same_location < spatial_bandwidth:
        raise ValueError("same_location must lie between 0 and the spatial bandwidth")
    d = (0.0, same_location, *(k * spatial_bandwidth for k in range(1, spatial_bands + 1)))
    t = tuple(j * temporal_bandwidth for j in range(temporal_bands + 1))
    return d, t


def _time_band(dt: npt.NDArray[np.float64], w: float, m: int) -> npt.NDArray[np.int64]:
    return np.minimum(np.floor(dt / w), m).astype(np.int64)


def _all_pairs_time_counts(times: FloatArray, time_edges: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """Pairs of distinct events per time band (last: beyond), over all n(n-1)/2 pairs."""
    t = np.sort(times)
    n = t.size
    idx = np.arange(n)
    below = [0]
    for edge in time_edges[1:]:
        below.append(int((np.searchsorted(t, t + edge, side="left") - idx - 1).sum()))
    total = n * (n - 1) // 2
    cum = np.array([*below, total], dtype=np.int64)
    return np.diff(cum)


def knox_test(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    *,
    spatial_bandwidth: float,
    spatial_bands: int,
    temporal_bandwidth: float,
    temporal_bands: int,
    permutations: int = 99,
    rng: np.random.Generator,
    metric: str = "manhattan",
    same_location: float = 1.0,
) -> KnoxResult:
    """The Knox table of events at (x, y) and times t (days), with Monte Carlo significance (see the module)."""
    xa, ya, ta = (np.asarray(v, dtype=np.float64) for v in (x, y, t))
    if not (xa.shape == ya.shape == ta.shape) or xa.ndim != 1:
        raise ValueError("x, y and t must be 1-D arrays of the same length")
    if metric not in ("manhattan", "euclidean"):
        raise ValueError("metric is manhattan or euclidean")
    if permutations < 1:
        raise ValueError("at least one permutation is needed")
    d_edges, t_edges = band_edges(spatial_bandwidth, spatial_bands, temporal_bandwidth, temporal_bands, same_location)
    n_rows, n_cols = len(d_edges), temporal_bands + 1  # rows: same location, n bands, beyond
    max_d = d_edges[-1]
    p = 1.0 if metric == "manhattan" else 2.0
    pts = np.column_stack([xa, ya])
    pairs = cKDTree(pts).query_pairs(r=max_d, p=p, output_type="ndarray").astype(np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    diff = pts[i] - pts[j]
    dist = np.abs(diff).sum(axis=1) if metric == "manhattan" else np.hypot(diff[:, 0], diff[:, 1])
    keep = dist < max_d  # the tree's search is inclusive; the last band is not
    i, j, dist = i[keep], j[keep], dist[keep]
    d_band = (np.searchsorted(np.asarray(d_edges), dist, side="right") - 1).astype(np.int64)
    base = d_band * n_cols
    size = (n_rows - 1) * n_cols  # the rows within max_d
    all_time = _all_pairs_time_counts(ta, t_edges)

    def table(times: FloatArray) -> IntTable:
        within = np.bincount(
            base + _time_band(np.abs(times[i] - times[j]), temporal_bandwidth, temporal_bands), minlength=size
        ).reshape(n_rows - 1, n_cols)
        beyond = all_time - within.sum(axis=0)
        return np.vstack([within, beyond[None, :]]).astype(np.int64)

    observed = table(ta)
    total = np.zeros(observed.shape, dtype=np.float64)
    at_least = np.zeros(observed.shape, dtype=np.int64)
    for _ in range(permutations):
        sim = table(ta[rng.permutation(ta.size)])
        total += sim
        at_least += sim >= observed
    expected = total / permutations
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1.0), math.nan)
    p_value = (at_least + 1) / (permutations + 1)
    return KnoxResult(d_edges, t_edges, metric, observed, expected, ratio, p_value, permutations, int(i.size))


def knox_table_bruteforce(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    *,
    distance_edges: tuple[float, ...],
    time_edges: tuple[float, ...],
    metric: str = "manhattan",
) -> IntTable:
    """The observed table by comparing every pair (O(n^2) memory): the reference for tests and the benchmark."""
    xa, ya, ta = (np.asarray(v, dtype=np.float64) for v in (x, y, t))
    iu, ju = np.triu_indices(xa.size, k=1)
    dx, dy = xa[iu] - xa[ju], ya[iu] - ya[ju]
    dist = np.abs(dx) + np.abs(dy) if metric == "manhattan" else np.hypot(dx, dy)
    dt = np.abs(ta[iu] - ta[ju])
    rows = np.searchsorted(np.asarray(distance_edges), dist, side="right") - 1
    cols = np.searchsorted(np.asarray(time_edges), dt, side="right") - 1
    n_r, n_c = len(distance_edges), len(time_edges)
    return np.bincount(rows * n_c + cols, minlength=n_r * n_c).reshape(n_r, n_c).astype(np.int64)
