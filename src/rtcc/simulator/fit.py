"""Fitting the simulator on stored calls to a ``Fitted``: imported CAD history (``rtcc dispatch import-history``) or
the city's own closed live calls (origin ``live``; also what an origin-less fit uses when nothing was imported).
Local time (hour of the week) is the calls' own: an imported history's export zone, kept with its batches (DECC:
America/New_York whatever city is active), the city profile's for live calls.

Two modes, chosen by the data. **Catalogue mode** (most calls carry a call type of the city's dispatch catalogue):
call types, unit types and shifts are the catalogue's, the priority of each type is the one in force (the catalogue's
priority rules at the end of the window), units are the dispatch domain's active units, zones are the reporting
districts the calls fall in (city profile), and the travel-time matrix between the zones' call centroids comes from
the routing module once per fit (emergent times are not modelled separately: one matrix, non-emergent). **History
mode** (an imported history whose call types the catalogue does not know, e.g. Alexandria's DECC): the history's own
scheme is the catalogue (its priorities ranked as numbered, each agency a unit type, each raw call type at one agency
and one priority a call kind, as the history had them), units per agency are as many as the calls it kept busy at
once (99th percentile, sampled each minute), one zone, travel drawn from the history's en-route -> on-scene times.

Either way: arrivals by local hour of the week (``weekly_profile``: counts over exposure, unseen slots filled), the
call-type mix, and the empirical samples of call processing (received -> first dispatched: the history's own call
taking and dispatch delay; the simulated queue adds to it only when no unit is free), turnout (dispatched -> en
route), travel (en route -> on scene) and time on scene (on scene -> cleared) by call kind and priority.
Self-initiated calls (source ``officer``) are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from rtcc.analytics.kernels.arrivals import ArrivalProfile
from rtcc.core.errors import invalid
from rtcc.dispatch import calltypes, history, units
from rtcc.dispatch.catalogue import Catalogue
from rtcc.places import service as places
from rtcc.routing import service as routing
from rtcc.simulator.logic import Array, Samples
from rtcc.simulator.scenarios import Fitted, UnitSpec

#: The origin naming the city's own live calls (closed, from the dispatch domain) rather than an imported history.
LIVE = "live"
#: Most zones a travel matrix is built for (the busiest; calls elsewhere are spread over them).
MAX_ZONES = 60
#: Longest interval kept in a sample (a longer one is a stamp error).
MAX_INTERVAL_S = 12 * 3600.0


@dataclass
class History:
    """The calls of a window as arrays (epoch seconds, NaN where not stamped) and their labels."""

    steps: dict[str, Array]
    priority: list[str]
    call_type: list[str]
    agency: list[str]
    lat: Array
    lon: Array
    first: float
    last: float
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.priority)

    def interval(self, a: str, b: str) -> Array:
        x = self.steps[b] - self.steps[a]
        return np.where((x >= 0) & (x <= MAX_INTERVAL_S), x, np.nan)


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware time in UTC; a naive one (a CLI option) is read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def history_zone(session: Session, origin: str | None) -> ZoneInfo:
    """The zone the calls of ``origin`` were recorded in: an imported history's own (its export's, kept with its
    batches), the city's for live calls or a history that does not say."""
    found = None if origin == LIVE else history.zone_of(session, origin)
    return ZoneInfo(found) if found else places.city_zone()


