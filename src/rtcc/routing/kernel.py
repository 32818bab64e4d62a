"""Shortest-path kernel of the routing domain: pure numpy/scipy, arrays in, frozen dataclasses out.

A ``Graph`` is a directed road graph: node positions in projected metres (the caller projects WGS84 to a local plane)
and one row per directed edge with its length and road-class code. ``weigh`` turns it into travel times (seconds)
for a table of speeds per class: a CSR matrix and its transpose. A ``Router`` adds a k-d tree over the nodes a point
may snap to (by default the largest strongly connected component, so that a unit is never stranded on a dead-end
fragment at the edge of an extract) and the slow access speed of the leg between a point and its node.

Queries:
- ``etas_to``: every origin's travel time to one destination with ONE Dijkstra from the destination over the
  reversed (transposed) graph, snapping included;
- ``one_to_one``: one origin to one destination, a Dijkstra from the origin whose radius grows (doubling from a
  straight-line lower bound) until the destination is settled: the baseline ``etas_to`` is measured against;
- ``path``: the same search with predecessors, for directions (node sequence and seconds).
Unreachable is ``inf`` (seconds); an origin too far from the network is ``nan`` and flagged, so the caller can fall
back to a straight-line estimate. This module imports nothing of rtcc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Smallest edge time in seconds: scipy's csgraph would read an explicit 0 as "no edge" after some conversions, and
#: two OSM nodes at the same position give a zero-length edge.
MIN_EDGE_S = 1e-3
#: The growing one-to-one search starts at least this wide (seconds), so near pairs do not take many rounds.
MIN_RADIUS_S = 30.0


@dataclass(frozen=True)
class Graph:
    """A directed road graph: ``n`` nodes at (x, y) metres; edge i runs src[i] -> dst[i], length_m[i] long, of road
    class ``road_class[i]`` (an index into the caller's class table)."""

    x: FloatArray
    y: FloatArray
    src: IntArray
    dst: IntArray
    length_m: FloatArray
    road_class: IntArray

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.x.shape[0])

    @property
    def m(self) -> int:
        """Number of directed edges."""
        return int(self.src.shape[0])


def build_graph(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    src: npt.ArrayLike,
    dst: npt.ArrayLike,
    length_m: npt.ArrayLike,
    road_class: npt.ArrayLike,
) -> Graph:
    """Check and pack the arrays of a graph; self-loops are dropped (they never shorten a path)."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    s, d = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    length, cls = np.asarray(length_m, dtype=np.float64), np.asarray(road_class, dtype=np.int64)
    n = xs.shape[0]
    if ys.shape != (n,):
        raise ValueError("x and y must have the same length")
    if not (s.shape == d.shape == length.shape == cls.shape) or s.ndim != 1:
        raise ValueError("src, dst, length_m and road_class must be 1-D and of one length")
    if n == 0:
        raise ValueError("a graph needs at least one node")
    if s.size and (min(int(s.min()), int(d.min())) < 0 or max(int(s.max()), int(d.max())) >= n):
        raise ValueError("an edge names a node that does not exist")
    if s.size and (not np.all(np.isfinite(length)) or float(length.min()) < 0):
        raise ValueError("edge lengths must be finite and not negative")
    if s.size and int(cls.min()) < 0:
        raise ValueError("road classes are indices into a table (not negative)")
    keep = s != d
    return Graph(xs, ys, s[keep], d[keep], length[keep], cls[keep])


@dataclass(frozen=True)
class Weighted:
    """Travel times in seconds: ``forward[i, j]`` is the edge i -> j, ``reverse`` its transpose (edges reversed).
    Parallel edges keep the fastest. ``max_speed_mps`` is the fastest edge's speed (for lower bounds)."""

    forward: sparse.csr_matrix
    reverse: sparse.csr_matrix
    row_of_entry: IntArray  # the source row of each stored entry of ``forward`` (exhaustion check)
    max_speed_mps: float


