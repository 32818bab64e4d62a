"""Response-time intervals, data quality, bootstrap summaries and before/after comparisons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.analytics.kernels import response_times as rt

NAN = float("nan")


def _steps() -> dict[str, list[float]]:
    # call 0: complete; call 1: self-initiated; call 2: en route stamped before dispatch; call 3: never on scene
    return {
        "received": [0.0, 0.0, 0.0, 0.0],
        "queued": [10.0, NAN, 5.0, 5.0],
        "dispatched": [70.0, 0.0, 60.0, 30.0],
        "en_route": [100.0, 0.0, 50.0, 40.0],
        "on_scene": [400.0, 200.0, 300.0, NAN],
        "cleared": [1600.0, 900.0, 900.0, 100.0],
    }


def test_intervals_follow_the_cad_definitions() -> None:
    iv = rt.intervals(_steps(), self_initiated=[False, True, False, False])
    assert iv["processing"][0] == 70 and iv["queue"][0] == 60 and iv["turnout"][0] == 30
    assert iv["travel"][0] == 300 and iv["response"][0] == 400 and iv["on_scene"][0] == 1200
    # self-initiated: no dispatch latency, but travel and time on scene count
    assert all(math.isnan(iv[k][1]) for k in ("processing", "queue", "turnout", "response"))
    assert iv["travel"][1] == 200 and iv["on_scene"][1] == 700
    assert math.isnan(iv["turnout"][2])  # en route before dispatched: out of order, not a negative time
    assert math.isnan(iv["response"][3]) and math.isnan(iv["on_scene"][3])


def test_quality_counts_missing_and_out_of_order_calls() -> None:
    q = rt.quality(_steps())
    assert (q.calls, q.missing, q.out_of_order) == (4, 1, 1)  # call 3 misses on scene; call 2 is out of order
    assert q.score == 0.5
    with pytest.raises(ValueError, match="unknown step"):
        rt.intervals({"arrived": [1.0]})


def test_summary_points_are_the_sample_statistics() -> None:
    v = np.array([1.0, 2.0, 3.0, 4.0, 100.0, NAN])
    s = rt.summarize(v, rng=np.random.default_rng(0), n_boot=200)
    assert s.n == 5 and s.median.value == 3.0 and s.mean.value == 22.0
    assert s.p90.value == pytest.approx(np.quantile(v[:5], 0.9))
    assert s.median.low <= s.median.value <= s.median.high
    assert rt.summarize([NAN], rng=np.random.default_rng(0)).n == 0


def test_bootstrap_interval_of_the_median_covers_about_as_often_as_it_claims() -> None:
    rng = np.random.default_rng(11)
    true_median = 600.0 * math.log(2)  # exponential with mean 600 s
    hits = 0
    for _ in range(200):
        s = rt.summarize(rng.exponential(600.0, size=150), rng=rng, n_boot=400, level=0.9)
        hits += s.median.low <= true_median <= s.median.high
    assert 0.8 <= hits / 200 <= 0.97


def test_before_after_sees_a_halving() -> None:
    rng = np.random.default_rng(5)
    times = np.arange(800, dtype=np.float64)
    values = np.where(times < 400, rng.exponential(900.0, 800), rng.exponential(450.0, 800))
    ch = rt.before_after(values, times, effective=400.0, rng=rng, n_boot=500)
    assert ch.before.n == 400 and ch.after.n == 400
    assert ch.median_ratio.low < 0.5 < ch.median_ratio.high or abs(ch.median_ratio.value - 0.5) < 0.12
    assert ch.median_ratio.high < 1.0  # the improvement is significant
    assert ch.median_diff.high < 0 and ch.mean_diff.high < 0


def test_by_group() -> None:
    out = rt.summarize_by(
        [1.0, 2.0, 10.0, 20.0], ["Priority", "Priority", "Routine", "Routine"], rng=np.random.default_rng(0)
    )
    assert out["Priority"].median.value == 1.5 and out["Routine"].median.value == 15.0


def test_quality_flags_name_each_call() -> None:
    missing, disorder = rt.quality_flags(_steps())
    assert missing.tolist() == [False, False, False, True]
    assert disorder.tolist() == [False, False, True, False]


@pytest.mark.parametrize("n", [1, 2, 7, 10, 1001])
def test_counts_summary_points_equal_numpy(n: int) -> None:
    v = np.random.default_rng(n).integers(0, 50, n).astype(float)
    x, c = np.unique(v, return_counts=True)
    s = rt.summarize_counts(x, c, rng=np.random.default_rng(1), n_boot=50)
    assert s.n == n
    assert s.median.value == pytest.approx(float(np.median(v)))
    assert s.p90.value == pytest.approx(float(np.quantile(v, 0.9)))
    assert s.mean.value == pytest.approx(float(v.mean()))


def test_counts_bootstrap_matches_the_resampling_bootstrap() -> None:
    v = np.random.default_rng(3).gamma(2.0, 150.0, 4000).round()
    x, c = np.unique(v, return_counts=True)
    fast = rt.summarize_counts(x, c, rng=np.random.default_rng(4), n_boot=2000)
    slow = rt.summarize(v, rng=np.random.default_rng(5), n_boot=2000)
    for a, b in ((fast.median, slow.median), (fast.p90, slow.p90), (fast.mean, slow.mean)):
        width = b.high - b.low
        assert abs(a.low - b.low) < 0.25 * width and abs(a.high - b.high) < 0.25 * width
    assert fast.mean.low < v.mean() < fast.mean.high


def test_fast_summary_picks_counts_for_many_calls_and_refuses_bad_counts() -> None:
    v = np.random.default_rng(6).integers(0, 900, 50_000).astype(float)
    s = rt.summarize_fast(np.append(v, NAN), rng=np.random.default_rng(7), n_boot=200)
    assert s.n == 50_000 and s.median.value == pytest.approx(float(np.median(v)))
    assert s.median.low <= s.median.value <= s.median.high
    with pytest.raises(ValueError, match="sorted"):
        rt.summarize_counts([2.0, 1.0], [1, 1], rng=np.random.default_rng(0))
    assert rt.summarize_counts([], [], rng=np.random.default_rng(0)).n == 0


def test_exact_bounds_agree_with_the_drawn_bootstrap() -> None:
    v = np.random.default_rng(8).gamma(2.0, 300.0, 30_000).round()
    x, c = np.unique(v, return_counts=True)
    exact = rt.summarize_counts(x, c, rng=np.random.default_rng(0), method="exact")
    drawn = rt.summarize_counts(x, c, rng=np.random.default_rng(9), n_boot=2000, method="multinomial")
    for a, b in ((exact.median, drawn.median), (exact.p90, drawn.p90), (exact.mean, drawn.mean)):
        assert a.value == b.value
        width = max(b.high - b.low, 2.0)  # whole seconds: a bound may sit one value over
        assert abs(a.low - b.low) <= 0.3 * width and abs(a.high - b.high) <= 0.3 * width
        assert a.low <= a.value <= a.high