def load_history(
    session: Session, *, origin: str | None, since: datetime | None, until: datetime | None, required: bool = True
) -> History:
    """The window's calls, self-initiated ones left out; ValidationFailed when there are none and ``required``.
    ``origin``: an imported history's (``cad:<layout>``), ``live`` (the city's own closed calls), or None (every
    imported history; the live calls when none was imported)."""
    since, until = as_utc(since), as_utc(until)
    notes = []
    if origin == LIVE:
        raw = history.live_for_simulation(session, since=since, until=until)
    else:
        raw = history.for_simulation(session, since=since, until=until, origin=origin)
        if origin is None and not raw["source"]:
            raw = history.live_for_simulation(session, since=since, until=until)
            notes.append("no imported history: fitted on the live calls")
    keep = [i for i, s in enumerate(raw["source"]) if s != "officer" and raw["priority"][i]]
    if not keep and required:
        raise invalid("since", "no stored calls with a priority in this window (import a history first)")
    if not keep:
        empty = np.empty(0)
        return History({st: empty for st in history.STEPS}, [], [], [], empty, empty, 0.0, 0.0)
    steps = {s: np.asarray([raw[s][i] for i in keep], dtype=np.float64) for s in history.STEPS}
    return History(
        steps=steps,
        priority=[str(raw["priority"][i]) for i in keep],
        call_type=[str(raw["call_type"][i] or "UNKNOWN") for i in keep],
        agency=[str(raw["agency"][i] or "unit") for i in keep],
        lat=np.asarray([raw["lat"][i] for i in keep], dtype=np.float64),
        lon=np.asarray([raw["lon"][i] for i in keep], dtype=np.float64),
        first=float(np.nanmin(steps["received"])),
        last=float(np.nanmax(steps["received"])),
        notes=[*notes, f"{len(raw['source']) - len(keep)} self-initiated or unprioritised call(s) left out"],
    )


def hour_of_week(epoch: Array, tz: ZoneInfo) -> tuple[Array, Array]:
    """Local weekday (Monday 0) and hour of each epoch second."""
    wd, hr = [], []
    for t in epoch:
        d = datetime.fromtimestamp(float(t), tz)
        wd.append(d.weekday())
        hr.append(d.hour)
    return np.asarray(wd), np.asarray(hr)


def weekly_profile(h: History, tz: ZoneInfo) -> ArrivalProfile:
    """Calls per hour for each hour of the week: each slot's count over the number of times the window holds that
    slot (its exposure); a slot the window never holds takes the mean of the same hour on the days it holds, else the
    mean of every slot held (a window shorter than a week still gives a whole week)."""
    wd, hr = hour_of_week(h.steps["received"], tz)
    counts = np.bincount(wd * 24 + hr, minlength=168).astype(np.float64)
    exposure = np.zeros(168)
    t = h.first - (h.first % 3600.0)
    while t <= h.last:
        d = datetime.fromtimestamp(t, tz)
        exposure[d.weekday() * 24 + d.hour] += 1.0
        t += 3600.0
    rate = np.where(exposure > 0, counts / np.maximum(exposure, 1.0), np.nan).reshape(7, 24)
    overall = float(np.nanmean(rate)) if np.isfinite(rate).any() else 0.0
    by_hour = np.asarray([np.nanmean(c) if np.isfinite(c).any() else overall for c in rate.T])
    filled = np.where(np.isfinite(rate), rate, by_hour[None, :])
    return ArrivalProfile(tuple(float(x) for x in filled.ravel()))


def _code(raw: str, pattern: str, upper: bool) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", raw).strip("_")
    s = s.upper() if upper else re.sub(r"[^a-z_]", "", s.lower())
    if upper and (not s or not s[0].isalpha()):
        s = "T_" + s
    s = s[:32] or ("UNKNOWN" if upper else "unit")
    assert re.fullmatch(pattern, s), s
    return s


def _rank_key(code: str) -> tuple[int, float, str]:
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)


def _samples(h: History, kinds: list[str]) -> Samples:
    spans = {
        "processing": ("received", "dispatched"),
        "turnout": ("dispatched", "en_route"),
        "travel": ("en_route", "on_scene"),
        "on_scene": ("on_scene", "cleared"),
    }
    out: dict[str, dict[str, Array]] = {}
    prio = np.asarray(h.priority)
    kind = np.asarray(kinds)
    for name, (a, b) in spans.items():
        x = h.interval(a, b)
        ok = np.isfinite(x)
        d: dict[str, Array] = {"all": x[ok]}
        for p in set(h.priority):
            d[f"priority:{p}"] = x[ok & (prio == p)]
        for k in set(kinds):
            d[f"kind:{k}"] = x[ok & (kind == k)]
        out[name] = d
    return Samples(out["processing"], out["turnout"], out["travel"], out["on_scene"])


