"""Pure rules of patrol planning: the near-repeat rule, the stops of a plan and their order, the dose delivered from a
position track, a house-check visit from a track, and the dose-against-crime comparison. Numbers in, decisions out.

**Near-repeat rule** (``near_repeat_rule``). From the Knox table of the city's burglaries (``rtcc.analytics.kernels
.knox``, NRC conventions): a (distance band, time band) cell is *raised* when its Knox ratio is at least
``min_ratio`` (1.2) and its p-value at most ``max_p`` (0.05). The radius is the upper edge of the farthest distance
band, counted from the first band ([1, b)) outwards without a gap, that is raised in the first time band; the days
are the upper edge of the farthest time band, from the first without a gap, raised in the first distance band. When
the first distance band of the first time band is not raised (or there is too little history to run the test), the
configured bands apply (``patrol_near_repeat_radius_m``, ``patrol_near_repeat_days``) and the rule says so.

**Stops and dose** (``choose_stops``). A plan's candidates are the forecast's highest-risk cells (hotspots), the
active near-repeat areas and the house checks due on the plan's day, inside the unit's area. Each hotspot and
near-repeat stop gets ``dose_min`` minutes (Koper's 10-15 minute stops; default 15), each house check
``house_check_min`` (default 5). Stops are taken by priority (house checks, then near repeats, then hotspots by
risk) while the doses and the travel between them (estimated at the straight-line speed) fit the shift.

**Order** (``order_route``): nearest neighbour from the unit's position over a travel-time matrix, then 2-opt until no
swap shortens the open route.

**Dose delivered** (``dose_delivered``): each track fix's interval to the next fix (capped at ``max_gap_s``, 120 s,
so a silent device does not count) is counted for the stop whose area holds the fix, inside the plan's window.

**Visit** (``first_arrival``): the first fix within ``radius_m`` (default 50 m, about a house lot and a GPS error) of
a house inside the window.

**Comparison** (``compare``): patrolled cells against comparable unpatrolled cells, meaning the next-ranked cells of
the same forecast, as many as were patrolled, that got no dose (``comparison_cells``). For each group, the crimes
during the plans' windows and in the same length of time before them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8


# --- near repeats ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NearRepeatRule:
    """How far (metres) and how long (days) risk is raised after a burglary, and where the figures came from."""

    radius_m: float
    days: float
    source: str  # "knox" | "configured"
    detail: str


def near_repeat_rule(
    ratio: npt.ArrayLike | None,
    p_value: npt.ArrayLike | None,
    distance_edges: Sequence[float],
    time_edges: Sequence[float],
    *,
    fallback_radius_m: float,
    fallback_days: float,
    min_ratio: float = 1.2,
    max_p: float = 0.05,
    events: int = 0,
) -> NearRepeatRule:
    """The near-repeat radius and days from a Knox table (rows: same location, bands, beyond; columns: bands, beyond),
    or the configured bands when the table shows no raised risk next door (see the module)."""
    configured = NearRepeatRule(
        fallback_radius_m,
        fallback_days,
        "configured",
        f"configured bands ({fallback_radius_m:g} m, {fallback_days:g} days)",
    )
    if ratio is None or p_value is None:
        return NearRepeatRule(
            configured.radius_m, configured.days, "configured", configured.detail + f"; Knox not run ({events} events)"
        )
    r = np.asarray(ratio, dtype=np.float64)
    p = np.asarray(p_value, dtype=np.float64)
    raised = (np.nan_to_num(r, nan=0.0) >= min_ratio) & (p <= max_p)
    n_bands = len(distance_edges) - 1  # rows 0..n_bands-1 are within the last edge; row 0 is "same location"
    if n_bands < 2 or not raised[1, 0]:
        return NearRepeatRule(
            configured.radius_m,
            configured.days,
            "configured",
            configured.detail + f"; Knox over {events} events shows no raised risk in the first band",
        )
    row = 1
    while row + 1 < n_bands and raised[row + 1, 0]:
        row += 1
    col = 0
    while col + 1 < len(time_edges) - 1 and raised[1, col + 1]:
        col += 1
    radius, days = float(distance_edges[row + 1]), float(time_edges[col + 1])
    return NearRepeatRule(
        radius,
        days,
        "knox",
        f"Knox over {events} burglaries: ratio >= {min_ratio:g} and p <= {max_p:g} "
        f"up to {radius:g} m and {days:g} days",
    )


# --- geometry --------------------------------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distance (haversine, mean Earth radius) from one point to each of many, in metres."""
    la2 = np.radians(np.asarray(lat2, dtype=np.float64))
    lo2 = np.radians(np.asarray(lon2, dtype=np.float64))
    la1, lo1 = math.radians(lat1), math.radians(lon1)
    a = np.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


