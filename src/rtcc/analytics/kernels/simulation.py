"""A discrete-event simulation of calls for service and the units that answer them (the what-if simulator's engine).

Calls arrive at given times with a priority rank (0 = most urgent) and a service time on scene; units are on duty in
given windows. When a call arrives, the caller's ``choose`` function picks one of the free, on-duty units (or none:
the call waits); when a unit clears a call, the waiting calls are offered to it in priority order, oldest first, and
``choose`` decides again for each until one takes it. The unit's trip is ``turnout + travel(unit, call)`` seconds,
its time on scene the call's service time; it is then free again at the call's place (``travel`` sees where each
unit last was through the call index it reports). Everything the engine does not decide itself (who is eligible,
who is nearest, which rule applies) lives in ``choose`` and ``travel``: the product's adapter passes the same
recommendation function live dispatch uses, the tests pass the plain rules queueing theory assumes.

Output per call: dispatched, on-scene and cleared times (``NaN`` for a call still waiting when the run ends) and the
unit; per unit: busy seconds and calls answered; the time-averaged and largest queue length. Pure: arrays and
callables in, a frozen dataclass out; randomness only through what the caller passes (service times, travel).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

#: ``choose(call, free_units, now) -> unit or None``: ``free_units`` are indices of free, on-duty units (ascending).
Chooser = Callable[[int, Sequence[int], float], "int | None"]
#: ``travel(unit, last_call, call) -> seconds``: ``last_call`` is the call the unit last cleared (-1: none yet).
Travel = Callable[[int, int, int], float]
#: ``service(unit, call) -> seconds`` on scene when a unit's own time differs from the call's (a drone's look).
Service = Callable[[int, int], float]


@dataclass(frozen=True)
class SimResult:
    """Times per call (seconds on the arrivals' clock) and figures per unit; see the module docstring."""

    dispatched: Array
    on_scene: Array
    cleared: Array
    unit: npt.NDArray[np.int64]
    busy_s: Array
    answered: npt.NDArray[np.int64]
    mean_queue: float
    max_queue: int
    events: int
    horizon_s: float

    @property
    def utilisation(self) -> Array:
        """Each unit's busy share of the simulated horizon."""
        return self.busy_s / self.horizon_s if self.horizon_s > 0 else np.zeros_like(self.busy_s)


def first_free(_call: int, free: Sequence[int], _now: float) -> int | None:
    """The plainest rule: the lowest-numbered free unit (identical servers, as in M/M/c)."""
    return free[0] if free else None


def simulate(
    arrivals: npt.ArrayLike,
    service_s: npt.ArrayLike,
    *,
    units: int,
    priority: npt.ArrayLike | None = None,
    choose: Chooser = first_free,
    travel: Travel | None = None,
    turnout_s: float = 0.0,
    on_duty: Sequence[Sequence[tuple[float, float]]] | None = None,
    horizon_s: float | None = None,
    service: Service | None = None,
) -> SimResult:
    """Run the simulation (module docstring). ``arrivals`` must be sorted; ``on_duty[u]`` lists unit u's duty windows
    (start, end) in seconds (None: always on duty); ``horizon_s`` ends the run (default: when every call cleared);
    ``service`` (None: ``service_s``) gives the time on scene of the unit that takes a call."""
    t_arr = np.asarray(arrivals, dtype=np.float64)
    svc = np.asarray(service_s, dtype=np.float64)
    n = t_arr.size
    if svc.shape != (n,):
        raise ValueError("every call needs a service time")
    if n and np.any(np.diff(t_arr) < 0):
        raise ValueError("arrivals must be sorted")
    if units < 1:
        raise ValueError("at least one unit")
    prio = np.zeros(n, dtype=np.int64) if priority is None else np.asarray(priority, dtype=np.int64)
    levels = int(prio.max()) + 1 if n else 1
    windows = [list(w) for w in on_duty] if on_duty is not None else None
    if windows is not None and len(windows) != units:
        raise ValueError("on_duty needs one list of windows per unit")

    dispatched = np.full(n, np.nan)
    on_scene = np.full(n, np.nan)
    cleared = np.full(n, np.nan)
    unit_of = np.full(n, -1, dtype=np.int64)
    busy_s = np.zeros(units)
    answered = np.zeros(units, dtype=np.int64)
    last_call = [-1] * units
    free = set(range(units))
    waiting: list[deque[int]] = [deque() for _ in range(levels)]
    queued = 0
    area = 0.0  # integral of the queue length over time
    max_queue = 0
    last_t = t_arr[0] if n else 0.0
    # (time, unit, call): a unit clears a call, or (call -1) a unit comes on duty
    done: list[tuple[float, int, int]] = [(a, u, -1) for u, w in enumerate(windows or ()) for a, _ in w]
    heapq.heapify(done)
    events = 0

    def duty(u: int, now: float) -> bool:
        return windows is None or any(a <= now < b for a, b in windows[u])

    def start(u: int, c: int, now: float) -> None:
        trip = turnout_s + (travel(u, last_call[u], c) if travel is not None else 0.0)
        scene = svc[c] if service is None else service(u, c)
        dispatched[c] = now
        on_scene[c] = now + trip
        cleared[c] = now + trip + scene
        unit_of[c] = u
        busy_s[u] += trip + scene
        answered[u] += 1
        free.discard(u)
        heapq.heappush(done, (cleared[c], u, c))

    def offer(u: int, now: float) -> bool:
        """Offer the waiting calls to free unit u in priority order, oldest first; True if one took it."""
        nonlocal queued
        for level in waiting:
            for c in level:
                if choose(c, [u], now) == u:
                    level.remove(c)
                    queued -= 1
                    start(u, c, now)
                    return True
        return False

    i = 0
    end = float("inf") if horizon_s is None else horizon_s
    while True:
        next_arr = t_arr[i] if i < n else float("inf")
        next_done = done[0][0] if done else float("inf")
        now = min(next_arr, next_done)
        if now == float("inf") or now > end or (i >= n and not queued and all(e[2] < 0 for e in done)):
            break
        area += queued * (now - last_t)
        last_t = now
        events += 1
        if next_done <= next_arr:
            _, u, c = heapq.heappop(done)
            if c >= 0:
                last_call[u] = c
                free.add(u)
            if queued and u in free and duty(u, now):
                offer(u, now)
            continue
        c = i
        i += 1
        ready = sorted(free) if windows is None else sorted(u for u in free if duty(u, now))
        u_pick = choose(c, ready, now) if ready else None
        if u_pick is None:
            waiting[prio[c]].append(c)
            queued += 1
            max_queue = max(max_queue, queued)
        else:
            start(u_pick, c, now)
    horizon = (last_t if horizon_s is None else horizon_s) - (t_arr[0] if n else 0.0)
    return SimResult(
        dispatched=dispatched,
        on_scene=on_scene,
        cleared=cleared,
        unit=unit_of,
        busy_s=busy_s,
        answered=answered,
        mean_queue=area / horizon if horizon > 0 else 0.0,
        max_queue=max_queue,
        events=events,
        horizon_s=horizon,
    )
