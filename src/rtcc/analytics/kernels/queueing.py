"""Queueing theory the what-if simulator is checked against: Erlang B and C, and Larson's hypercube model.

* ``erlang_c(c, arrival_rate, service_rate)``: the M/M/c queue (Poisson arrivals, exponential service, ``c``
  identical servers, an unlimited first-come-first-served queue): the probability that a call waits, the mean wait,
  and the servers' utilisation. Computed through the Erlang B recursion, which stays stable for large ``c``.
* ``hypercube(...)``: R. C. Larson, "A hypercube queuing model for facility location and redistricting in urban
  emergency services", Computers & Operations Research 1 (1974). ``n`` distinguishable units; calls arrive from
  "atoms" (areas) as Poisson streams; each atom has a fixed preference order of units and a call goes to the first
  preferred unit that is free. States are the 2**n busy/free vectors of the units; the model solves the continuous-
  time Markov chain's balance equations exactly and returns each unit's workload (the share of time it is busy) and
  the share of each atom's calls each unit answers. Two variants: ``queue=False`` (zero-line: a call that finds every
  unit busy is lost, e.g. handed to a neighbouring agency) and ``queue=True`` (an unlimited FCFS queue: when every
  unit is busy, calls wait and the next free unit takes the oldest; the chain then has one extra state per queue
  length, truncated where its probability is negligible). Service times are exponential with a rate per unit.
  Exact for small ``n`` (it builds a dense 2**n system: n <= 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class ErlangC:
    """M/M/c figures: ``p_wait`` (probability an arriving call waits), ``mean_wait`` (over all calls, in the rates'
    time unit), ``mean_wait_if_waiting``, ``utilisation`` (per server), and ``erlang_b`` (blocking with no queue)."""

    c: int
    offered_load: float
    utilisation: float
    erlang_b: float
    p_wait: float
    mean_wait: float
    mean_wait_if_waiting: float


def erlang_b(c: int, offered_load: float) -> float:
    """The Erlang B blocking probability of ``c`` servers offered ``offered_load`` erlangs (stable recursion)."""
    if c < 0 or offered_load < 0:
        raise ValueError("servers and load must be non-negative")
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(c: int, arrival_rate: float, service_rate: float) -> ErlangC:
    """M/M/c waiting figures; the queue must be stable (arrival_rate < c * service_rate)."""
    if c < 1 or arrival_rate <= 0 or service_rate <= 0:
        raise ValueError("need c >= 1 and positive rates")
    a = arrival_rate / service_rate
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable: offered load {a:.3f} erlangs on {c} servers")
    b = erlang_b(c, a)
    p_wait = b / (1 - rho * (1 - b))
    wait_if = 1.0 / (c * service_rate - arrival_rate)
    return ErlangC(c, a, rho, b, p_wait, p_wait * wait_if, wait_if)


@dataclass(frozen=True)
class Hypercube:
    """Solution of the hypercube model: ``workload[i]`` (share of time unit i is busy), ``answers[j, i]`` (share of
    atom j's calls unit i answers; a row sums to 1 minus ``lost`` when calls are lost), ``lost`` (share of all calls
    that found every unit busy and were lost; 0 with a queue), ``p_all_busy`` and ``mean_queue``."""

    workload: tuple[float, ...]
    answers: npt.NDArray[np.float64]
    lost: float
    p_all_busy: float
    mean_queue: float


def hypercube(
    arrival_rates: Sequence[float],
    preferences: Sequence[Sequence[int]],
    service_rates: Sequence[float],
    *,
    queue: bool = False,
    tail: float = 1e-12,
) -> Hypercube:
    """Solve the hypercube model (module docstring) for atoms with ``arrival_rates`` and unit ``preferences``
    (each a permutation of the unit indices, most preferred first) and units with ``service_rates``."""
    lam = np.asarray(arrival_rates, dtype=np.float64)
    mu = np.asarray(service_rates, dtype=np.float64)
    n = mu.size
    if not 1 <= n <= 12:
        raise ValueError("the exact hypercube model takes 1 to 12 units")
    if len(preferences) != lam.size or any(sorted(p) != list(range(n)) for p in preferences):
        raise ValueError("every atom needs a preference order that lists each unit once")
    if (lam < 0).any() or (mu <= 0).any():
        raise ValueError("arrival rates must be non-negative and service rates positive")
    full = (1 << n) - 1
    total = float(lam.sum())
    # queue states: full + k waiting calls, k = 1..K; with identical unit rates the departure rate there is sum(mu)
    k_max = 0
    if queue:
        drain = float(mu.sum())
        if total >= drain:
            raise ValueError("unstable: arrivals exceed the units' combined service rate")
        r = total / drain
        k_max = max(1, int(np.ceil(np.log(tail) / np.log(r)))) if r > 0 else 1
    size = (1 << n) + k_max
    q = np.zeros((size, size))
    dispatch_to = np.full((1 << n, lam.size), -1, dtype=np.int64)
    for s in range(1 << n):
        for j, pref in enumerate(preferences):
            for unit in pref:
                if not s >> unit & 1:
                    dispatch_to[s, j] = unit
                    q[s, s | 1 << unit] += lam[j]
                    break
        for unit in range(n):
            if s >> unit & 1:
                q[s, s & ~(1 << unit)] += mu[unit]
    if queue:
        q[full, (1 << n)] += total  # every unit busy: the call waits
        for k in range(1, k_max + 1):
            state = (1 << n) + k - 1
            below = full if k == 1 else state - 1
            q[state, below] += float(mu.sum())  # any unit finishing takes the oldest waiting call
            if k < k_max:
                q[state, state + 1] += total
    np.fill_diagonal(q, -q.sum(axis=1))
    # solve pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation
    a = q.T.copy()
    a[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    pi = np.linalg.solve(a, rhs)
    cube = pi[: 1 << n]
    waiting = pi[1 << n :]
    busy = np.array([[s >> i & 1 for i in range(n)] for s in range(1 << n)], dtype=np.float64)
    workload = busy.T @ cube + (waiting.sum() if queue else 0.0)
    answers = np.zeros((lam.size, n))
    for s in range(1 << n):
        for j in range(lam.size):
            if dispatch_to[s, j] >= 0:
                answers[j, dispatch_to[s, j]] += cube[s]
    p_all_busy = float(cube[full] + waiting.sum())
    if queue:
        # a call that waits goes to whichever unit frees first: in proportion to the units' service rates
        answers += np.outer(np.full(lam.size, p_all_busy), mu / mu.sum())
    mean_queue = float(np.arange(1, k_max + 1) @ waiting) if queue else 0.0
    lost = 0.0 if queue else float(cube[full])
    return Hypercube(tuple(float(w) for w in workload), answers, lost, p_all_busy, mean_queue)