def _concurrency(h: History, mask: Array) -> int:
    a, b = h.steps["dispatched"][mask], h.steps["cleared"][mask]
    ok = np.isfinite(a) & np.isfinite(b) & (b >= a) & (b - a <= MAX_INTERVAL_S)
    a, b = np.sort(a[ok]), np.sort(b[ok])
    if not a.size:
        return 1
    grid = np.arange(h.first, h.last, 60.0)
    busy = np.searchsorted(a, grid, side="right") - np.searchsorted(b, grid, side="right")
    return max(1, math.ceil(float(np.quantile(busy, 0.99))))


def fit_history_mode(h: History, tz: ZoneInfo) -> Fitted:
    """History mode (module docstring)."""
    prios = sorted(set(h.priority), key=_rank_key)
    agencies = {a: _code(a, r"^[a-z_]{1,32}$", False) for a in set(h.agency)}
    triples = [(c, agencies[a], p) for c, a, p in zip(h.call_type, h.agency, h.priority, strict=True)]
    codes: dict[tuple[str, str, str], str] = {}
    for i, key in enumerate(sorted(Counter(triples))):
        codes[key] = _code(f"K{i} {key[0]}", r"^[A-Z][A-Z0-9_]{0,31}$", True)
    kinds = [codes[k] for k in triples]
    counts = Counter(kinds)
    call_types: list[dict[str, Any]] = []
    mix: dict[str, float] = {}
    priority: dict[str, str] = {}
    for (raw, a, p), k in sorted(codes.items(), key=lambda x: x[1]):
        call_types.append(
            {
                "code": k,
                "name": f"{raw} ({a}, {p})"[:128],
                "apco_code": k[:16],
                "default_priority": p,
                "eligible_unit_types": [a],
            }
        )
        mix[k] = float(counts[k])
        priority[k] = p
    cat = Catalogue.model_validate(
        {
            "name": "history",
            "scheme": {
                "name": "history",
                "priorities": [
                    {"code": p, "name": p, "rank": i + 1, "target_s": 600, "emergent": i == 0}
                    for i, p in enumerate(prios)
                ],
            },
            "unit_types": [
                {"code": c, "name": c, "sworn": True, "capabilities": []} for c in sorted(set(agencies.values()))
            ],
            "call_types": call_types,
        }
    )
    specs: list[UnitSpec] = []
    agency_arr = np.asarray(h.agency)
    for raw, code in sorted(agencies.items()):
        n = _concurrency(h, agency_arr == raw)
        specs.extend(UnitSpec(f"{code.upper()}-{i + 1}", code, 0) for i in range(n))
    return Fitted(
        catalogue=cat,
        priority=priority,
        mix=mix,
        profile=weekly_profile(h, tz),
        zones=("all",),
        zone_weights=(1.0,),
        centroids=None,
        travel=None,
        samples=_samples(h, kinds),
        units=tuple(specs),
    )


