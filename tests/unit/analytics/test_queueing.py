"""Erlang B/C and Larson's hypercube model against closed forms and a hand-solved two-unit chain."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.analytics.kernels.queueing import erlang_b, erlang_c, hypercube


def test_erlang_c_reference_values() -> None:
    two = erlang_c(2, arrival_rate=1.0, service_rate=1.0)  # M/M/2 at rho 0.5: Erlang B 0.2, P(wait) 1/3
    assert two.erlang_b == pytest.approx(0.2)
    assert two.p_wait == pytest.approx(1 / 3)
    assert two.mean_wait == pytest.approx(1 / 3)
    one = erlang_c(1, arrival_rate=0.8, service_rate=1.0)  # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    assert one.p_wait == pytest.approx(0.8) and one.mean_wait == pytest.approx(4.0)
    assert erlang_b(10, 5.0) == pytest.approx(0.018384, abs=1e-6)  # the classic table's value
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(2, arrival_rate=2.0, service_rate=1.0)


def test_two_unit_hypercube_matches_the_hand_solved_chain() -> None:
    # atom A (rate 1) prefers unit 0 then 1; atom B (rate 2) prefers unit 1 then 0; service rate 1; calls lost when
    # both are busy. Balance equations solved by hand: pi = (1, 1.375, 1.625, 4.5) / 8.5 over states 00, 01, 10, 11.
    h = hypercube([1.0, 2.0], [[0, 1], [1, 0]], [1.0, 1.0])
    assert h.workload == pytest.approx((5.875 / 8.5, 6.125 / 8.5))
    assert h.lost == pytest.approx(4.5 / 8.5)
    assert h.answers[0] == pytest.approx([2.625 / 8.5, 1.375 / 8.5])
    assert h.answers[1, 0] == pytest.approx(1.625 / 8.5)  # B goes to unit 0 only when unit 1 is busy: state 10
    assert h.answers[1, 1] == pytest.approx((1 + 1.375) / 8.5)  # unit 1 free: states 00 and 01
    throughput = sum(h.workload)  # service rate 1
    assert throughput == pytest.approx(3.0 * (1 - h.lost))


@pytest.mark.parametrize(("c", "load"), [(1, 0.5), (3, 2.0), (5, 4.2), (8, 5.0)])
def test_identical_units_reduce_to_erlang(c: int, load: float) -> None:
    rng = np.random.default_rng(c)
    atoms = 4
    rates = rng.dirichlet(np.ones(atoms)) * load  # any split of the load over atoms, any preferences
    prefs = [list(rng.permutation(c)) for _ in range(atoms)]
    loss = hypercube(rates, prefs, [1.0] * c)
    assert loss.lost == pytest.approx(erlang_b(c, load), rel=1e-9)
    assert sum(loss.workload) == pytest.approx(load * (1 - erlang_b(c, load)), rel=1e-9)
    queued = hypercube(rates, prefs, [1.0] * c, queue=True)
    ec = erlang_c(c, arrival_rate=load, service_rate=1.0)
    assert queued.p_all_busy == pytest.approx(ec.p_wait, rel=1e-6)
    assert sum(queued.workload) == pytest.approx(load, rel=1e-6)
    assert queued.mean_queue == pytest.approx(ec.mean_wait * load, rel=1e-6)  # Little: Lq = lambda * Wq
    assert queued.answers.sum(axis=1) == pytest.approx(np.ones(atoms))


def test_bad_models_are_refused() -> None:
    with pytest.raises(ValueError, match="preference"):
        hypercube([1.0], [[0, 0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="unstable"):
        hypercube([3.0], [[0, 1]], [1.0, 1.0], queue=True)