def weigh(graph: Graph, speed_mps: npt.ArrayLike) -> Weighted:
    """Edge times for a speed per road class (m/s): CSR forward and reversed, parallel edges reduced to the fastest."""
    speeds = np.asarray(speed_mps, dtype=np.float64)
    if graph.m and int(graph.road_class.max()) >= speeds.shape[0]:
        raise ValueError("an edge's road class has no speed")
    if graph.m and float(speeds[np.unique(graph.road_class)].min()) <= 0:
        raise ValueError("speeds must be positive")
    seconds = np.maximum(graph.length_m / speeds[graph.road_class], MIN_EDGE_S) if graph.m else np.zeros(0)
    order = np.lexsort((seconds, graph.dst, graph.src))
    s, d, t = graph.src[order], graph.dst[order], seconds[order]
    first = np.ones(s.shape[0], dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    s, d, t = s[first], d[first], t[first]
    n = graph.n
    forward = sparse.csr_matrix((t, (s, d)), shape=(n, n))
    reverse = sparse.csr_matrix((t, (d, s)), shape=(n, n))
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(forward.indptr))
    fastest = float(np.max(graph.length_m / np.maximum(seconds, MIN_EDGE_S))) if graph.m else 1.0
    return Weighted(forward, reverse, rows, max(fastest, 1e-6))


def largest_strong_component(graph: Graph) -> BoolArray:
    """Mask of the nodes in the largest strongly connected component (every node in it reaches every other)."""
    if graph.m == 0:
        mask = np.zeros(graph.n, dtype=bool)
        mask[0] = True
        return mask
    topo = sparse.csr_matrix((np.ones(graph.m), (graph.src, graph.dst)), shape=(graph.n, graph.n))
    _count, labels = connected_components(topo, directed=True, connection="strong")
    biggest = int(np.bincount(labels).argmax())
    return np.asarray(labels == biggest, dtype=bool)


@dataclass(frozen=True)
class Router:
    """A weighted graph ready for queries: the snapping tree over ``snap_nodes`` and the access leg's speed."""

    graph: Graph
    weighted: Weighted
    tree: cKDTree
    snap_nodes: IntArray
    access_speed_mps: float
    max_snap_m: float


def make_router(
    graph: Graph,
    speed_mps: npt.ArrayLike,
    *,
    access_speed_mps: float,
    max_snap_m: float,
    snap_mask: BoolArray | None = None,
) -> Router:
    """A Router over ``graph``; points snap to the nodes of ``snap_mask`` (default: the largest strong component)."""
    if access_speed_mps <= 0 or max_snap_m <= 0:
        raise ValueError("access speed and snapping distance must be positive")
    mask = largest_strong_component(graph) if snap_mask is None else np.asarray(snap_mask, dtype=bool)
    nodes = np.flatnonzero(mask).astype(np.int64)
    if nodes.size == 0:
        raise ValueError("no node to snap to")
    tree = cKDTree(np.column_stack([graph.x[nodes], graph.y[nodes]]))
    return Router(graph, weigh(graph, speed_mps), tree, nodes, float(access_speed_mps), float(max_snap_m))


def reweigh(router: Router, speed_mps: npt.ArrayLike) -> Router:
    """The same router (graph, snapping tree) with another speed table, e.g. the Emergent one."""
    return replace(router, weighted=weigh(router.graph, speed_mps))


@dataclass(frozen=True)
class Snapped:
    """Each point's node (-1 when farther than ``max_snap_m``), the distance to it in metres, and ``ok``."""

    node: IntArray
    distance_m: FloatArray
    ok: BoolArray


def snap(router: Router, x: npt.ArrayLike, y: npt.ArrayLike) -> Snapped:
    """The nearest snappable node of each point (projected metres)."""
    xs, ys = np.atleast_1d(np.asarray(x, dtype=np.float64)), np.atleast_1d(np.asarray(y, dtype=np.float64))
    dist, idx = router.tree.query(np.column_stack([xs, ys]))
    dist = np.asarray(dist, dtype=np.float64)
    ok = np.asarray(dist <= router.max_snap_m, dtype=bool)
    node = np.where(ok, router.snap_nodes[np.asarray(idx, dtype=np.int64)], -1).astype(np.int64)
    return Snapped(node, dist, ok)


def times_from_all(router: Router, target: int) -> FloatArray:
    """Network seconds from every node to ``target``: one Dijkstra from it over the reversed graph (inf: no path)."""
    dist = dijkstra(router.weighted.reverse, directed=True, indices=np.asarray([target], dtype=np.int64))
    return np.asarray(dist[0], dtype=np.float64)


@dataclass(frozen=True)
class Etas:
    """Seconds from each origin to the destination, snap legs included: ``inf`` when the network has no path,
    ``nan`` where ``origin_ok`` is False (too far from the network). ``target_ok`` False: the destination is too far
    from the network and every time is ``nan``."""

    seconds: FloatArray
    origin_ok: BoolArray
    target_ok: bool