@dataclass(frozen=True)
class Area:
    """Where a stop is: a lat/lon box (a grid cell) or a circle (a near-repeat area, a house)."""

    lat: float
    lon: float
    box: tuple[float, float, float, float] | None = None  # (min_lat, min_lon, max_lat, max_lon)
    radius_m: float | None = None

    def contains(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which points lie inside (box edges: min inclusive, max exclusive)."""
        la = np.asarray(lat, dtype=np.float64)
        lo = np.asarray(lon, dtype=np.float64)
        if self.box is not None:
            a, b, c, d = self.box
            return np.asarray((la >= a) & (la < c) & (lo >= b) & (lo < d))
        if self.radius_m is not None:
            return np.asarray(distance_m(self.lat, self.lon, la, lo) <= self.radius_m)
        raise ValueError("an area needs a box or a radius")


# --- stops and route -------------------------------------------------------------------------------------------------

KIND_PRIORITY = {"house_check": 0, "near_repeat": 1, "hotspot": 2}


@dataclass(frozen=True)
class Candidate:
    """A place a plan may visit: its kind (hotspot, near_repeat, house_check), a key, where, and its risk."""

    kind: str
    key: str
    area: Area
    risk: float
    label: str


@dataclass(frozen=True)
class Stop:
    """A chosen candidate with its dose (minutes)."""

    candidate: Candidate
    dose_min: float


def choose_stops(
    candidates: Sequence[Candidate],
    *,
    start: tuple[float, float],
    shift_minutes: float,
    dose_min: float = 15.0,
    house_check_min: float = 5.0,
    max_stops: int = 12,
    speed_kph: float = 30.0,
) -> list[Stop]:
    """The stops a shift can hold (see the module): by priority, while doses plus straight-line travel fit."""
    if shift_minutes <= 0:
        raise ValueError("the shift must last more than zero minutes")
    ranked = sorted(candidates, key=lambda c: (KIND_PRIORITY.get(c.kind, 9), -c.risk, c.key))
    chosen: list[Stop] = []
    used = 0.0
    here = start
    m_per_min = speed_kph * 1000 / 60
    for c in ranked:
        if len(chosen) >= max_stops:
            break
        dose = house_check_min if c.kind == "house_check" else dose_min
        travel = float(distance_m(here[0], here[1], [c.area.lat], [c.area.lon])[0]) / m_per_min
        if used + travel + dose > shift_minutes:
            continue
        chosen.append(Stop(c, dose))
        used += travel + dose
        here = (c.area.lat, c.area.lon)
    return chosen


def route_length(order: Sequence[int], matrix: npt.NDArray[np.float64]) -> float:
    """Travel time of an open route that starts at node 0 and visits ``order`` (indices into the matrix's nodes)."""
    total, prev = 0.0, 0
    for i in order:
        total += float(matrix[prev, i])
        prev = i
    return total


def order_route(matrix: npt.ArrayLike) -> list[int]:
    """The visiting order of nodes 1..n-1 from node 0 (``matrix[i, j]``: seconds from i to j): nearest neighbour,
    then 2-opt on the open route until no reversal shortens it."""
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    if m.shape != (n, n):
        raise ValueError("the travel-time matrix must be square")
    left = set(range(1, n))
    order: list[int] = []
    here = 0
    while left:
        nxt = min(left, key=lambda j: (m[here, j], j))
        order.append(nxt)
        left.remove(nxt)
        here = nxt
    improved = True
    while improved:
        improved = False
        for i in range(len(order) - 1):
            for k in range(i + 1, len(order)):
                cand = order[:i] + order[i : k + 1][::-1] + order[k + 1 :]
                if route_length(cand, m) < route_length(order, m) - 1e-9:
                    order, improved = cand, True
    return order


# --- track measures --------------------------------------------------------------------------------------------------


def dose_delivered(
    times_s: npt.ArrayLike,
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    areas: Sequence[Area],
    *,
    start_s: float,
    end_s: float,
    max_gap_s: float = 120.0,
) -> list[float]:
    """Minutes the track spent inside each area between start and end (see the module); a fix in two areas counts
    for the first."""
    t = np.asarray(times_s, dtype=np.float64)
    la = np.asarray(lats, dtype=np.float64)
    lo = np.asarray(lons, dtype=np.float64)
    if not (t.shape == la.shape == lo.shape):
        raise ValueError("times, lats and lons must have the same length")
    order = np.argsort(t, kind="stable")
    t, la, lo = t[order], la[order], lo[order]
    out = [0.0] * len(areas)
    if t.size < 2:
        return out
    nxt = np.minimum(np.append(t[1:], t[-1]), end_s)
    dt = np.clip(nxt - np.maximum(t, start_s), 0.0, max_gap_s)
    dt[(t >= end_s) | (np.append(t[1:], t[-1]) <= start_s)] = 0.0
    taken = np.zeros(t.size, dtype=np.bool_)
    for k, area in enumerate(areas):
        inside = area.contains(la, lo) & ~taken
        out[k] = float(dt[inside].sum()) / 60.0
        taken |= inside
    return out


def first_arrival(
    times_s: npt.ArrayLike,
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    *,
    lat: float,
    lon: float,
    radius_m: float,
    start_s: float,
    end_s: float,
) -> float | None:
    """The time of the first fix within ``radius_m`` of (lat, lon) in [start, end), or None."""
    t = np.asarray(times_s, dtype=np.float64)
    near = distance_m(lat, lon, lats, lons) <= radius_m
    ok = near & (t >= start_s) & (t < end_s)
    return float(t[ok].min()) if ok.any() else None


# --- comparison ------------------------------------------------------------------------------------------------------


def comparison_cells(ranked: Sequence[str], patrolled: Sequence[str]) -> list[str]:
    """The comparable unpatrolled cells: after the last patrolled cell's rank, the next cells of the same forecast
    ranking that were not patrolled, as many as were patrolled (fewer when the ranking runs out)."""
    chosen = set(patrolled)
    if not chosen:
        return []
    last = max((i for i, c in enumerate(ranked) if c in chosen), default=-1)
    rest = [c for c in ranked[last + 1 :] if c not in chosen]
    return rest[: len(chosen)]


@dataclass(frozen=True)
class GroupFigures:
    """One group's cells, dose delivered (minutes), crimes during the windows and in the equal time before."""

    cells: int
    dose_min: float
    crimes_during: int
    crimes_before: int

    @property
    def change(self) -> float | None:
        """Relative change from before to during (None when there were none before)."""
        return None if self.crimes_before == 0 else (self.crimes_during - self.crimes_before) / self.crimes_before


def count_in(areas: Sequence[Area], lats: npt.ArrayLike, lons: npt.ArrayLike) -> int:
    """Events inside any of the areas (each event once)."""
    la = np.asarray(lats, dtype=np.float64)
    lo = np.asarray(lons, dtype=np.float64)
    hit = np.zeros(la.shape, dtype=np.bool_)
    for a in areas:
        hit |= a.contains(la, lo)
    return int(hit.sum())
