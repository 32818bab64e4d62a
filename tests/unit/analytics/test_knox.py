"""The Knox test: the Near Repeat Calculator's published two-event tables, brute-force agreement, planted near
repeats found and a random pattern not."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.analytics.kernels.knox import band_edges, knox_table_bruteforce, knox_test


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_nrc_two_event_examples() -> None:
    # Steenbeek's NRC comparison: events at (0, 0) on 2019-01-01 and (0, 100) on 2019-01-04. With 2 bands of 200 m
    # and 2 of 3 days the NRC puts the pair in "1 to 200" x "4 to 6"; with 100 m bands in "101 to 200" x "4 to 6".
    x, y, t = [0.0, 0.0], [0.0, 100.0], [0.0, 3.0]
    r = knox_test(
        x,
        y,
        t,
        spatial_bandwidth=200,
        spatial_bands=2,
        temporal_bandwidth=3,
        temporal_bands=2,
        permutations=9,
        rng=_rng(),
    )
    assert r.row_labels() == ["[0, 1)", "[1, 200)", "[200, 400)", "[400, inf)"]
    assert r.column_labels() == ["[0, 3)", "[3, 6)", "[6, inf)"]
    assert r.observed.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]]
    r = knox_test(
        x,
        y,
        t,
        spatial_bandwidth=100,
        spatial_bands=2,
        temporal_bandwidth=3,
        temporal_bands=2,
        permutations=9,
        rng=_rng(),
    )
    assert r.observed.tolist() == [[0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]]


def test_same_location_and_metric() -> None:
    # (0,0)-(0,0): same location; (0,0)-(60,80): Manhattan 140, Euclidean 100
    x, y, t = [0.0, 0.0, 60.0], [0.0, 0.0, 80.0], [0.0, 0.0, 20.0]
    kw = dict(spatial_bandwidth=100.0, spatial_bands=2, temporal_bandwidth=7.0, temporal_bands=2, permutations=5)
    man = knox_test(x, y, t, rng=_rng(), **kw)  # type: ignore[arg-type]
    euc = knox_test(x, y, t, rng=_rng(), metric="euclidean", **kw)  # type: ignore[arg-type]
    assert man.observed[0].tolist() == [1, 0, 0]
    assert man.observed[2].tolist() == [0, 0, 2]  # two pairs at 140 and 20 days
    assert euc.observed[2].tolist() == [0, 0, 2]  # 100 is the first value of [100, 200)
    assert man.observed.sum() == euc.observed.sum() == 3


def test_table_matches_brute_force_including_the_beyond_bands() -> None:
    rng = _rng(4)
    x, y = rng.uniform(0, 2000, 600).round(), rng.uniform(0, 2000, 600).round()
    t = rng.integers(0, 120, 600).astype(float)
    for metric in ("manhattan", "euclidean"):
        r = knox_test(
            x,
            y,
            t,
            spatial_bandwidth=100,
            spatial_bands=4,
            temporal_bandwidth=7,
            temporal_bands=3,
            permutations=3,
            rng=rng,
            metric=metric,
        )
        d, w = band_edges(100, 4, 7, 3, 1.0)
        ref = knox_table_bruteforce(x, y, t, distance_edges=d, time_edges=w, metric=metric)
        assert np.array_equal(r.observed, ref)
        assert r.observed.sum() == 600 * 599 // 2


def test_planted_near_repeats_are_significant() -> None:
    rng = _rng(9)
    n = 1500
    x, y, t = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n), rng.integers(0, 365, n).astype(float)
    # 400 near repeats: within 80 m (Euclidean) and 1-6 days after an earlier event
    src = rng.integers(0, n, 400)
    ang, rad = rng.uniform(0, 2 * np.pi, 400), rng.uniform(0, 80, 400)
    x = np.concatenate([x, x[src] + rad * np.cos(ang)])
    y = np.concatenate([y, y[src] + rad * np.sin(ang)])
    t = np.concatenate([t, t[src] + rng.integers(1, 7, 400)])
    r = knox_test(
        x,
        y,
        t,
        spatial_bandwidth=200,
        spatial_bands=3,
        temporal_bandwidth=7,
        temporal_bands=3,
        permutations=99,
        rng=_rng(1),
        metric="euclidean",
    )
    # chance gives about 1.8M pairs x 0.005 (within 200 m) x 0.036 (within 7 days) = 320 pairs; 400 are planted
    assert r.ratio[1, 0] > 1.8
    assert r.p_value[1, 0] == pytest.approx(0.01)  # no permutation reached it: (0 + 1) / (99 + 1)
    assert r.ratio[3, 0] < 1.3  # far apart: no excess


def test_random_pattern_shows_no_near_repeats() -> None:
    rng = _rng(10)
    n = 2000
    x, y, t = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n), rng.integers(0, 365, n).astype(float)
    r = knox_test(
        x,
        y,
        t,
        spatial_bandwidth=200,
        spatial_bands=3,
        temporal_bandwidth=7,
        temporal_bands=3,
        permutations=99,
        rng=_rng(2),
        metric="euclidean",
    )
    assert 0.7 < r.ratio[1, 0] < 1.3
    assert (r.p_value[1:4, :3] > 0.01).all()
    assert np.allclose(r.expected.sum(), r.observed.sum())  # permutations move pairs between cells, never lose them


def test_bad_bands_are_refused() -> None:
    with pytest.raises(ValueError):
        band_edges(100, 0, 7, 1, 1.0)
    with pytest.raises(ValueError):
        band_edges(100, 2, 7, 1, 150.0)
