"""The what-if simulator's model and its dispatcher: who is sent to a simulated call is decided by
``rtcc.dispatch.recommend.recommend`` — the very function live dispatch calls — never by a second implementation.

A ``Model`` holds what a run needs, already fitted: the call kinds (call type x priority in force, as the
recommendation's ``CallFacts``, with their share of calls), the weekly arrival profile, the zones calls come from, the
units (``UnitFacts``, home zone, weekly duty windows; a drone dock is a unit whose travel time is launch + flight from
its dock and whose own time on scene replaces the call's), the travel-time matrix between zones (or, for a history
without locations, travel times drawn from the history's own distribution) and the empirical samples of call
processing, turnout and time on scene.

``Dispatcher.choose`` is the engine's ``choose``: it builds the free units' facts (available, on duty, calls this
shift) and their travel times to the call and takes the recommendation's first ranked unit. The fast path passes
``recommend`` a shortlist instead of every free unit and yields the same unit, provably: (1) a unit the
recommendation rejects with no position, no workload and no area (``static``, computed once by ``recommend`` itself)
is rejected for the call type whatever its state; (2) every penalty is non-negative, so ``travel + static`` is a
lower bound of a unit's score (floating addition is monotone); (3) the coverage penalty only depends on how many
available units the list holds per home area, capped at ``coverage_min_available + 1``, so the shortlist is padded
with free units of the same areas up to that cap and every shortlisted score is exact; (4) the shortlist grows until
no left-out unit's lower bound reaches the best exact score, so no left-out unit can win or tie. A unit test runs
both paths on random states and compares. Pure: no database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from rtcc.analytics.kernels.arrivals import ArrivalProfile
from rtcc.dispatch.recommend import CallFacts, Rules, UnitFacts, recommend

Array = npt.NDArray[np.float64]

#: Free units at or below which the dispatcher hands ``recommend`` every free unit (the shortlist would not pay).
SHORTLIST_FROM = 6
#: Units the shortlist starts with (the best lower bounds).
SHORTLIST_START = 1
#: Calls this shift the lower-bound table holds (more use the last column: the workload penalty only grows).
BOUND_CALLS = 64
#: Hours a unit's ``calls_this_shift`` counts over when it is always on duty (one shift of the usual three).
SHIFT_HOURS = 8.0


@dataclass(frozen=True)
class Kind:
    """One kind of call: a call type at the priority in force. ``rank`` orders the queue (0 = most urgent)."""

    code: str
    priority: str
    rank: int
    facts: CallFacts
    weight: float


@dataclass(frozen=True)
class SimUnit:
    """One simulated unit. ``duty``: weekly windows in hours of the week (Monday 00:00 = 0; empty = always);
    ``eta_s``: fixed seconds to each zone whatever it last did (a drone returns to its dock), None: the matrix;
    ``on_scene_s``: its own time on scene (a drone's look), None: the call's."""

    facts: UnitFacts
    home_zone: int
    duty: tuple[tuple[float, float], ...] = ()
    eta_s: tuple[float, ...] | None = None
    on_scene_s: float | None = None


@dataclass(frozen=True)
class Samples:
    """Empirical seconds keyed ``kind:<code>``, ``priority:<code>`` or ``all`` (most specific first when drawn)."""

    processing: Mapping[str, Array]
    turnout: Mapping[str, Array]
    travel: Mapping[str, Array]
    on_scene: Mapping[str, Array]


@dataclass(frozen=True)
class Model:
    """Everything one run needs (module docstring)."""

    kinds: tuple[Kind, ...]
    units: tuple[SimUnit, ...]
    profile: ArrivalProfile
    zones: tuple[str, ...]
    zone_weights: tuple[float, ...]
    samples: Samples
    travel: Array | None = None  # zones x zones seconds; None: drawn from ``samples.travel``
    rules: Rules = field(default_factory=Rules)
    zone_of_unit_area: bool = True  # units' ``home_area`` is their home zone's name (coverage counts by zone)

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("a model needs at least one kind of call")
        if not self.units:
            raise ValueError("a model needs at least one unit")
        if len(self.zone_weights) != len(self.zones) or not self.zones:
            raise ValueError("every zone needs a weight")
        if self.travel is not None and self.travel.shape != (len(self.zones), len(self.zones)):
            raise ValueError("the travel matrix must be zones x zones")


def draw(samples: Mapping[str, Array], keys: Sequence[str], n: int, rng: np.random.Generator) -> Array:
    """``n`` values resampled from the first of ``keys`` that has values (then ``all``); zeros when none has any."""
    for key in (*keys, "all"):
        pool = samples.get(key)
        if pool is not None and pool.size:
            return pool[rng.integers(0, pool.size, size=n)]
    return np.zeros(n)


class Dispatcher:
    """The engine's ``choose``/``travel``/``service`` for one replication (module docstring)."""

    def __init__(
        self,
        model: Model,
        kind: npt.NDArray[np.int64],
        zone: npt.NDArray[np.int64],
        turnout: Array,
        travel: Array | None,
        *,
        fast: bool = True,
    ) -> None:
        self.model = model
        self.kind = kind
        self.zone = zone
        self.turnout = turnout
        self.sampled_travel = travel
        self.fast = fast
        self.recommend_calls = 0
        units = model.units
        n = len(units)
        self.index = {u.facts.unit_id: i for i, u in enumerate(units)}
        # plain lists: the fast path reads a few of them per call, where numpy's per-operation cost would dominate
        self.pos: list[int] = [u.home_zone for u in units]
        self.calls: list[int] = [0] * n
        self.shift_key = np.full(n, -1.0)
        self.next_reset = -1.0
        self._facts: dict[tuple[int, int], UnitFacts] = {}
        self._pending: dict[int, float] = {}
        self._chosen_eta = 0.0  # the travel time of the unit the last pick chose
        self.cap = model.rules.coverage_min_available + 1
        self.area = [u.facts.home_area for u in units]
        names = sorted({a for a in self.area if a is not None})
        self.area_code = np.asarray([names.index(a) if a is not None else -1 for a in self.area], dtype=np.int64)
        self.fixed = np.full((n, len(model.zones)), np.nan)  # a drone's seconds to each zone from its dock
        for i, u in enumerate(units):
            if u.eta_s is not None:
                self.fixed[i] = u.eta_s
        self.has_fixed = bool(np.isfinite(self.fixed).any())
        self._fixed_to: list[list[float]] = self.fixed.T.tolist()  # [zone][unit]
        self._travel_to: list[list[float]] | None = model.travel.T.tolist() if model.travel is not None else None
        self._area = self.area_code.tolist()
        # bound[k][u][w]: recommend's own score for unit u on kind k with travel 0, w calls this shift and no home
        # area (inf: rejected whatever its state), filled on first use (NaN: not yet); every other penalty
        # (coverage) is >= 0
        self.bound = [[[math.nan] * BOUND_CALLS for _ in range(n)] for _ in model.kinds]

    def _unit_facts(self, u: int) -> UnitFacts:
        key = (u, self.calls[u])
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = replace(
                self.model.units[u].facts, status="available", on_duty=True, calls_this_shift=key[1]
            )
        return found

    def _fill_bound(self, k: int, u: int, w: int) -> float:
        bare = replace(self.model.units[u].facts, status="available", on_duty=True, home_area=None, calls_this_shift=w)
        rec = recommend(self.model.kinds[k].facts, [bare], [0.0], self.model.rules, explain=False)
        score = rec.ranked[0].score_s if rec.ranked else None
        value = float("inf") if score is None else float(score)
        self.bound[k][u][w] = value
        return value

    def etas(self, free: npt.NDArray[np.int64], c: int) -> Array:
        """Seconds of travel of each of ``free`` to call ``c`` from where it is."""
        z = int(self.zone[c])
        if self.model.travel is not None:
            e = self.model.travel[np.asarray(self.pos, dtype=np.int64)[free], z]
        else:
            assert self.sampled_travel is not None
            e = np.full(free.size, float(self.sampled_travel[c]))
        if self.has_fixed:
            f = self.fixed[free, z]
            e = np.where(np.isnan(f), e, f)
        return np.asarray(e, dtype=np.float64)

    def _reset_shifts(self, now: float) -> None:
        """Start a new shift's count for every unit whose shift changed (checked only at the next boundary)."""
        hours = now / 3600.0
        how = hours % 168.0
        week = 168.0 * (hours // 168.0)
        nxt = (hours // SHIFT_HOURS + 1) * SHIFT_HOURS
        for u, unit in enumerate(self.model.units):
            if unit.duty:
                key = next((a for a, b in unit.duty if a <= how < b), -1.0) + week
                nxt = min(nxt, *(week + a for a, _ in unit.duty if week + a > hours), week + 168.0)
                nxt = min(nxt, *(week + b for _, b in unit.duty if week + b > hours), week + 168.0)
            else:
                key = hours // SHIFT_HOURS
            if key != self.shift_key[u]:
                self.shift_key[u] = key
                self.calls[u] = 0
        self.next_reset = nxt * 3600.0

    def _recommend(self, c: int, us: Sequence[int], etas: Sequence[float]) -> tuple[int | None, float]:
        self.recommend_calls += 1
        rec = recommend(
            self.model.kinds[self.kind[c]].facts,
            [self._unit_facts(u) for u in us],
            list(etas),
            self.model.rules,
            explain=False,  # the ranking only: the same eligibility and scores, no sentences
        )
        if not rec.ranked:
            return None, float("inf")
        top = rec.ranked[0]
        return self.index[top.unit_id], float(top.score_s if top.score_s is not None else float("inf"))

    def pick_full(self, c: int, free: Sequence[int]) -> int | None:
        """``recommend`` over every free unit: the reference the fast path must equal."""
        e = self.etas(np.asarray(free, dtype=np.int64), c).tolist()
        u = self._recommend(c, free, e)[0]
        if u is not None:
            self._chosen_eta = e[list(free).index(u)]
        return u

    def pick_fast(self, c: int, free: Sequence[int]) -> int | None:
        """The same unit as ``pick_full`` from a shortlist (module docstring)."""
        k = int(self.kind[c])
        z = int(self.zone[c])
        bound = self.bound[k]
        calls = self.calls
        last = BOUND_CALLS - 1
        eta: dict[int, float] = {}
        lbs: list[float] = []
        # ``etas`` unit by unit in plain floats (the same values): a drone's fixed time, else the matrix, else the
        # call's sampled travel
        fixed = self._fixed_to[z] if self.has_fixed else None
        to_z = self._travel_to[z] if self._travel_to is not None else None
        sampled = float(self.sampled_travel[c]) if to_z is None and self.sampled_travel is not None else math.nan
        pos = self.pos
        for u in free:
            w = calls[u]
            if w > last:
                w = last
            b = bound[u][w]
            if b != b:  # NaN: not computed yet
                b = self._fill_bound(k, u, w)
            if fixed is not None and fixed[u] == fixed[u]:
                e = fixed[u]
            elif to_z is not None:
                e = to_z[pos[u]]
            else:
                e = sampled
            eta[u] = e
            lbs.append(e + b)
        low = min(lbs)
        if not math.isfinite(low):
            return None
        area = self._area
        chosen = {free[lbs.index(low)]}  # the first of the lowest, as numpy's argmin
        while True:
            passed = set(chosen)
            if self.cap > 0:
                for a in {area[u] for u in chosen}:
                    if a < 0:
                        continue
                    mates = [u for u in free if area[u] == a]
                    have = sum(1 for u in mates if u in passed)
                    for u in mates:
                        if have >= self.cap:
                            break
                        if u not in passed:
                            passed.add(u)
                            have += 1
            ordered = sorted(passed)
            best_u, best = self._recommend(c, ordered, [eta[u] for u in ordered])
            extra = {u for u, lb in zip(free, lbs, strict=True) if lb <= best} - passed
            if not extra:
                if best_u is not None:
                    self._chosen_eta = eta[best_u]
                return best_u
            chosen = passed | extra

    def choose(self, c: int, free: Sequence[int], now: float) -> int | None:
        """The engine's ``choose``: the recommendation's first unit among ``free`` (None: nobody may take it)."""
        if now >= self.next_reset:
            self._reset_shifts(now)
        u = self.pick_fast(c, free) if self.fast and len(free) > SHORTLIST_FROM else self.pick_full(c, free)
        if u is not None:
            self._pending[c] = float(self._chosen_eta)
            self.calls[u] += 1
            if self.model.units[u].eta_s is None:  # a drone flies back to its dock: it stays where it was
                self.pos[u] = int(self.zone[c])
        return u

    def travel(self, _u: int, _last: int, c: int) -> float:
        """The engine's ``travel``: turnout plus the travel time the dispatcher saw when it chose."""
        return float(self.turnout[c]) + self._pending.pop(c)

    def service_of(self, svc: Array) -> Callable[[int, int], float]:
        """The engine's ``service``: the unit's own time on scene where it has one, else the call's."""
        own = [u.on_scene_s for u in self.model.units]

        def service(u: int, c: int) -> float:
            t = own[u]
            return float(svc[c]) if t is None else t

        return service