def etas_to(router: Router, to_x: float, to_y: float, from_x: npt.ArrayLike, from_y: npt.ArrayLike) -> Etas:
    """Every origin's travel time to the destination with one search from the destination over the reversed graph."""
    fx = np.atleast_1d(np.asarray(from_x, dtype=np.float64))
    fy = np.atleast_1d(np.asarray(from_y, dtype=np.float64))
    dest = snap(router, to_x, to_y)
    origins = snap(router, fx, fy)
    out = np.full(fx.shape[0], np.nan)
    if not bool(dest.ok[0]):
        return Etas(out, origins.ok, False)
    network = times_from_all(router, int(dest.node[0]))
    legs = (origins.distance_m + float(dest.distance_m[0])) / router.access_speed_mps
    ok = origins.ok
    out[ok] = network[origins.node[ok]] + legs[ok]
    return Etas(out, ok, True)


def _grow(router: Router, source: int, target: int, *, predecessors: bool) -> tuple[FloatArray, IntArray | None]:
    """Dijkstra from ``source`` with a radius that doubles from a straight-line lower bound until ``target`` is
    settled or the search has reached everything it can; returns distances (and predecessors)."""
    g, w = router.graph, router.weighted
    if source == target:
        dist = np.full(g.n, np.inf)
        dist[source] = 0.0
        return dist, (np.full(g.n, -9999, dtype=np.int64) if predecessors else None)
    straight = math.hypot(float(g.x[source] - g.x[target]), float(g.y[source] - g.y[target]))
    radius = max(straight / w.max_speed_mps, MIN_RADIUS_S)
    reached_before = -1
    start = np.asarray([source], dtype=np.int64)
    while True:
        if predecessors:
            found, pred = dijkstra(w.forward, directed=True, indices=start, limit=radius, return_predecessors=True)
            preds: IntArray | None = np.asarray(pred[0], dtype=np.int64)
        else:
            found = dijkstra(w.forward, directed=True, indices=start, limit=radius)
            preds = None
        dist = np.asarray(found[0], dtype=np.float64)
        if np.isfinite(dist[target]):
            return dist, preds
        reached = np.isfinite(dist)
        count = int(reached.sum())
        # Only when the radius grew without reaching a new node can the search be exhausted; check it exactly then
        # (no edge leaves the reached set), which a long edge beyond the radius would otherwise fake.
        if count == reached_before and not np.any(reached[w.row_of_entry] & ~reached[w.forward.indices]):
            return dist, preds
        reached_before = count
        radius *= 2.0


def one_to_one(router: Router, source: int, target: int) -> float:
    """Network seconds from node ``source`` to node ``target`` (inf: no path), stopping once the target is settled."""
    dist, _ = _grow(router, int(source), int(target), predecessors=False)
    return float(dist[int(target)])


def etas_one_by_one(
    router: Router, to_x: float, to_y: float, from_x: npt.ArrayLike, from_y: npt.ArrayLike
) -> FloatArray:
    """The same answer as ``etas_to`` (seconds only), by one ``one_to_one`` search per origin: the baseline."""
    fx = np.atleast_1d(np.asarray(from_x, dtype=np.float64))
    fy = np.atleast_1d(np.asarray(from_y, dtype=np.float64))
    dest = snap(router, to_x, to_y)
    origins = snap(router, fx, fy)
    out = np.full(fx.shape[0], np.nan)
    if not bool(dest.ok[0]):
        return out
    target = int(dest.node[0])
    for i in np.flatnonzero(origins.ok):
        network = one_to_one(router, int(origins.node[i]), target)
        out[i] = network + (float(origins.distance_m[i]) + float(dest.distance_m[0])) / router.access_speed_mps
    return out


@dataclass(frozen=True)
class Path:
    """A shortest path: its nodes in order (first = source) and its network seconds."""

    nodes: IntArray
    seconds: float


def path(router: Router, source: int, target: int) -> Path | None:
    """The fastest path from node ``source`` to node ``target``, or None when there is none."""
    dist, pred = _grow(router, int(source), int(target), predecessors=True)
    if not np.isfinite(dist[int(target)]):
        return None
    assert pred is not None
    nodes = [int(target)]
    while nodes[-1] != int(source):
        nodes.append(int(pred[nodes[-1]]))
    return Path(np.asarray(nodes[::-1], dtype=np.int64), float(dist[int(target)]))
