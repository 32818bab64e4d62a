"""The discrete-event engine against queueing theory (Erlang C, Larson's hypercube) and its dispatch rules."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import pytest

from rtcc.analytics.kernels.queueing import erlang_c, hypercube
from rtcc.analytics.kernels.simulation import simulate


def _batch_se(x: np.ndarray, batches: int = 20) -> float:
    """Standard error of the mean of an autocorrelated series by batch means (20 consecutive batches)."""
    m = x[: x.size // batches * batches].reshape(batches, -1).mean(axis=1)
    return float(m.std(ddof=1) / np.sqrt(batches))


@pytest.mark.slow
@pytest.mark.parametrize("c", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mmc_reproduces_erlang_c(c: int, rho: float) -> None:
    """P(wait) and the mean wait agree with Erlang C within 2 %, or, where 250,000 calls cannot estimate them that
    precisely (many servers at low load: waits are rare and come in bursts), within three standard errors of the
    run's own batch-means estimate. The engine's waits equal the FCFS recursion's exactly (next test)."""
    rng = np.random.default_rng(1000 * c + int(rho * 100))
    lam, n = rho * c, 250_000
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    res = simulate(arrivals, rng.exponential(1.0, n), units=c)
    wait = res.dispatched - arrivals
    theory = erlang_c(c, arrival_rate=lam, service_rate=1.0)
    waited = (wait > 0).astype(np.float64)
    assert abs(waited.mean() - theory.p_wait) <= max(0.02 * theory.p_wait, 3 * _batch_se(waited))
    assert abs(wait.mean() - theory.mean_wait) <= max(0.02 * theory.mean_wait, 3 * _batch_se(wait))
    assert res.utilisation.mean() == pytest.approx(rho, rel=0.02)


def test_waits_equal_the_fcfs_recursion() -> None:
    """Kiefer-Wolfowitz: with identical servers and first-come-first-served, each call starts when the earliest of
    the servers' next-free times allows; the engine must give exactly those waits."""
    rng = np.random.default_rng(9)
    n, c = 20_000, 4
    arrivals = np.cumsum(rng.exponential(1 / 3.0, n))
    service = rng.exponential(1.0, n)
    free_at = [0.0] * c
    expected = np.empty(n)
    for i in range(n):
        start = max(heapq.heappop(free_at), arrivals[i])
        expected[i] = start - arrivals[i]
        heapq.heappush(free_at, start + service[i])
    res = simulate(arrivals, service, units=c)
    assert np.allclose(res.dispatched - arrivals, expected)


def test_hypercube_workloads_are_reproduced() -> None:
    rng = np.random.default_rng(3)
    rates = np.array([0.5, 0.3, 0.4])  # three atoms, three units, service rate 1
    prefs = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    n = 200_000
    arrivals = np.cumsum(rng.exponential(1 / rates.sum(), n))
    atom = rng.choice(3, size=n, p=rates / rates.sum())

    def by_preference(call: int, free: Sequence[int], _now: float) -> int | None:
        return next((u for u in prefs[atom[call]] if u in free), None)

    res = simulate(arrivals, rng.exponential(1.0, n), units=3, choose=by_preference)
    model = hypercube(rates, prefs, [1.0, 1.0, 1.0], queue=True)
    assert res.utilisation == pytest.approx(np.array(model.workload), rel=0.02)
    share = np.array([[np.mean(res.unit[atom == j] == i) for i in range(3)] for j in range(3)])
    assert share == pytest.approx(model.answers, abs=0.01)


def test_priority_then_age_when_a_unit_frees() -> None:
    # one unit busy until t=10; calls at 1 (rank 2), 2 (rank 0), 3 (rank 0): it takes 2, then 3, then 1
    res = simulate([0.0, 1.0, 2.0, 3.0], [10.0, 1.0, 1.0, 1.0], units=1, priority=[0, 2, 0, 0])
    assert list(res.dispatched) == [0.0, 12.0, 10.0, 11.0]
    assert res.max_queue == 3


def test_travel_turnout_duty_and_eligibility() -> None:
    # unit 0 is off duty until t=100; unit 1 may not take call 1 (say, a guard on a call needing enforcement)
    def only_eligible(call: int, free: Sequence[int], _now: float) -> int | None:
        ok = [u for u in free if not (call == 1 and u == 1)]
        return ok[0] if ok else None

    def travel(unit: int, last: int, call: int) -> float:
        return 30.0 if last == -1 else 5.0  # a unit that already answered a call is nearer

    res = simulate(
        [0.0, 50.0, 60.0],
        [20.0, 20.0, 20.0],
        units=2,
        choose=only_eligible,
        travel=travel,
        turnout_s=10.0,
        on_duty=[[(100.0, 1e9)], [(0.0, 1e9)]],
    )
    assert res.unit.tolist() == [1, 0, 1]
    assert res.dispatched[0] == 0.0 and res.on_scene[0] == 40.0 and res.cleared[0] == 60.0
    assert res.dispatched[1] == 100.0  # waited for unit 0's shift
    assert res.on_scene[1] == 140.0  # unit 0's first call: 10 s turnout + 30 s travel
    assert res.dispatched[2] == 60.0 and res.on_scene[2] == 75.0  # unit 1 freed at 60, now 5 s away
    assert res.answered.tolist() == [1, 2]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="sorted"):
        simulate([2.0, 1.0], [1.0, 1.0], units=1)
    with pytest.raises(ValueError, match="service time"):
        simulate([1.0], [1.0, 2.0], units=1)