def fit_catalogue_mode(session: Session, h: History, tz: ZoneInfo, at: datetime | None) -> Fitted:
    """Catalogue mode (module docstring)."""
    cat = calltypes.catalogue()
    keep = np.asarray([cat.call_type(c) is not None for c in h.call_type])
    if keep.sum() < h.n:
        h.notes.append(f"{int(h.n - keep.sum())} call(s) of a type the catalogue lacks left out")
    idx = np.flatnonzero(keep)
    h = History(
        steps={k: v[idx] for k, v in h.steps.items()},
        priority=[h.priority[i] for i in idx],
        call_type=[h.call_type[i] for i in idx],
        agency=[h.agency[i] for i in idx],
        lat=h.lat[idx],
        lon=h.lon[idx],
        first=h.first,
        last=h.last,
        notes=h.notes,
    )
    in_force = {c.code: c.priority_now for c in calltypes.call_types(session, at=at)}
    mix = {k: float(v) for k, v in Counter(h.call_type).items()}
    zones, weights, centroids, _zone_of = _zones(h)
    travel = _matrix(session, centroids) if centroids is not None else None
    specs = []
    for u in units.list_units(session):
        home = zones.index(u.home_area) if u.home_area in zones else int(np.argmax(weights))
        specs.append(UnitSpec(u.call_sign, u.unit_type, home))
    if not specs:
        raise invalid("units", "the dispatch domain has no active units to simulate")
    return Fitted(
        catalogue=cat,
        priority={k: in_force.get(k, cat.call_type(k).default_priority) for k in mix},  # type: ignore[union-attr]
        mix=mix,
        profile=weekly_profile(h, tz),
        zones=zones,
        zone_weights=weights,
        centroids=centroids,
        travel=travel,
        samples=_samples(h, h.call_type),
        units=tuple(specs),
    )


def _zones(
    h: History,
) -> tuple[tuple[str, ...], tuple[float, ...], tuple[tuple[float, float], ...] | None, list[int]]:
    located = np.isfinite(h.lat) & np.isfinite(h.lon)
    if not located.any():
        return ("all",), (1.0,), None, [0] * h.n
    names: list[str | None] = [None] * h.n
    for i in np.flatnonzero(located):
        d = places.locate(float(h.lat[i]), float(h.lon[i])).district
        names[i] = d.code if d is not None else None
    counts = Counter(n for n in names if n is not None)
    if not counts:
        return ("all",), (1.0,), None, [0] * h.n
    top = [n for n, _ in counts.most_common(MAX_ZONES)]
    cents = []
    for z in top:
        m = np.asarray([n == z for n in names])
        cents.append((float(h.lat[m].mean()), float(h.lon[m].mean())))
    return tuple(top), tuple(float(counts[z]) for z in top), tuple(cents), [0] * h.n


def _matrix(session: Session, centroids: tuple[tuple[float, float], ...]) -> Array:
    """Seconds between zone centroids from the routing module (one search per destination zone)."""
    n = len(centroids)
    out = np.zeros((n, n))
    for j, to in enumerate(centroids):
        tt = routing.travel_times(session, to=to, origins=list(centroids), emergent=False)
        row = np.asarray([np.nan if s is None else s for s in tt.seconds], dtype=np.float64)
        fill = np.nanmax(row) if np.isfinite(row).any() else 600.0
        out[:, j] = np.where(np.isfinite(row), row, fill)
    return out


def fit(
    session: Session,
    *,
    origin: str | None,
    since: datetime | None,
    until: datetime | None,
    tz: ZoneInfo | None = None,
    mode: str | None = None,
) -> tuple[Fitted, list[str]]:
    """Fit on the window's stored calls (``load_history``); ``mode`` ``catalogue``/``history`` or None (the data
    decides); ``tz``: the calls' local zone (None: ``history_zone``). Returns the fit and notes on what was left out."""
    zone = tz or history_zone(session, origin)
    h = load_history(session, origin=origin, since=since, until=until)
    cat = calltypes.catalogue()
    known = sum(1 for c in h.call_type if cat.call_type(c) is not None)
    chosen = mode or ("catalogue" if known >= 0.5 * h.n else "history")
    if chosen not in ("catalogue", "history"):
        raise invalid("mode", "mode is catalogue or history")
    fitted = fit_catalogue_mode(session, h, zone, until) if chosen == "catalogue" else fit_history_mode(h, zone)
    return fitted, [f"{chosen} mode, {h.n} calls, local time {zone.key}", *h.notes]
