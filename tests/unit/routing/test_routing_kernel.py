"""The routing kernel on a small hand-made graph whose shortest paths are worked out by hand (one-way streets, a
parallel slower edge, a node that reaches the graph but cannot be reached), and on random graphs against an
independent textbook Dijkstra: one search from the destination over the reversed graph gives the same times as one
forward search per origin."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest

from rtcc.routing import kernel

# Node positions (metres):   3 (0,100) --> 4 (100,100)
#                            |             \
#                            0 (0,0) ---- 1 (100,0) ---- 2 (200,0)      5 (500,500) --> 0 only
X = [0.0, 100.0, 200.0, 0.0, 100.0, 500.0]
Y = [0.0, 0.0, 0.0, 100.0, 100.0, 500.0]
SLOW, FAST = 0, 1
SPEEDS = [10.0, 20.0]  # m/s by class
EDGES = [  # src, dst, metres, class
    (0, 1, 100.0, SLOW), (1, 0, 100.0, SLOW),  # 10 s each way
    (1, 2, 100.0, SLOW), (2, 1, 100.0, SLOW),  # 10 s
    (0, 3, 100.0, SLOW), (3, 0, 100.0, SLOW),  # 10 s
    (3, 4, 100.0, FAST),  # one-way, 5 s
    (4, 2, 150.0, FAST),  # one-way, 7.5 s
    (5, 0, 50.0, SLOW),  # one-way, 5 s: 5 reaches everything, nothing reaches 5
    (0, 1, 300.0, SLOW),  # a parallel, slower edge: the fastest one counts
    (2, 2, 10.0, SLOW),  # a self-loop: dropped
]  # fmt: skip
#: Seconds from every node (row) to every node (column), by hand. inf: no path.
INF = math.inf
EXPECTED = np.array(
    [
        [0.0, 10.0, 20.0, 10.0, 15.0, INF],
        [10.0, 0.0, 10.0, 20.0, 25.0, INF],
        [20.0, 10.0, 0.0, 30.0, 35.0, INF],
        [10.0, 20.0, 12.5, 0.0, 5.0, INF],
        [27.5, 17.5, 7.5, 37.5, 0.0, INF],
        [5.0, 15.0, 25.0, 15.0, 20.0, 0.0],
    ]
)


def _graph() -> kernel.Graph:
    s, d, length, c = zip(*EDGES, strict=True)
    return kernel.build_graph(X, Y, s, d, length, c)


def _router(**kw: object) -> kernel.Router:
    args: dict[str, object] = {"access_speed_mps": 1.0, "max_snap_m": 50.0}
    args.update(kw)
    return kernel.make_router(_graph(), SPEEDS, **args)  # type: ignore[arg-type]


def test_one_search_from_the_destination_gives_every_origins_time() -> None:
    r = _router()
    for target in range(6):
        got = kernel.times_from_all(r, target)
        np.testing.assert_allclose(got, EXPECTED[:, target])


def test_one_to_one_follows_one_way_streets_and_reports_no_path_as_inf() -> None:
    r = _router()
    assert kernel.one_to_one(r, 3, 2) == pytest.approx(12.5)  # 3 -> 4 -> 2, the one-way shortcut
    assert kernel.one_to_one(r, 2, 3) == pytest.approx(30.0)  # back the long way: 2 -> 1 -> 0 -> 3
    assert kernel.one_to_one(r, 0, 1) == pytest.approx(10.0)  # the parallel 300 m edge does not count
    assert kernel.one_to_one(r, 2, 5) == math.inf  # nothing reaches 5
    assert kernel.one_to_one(r, 5, 2) == pytest.approx(25.0)
    assert kernel.one_to_one(r, 4, 4) == 0.0


def test_reversed_search_equals_forward_searches() -> None:
    r = _router()
    for target in range(6):
        reversed_times = kernel.times_from_all(r, target)
        forward = [kernel.one_to_one(r, source, target) for source in range(6)]
        np.testing.assert_allclose(reversed_times, forward)


def test_path_reconstruction() -> None:
    r = _router()
    p = kernel.path(r, 3, 2)
    assert p is not None and p.nodes.tolist() == [3, 4, 2] and p.seconds == pytest.approx(12.5)
    p = kernel.path(r, 4, 3)
    assert p is not None and p.nodes.tolist() == [4, 2, 1, 0, 3] and p.seconds == pytest.approx(37.5)
    same = kernel.path(r, 1, 1)
    assert same is not None and same.nodes.tolist() == [1] and same.seconds == 0.0
    assert kernel.path(r, 0, 5) is None


def test_points_snap_to_the_largest_strong_component_within_the_limit() -> None:
    r = _router(max_snap_m=1000.0)
    assert sorted(r.snap_nodes.tolist()) == [0, 1, 2, 3, 4]  # 5 cannot be reached: nobody snaps to it
    s = kernel.snap(r, [499.0, 101.0, 5000.0], [499.0, 1.0, 0.0])
    assert s.node.tolist() == [4, 1, -1] and s.ok.tolist() == [True, True, False]
    assert s.distance_m[0] == pytest.approx(math.hypot(399.0, 399.0))
    everywhere = _router(snap_mask=np.ones(6, dtype=bool))
    assert kernel.snap(everywhere, 499.0, 499.0).node.tolist() == [5]


def test_etas_add_the_snap_legs_at_the_access_speed() -> None:
    r = _router()  # access 1 m/s, snapping within 50 m
    # destination 5 m east of node 2; origins 3 m from node 0, 4 m from node 4, and one far away
    etas = kernel.etas_to(r, 205.0, 0.0, [0.0, 100.0, 9999.0], [-3.0, 104.0, 9999.0])
    assert etas.target_ok
    assert etas.origin_ok.tolist() == [True, True, False]
    np.testing.assert_allclose(etas.seconds[:2], [20.0 + 3.0 + 5.0, 7.5 + 4.0 + 5.0])
    assert math.isnan(etas.seconds[2])
    baseline = kernel.etas_one_by_one(r, 205.0, 0.0, [0.0, 100.0, 9999.0], [-3.0, 104.0, 9999.0])
    np.testing.assert_allclose(baseline, etas.seconds)  # nan in the same place
    far = kernel.etas_to(r, 9999.0, 0.0, [0.0], [0.0])
    assert not far.target_ok and math.isnan(far.seconds[0])


def test_the_speed_table_decides_the_fastest_path() -> None:
    r = kernel.make_router(_graph(), [10.0, 2.0], access_speed_mps=1.0, max_snap_m=50.0)  # the "fast" roads crawl
    assert kernel.one_to_one(r, 3, 2) == pytest.approx(30.0)  # 3 -> 0 -> 1 -> 2 now beats 3 -> 4 -> 2 (125 s)
    faster = kernel.reweigh(r, [20.0, 40.0])
    assert kernel.one_to_one(faster, 3, 2) == pytest.approx(100 / 40 + 150 / 40)


def test_a_long_edge_beyond_the_first_radius_is_still_found() -> None:
    # two nodes 10 m apart joined only by a 100 km detour: the growing search must not give up early
    g = kernel.build_graph([0.0, 10.0, 50_000.0], [0.0, 0.0, 0.0], [0, 2], [2, 1], [50_000.0, 50_000.0], [0, 0])
    r = kernel.make_router(g, [10.0], access_speed_mps=1.0, max_snap_m=10.0, snap_mask=np.ones(3, dtype=bool))
    assert kernel.one_to_one(r, 0, 1) == pytest.approx(10_000.0)


def test_bad_graphs_are_refused() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        kernel.build_graph([0.0], [0.0], [0], [1], [1.0], [0])
    with pytest.raises(ValueError, match="lengths"):
        kernel.build_graph([0.0, 1.0], [0.0, 0.0], [0], [1], [-1.0], [0])
    with pytest.raises(ValueError, match="no speed"):
        kernel.weigh(_graph(), [10.0])
    with pytest.raises(ValueError, match="positive"):
        kernel.weigh(_graph(), [10.0, 0.0])


def _textbook(n: int, edges: list[tuple[int, int, float]], source: int) -> list[float]:
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in edges:
        adj[a].append((b, w))
    dist = [math.inf] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u]:
            if d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return dist


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graphs_agree_with_a_textbook_dijkstra(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    src, dst, length, cls = [], [], [], []
    for _ in range(150):
        a, b = (int(v) for v in rng.integers(n, size=2))
        metres = float(math.hypot(x[a] - x[b], y[a] - y[b])) * float(rng.uniform(1.0, 1.5))
        c = int(rng.integers(2))
        src.append(a), dst.append(b), length.append(metres), cls.append(c)
        if rng.random() < 0.7:  # 30 % one-way
            src.append(b), dst.append(a), length.append(metres), cls.append(c)
    g = kernel.build_graph(x, y, src, dst, length, cls)
    r = kernel.make_router(g, [8.0, 15.0], access_speed_mps=2.0, max_snap_m=1e9, snap_mask=np.ones(n, dtype=bool))
    seconds = [
        (s, d, max(m / (8.0, 15.0)[c], kernel.MIN_EDGE_S)) for s, d, m, c in zip(src, dst, length, cls, strict=True)
    ]
    for target in rng.integers(n, size=5).tolist():
        reversed_times = kernel.times_from_all(r, target)
        for source in range(n):
            want = _textbook(n, [(a, b, w) for a, b, w in seconds if a != b], source)[target]
            assert reversed_times[source] == pytest.approx(want)
            assert kernel.one_to_one(r, source, target) == pytest.approx(want)
