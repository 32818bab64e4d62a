"""Placement as a use case: where the next ALPR camera and the next drone dock add the most coverage, by maximal
covering (``kernels.covering.solve_mclp``, HiGHS) with the existing sites fixed open, and how many new sites set
covering (``solve_lscp``) needs to cover every point a candidate can cover.

ALPR cameras: candidates are the city gazetteer's intersections (and the existing cameras' own points, fixed);
demand is the last year's incidents of the forecast categories (weight 1 each, within ``analytics_alpr_radius_m``)
and the roads entering the city (weight ``analytics_entry_weight`` each, within ``analytics_entry_radius_m``): an
entry road is an edge of the active road network with one end inside the city limit and one outside, at its inside
end. Drone docks: candidates are the centres of a square lattice over the city (``DOCK_LATTICE_M``) and the existing
docks (the caller's list: the drones domain owns docks), demand the last year's calls of priority rank
``analytics_drone_max_priority_rank`` or more urgent (live calls), imported history calls (they carry no rank) and
incidents of the crimes drones are sent to (``DRONE_CATEGORIES``: each began as a call), a point covered
when a dock is within ``cruise speed x seconds`` in a straight line (flight, not roads). Planar distances in the
local projection of ``forecasts.city_grid``. Camera rebates (registered-camera recruitment): demand is the city's
residents (census tract population from the profile's ``population.geojson``, spread evenly over a 100 m lattice of
each tract), a resident covered when a registered, shared camera is within ``analytics_camera_radius_m``; the
registered cameras are fixed and the candidates are the lattice points (where a rebate would put a camera); a count
or a budget over a per-rebate amount. Proposals are read-only: nothing is stored; each request is audited.

Divisions: a division-scoped request (a divisional analyst, or ``?division=``: ``rtcc.core.divisions``) places sites
for its divisions only: demand (incidents, calls, entry roads, residents) and candidate sites inside them, and the
existing cameras of its divisions fixed (``_inside``: the division polygons of the city profile).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Final

import numpy as np
from scipy import sparse
from sqlalchemy.orm import Session

from rtcc.alpr.queries import CAMERAS
from rtcc.analytics import logic, repository
from rtcc.analytics.kernels.covering import CoveringResult, coverage_within, greedy_mclp, solve_lscp, solve_mclp
from rtcc.analytics.kernels.grid import project_lonlat
from rtcc.analytics.schemas import PlacementRead, PlacementSite
from rtcc.audit import service as audit
from rtcc.cameras import service as cameras
from rtcc.core import divisions, geo
from rtcc.core.clock import utcnow
from rtcc.core.errors import ValidationFailed
from rtcc.identity.logic import Principal
from rtcc.places import service as places
from rtcc.places.logic import Area, AreaIndex
from rtcc.routing import service as routing
from rtcc.settings import Settings

DOCK_LATTICE_M: Final = 250.0
DEMAND_DAYS: Final = 365
MAJOR_ROADS: Final = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary", "arterial"})
TIME_LIMIT_S: Final = 30.0
#: Crimes a drone is sent to (in progress or just reported): imported history calls and incidents of these count.
DRONE_CATEGORIES: Final = ("burglary", "robbery", "assault", "vehicle_theft")


def _projector() -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = places.boundary().bbox()
    return (min_lon + max_lon) / 2, (min_lat + max_lat) / 2


def _xy(lats: list[float], lons: list[float], ref: tuple[float, float]) -> np.ndarray:
    if not lats:
        return np.zeros((0, 2))
    x, y = project_lonlat(lons, lats, lon0=ref[0], lat0=ref[1])
    return np.column_stack([x, y])


def _inside(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (lat, lon) points inside the divisions the request may see (all of them when it is not restricted)."""
    if divisions.current() is None or not points:
        return points
    keep = places.in_scope([p[0] for p in points], [p[1] for p in points])
    return [p for p, k in zip(points, keep.tolist(), strict=True) if k]


def entry_points(session: Session) -> list[tuple[float, float]]:
    """(lat, lon) of the inside end of every major road edge that crosses the city limit (one per node)."""
    net = routing.loaded(session)
    if net is None:
        return []
    n = net.net
    major = np.array([n.classes[c] in MAJOR_ROADS for c in n.road_class.tolist()], dtype=bool)
    if not major.any():
        major = np.ones_like(major)  # a network without road classes (the demo grid): every road counts
    inside = np.array([places.inside_city(float(a), float(b)) for a, b in zip(n.lat, n.lon, strict=True)])
    cross = major & (inside[n.src] != inside[n.dst])
    ends = np.where(inside[n.src[cross]], n.src[cross], n.dst[cross])
    return [(float(n.lat[i]), float(n.lon[i])) for i in sorted(set(ends.tolist()))]


def _result(
    kind: str,
    r: CoveringResult,
    lscp: CoveringResult | None,
    covers: sparse.csr_matrix,
    weights: np.ndarray,
    labels: list[str] | Callable[[int], str],
    coords: list[tuple[float, float]],
    fixed: list[int],
    params: dict[str, float | str],
    note: str | None,
) -> PlacementRead:
    name = labels.__getitem__ if isinstance(labels, list) else labels
    csc = covers.tocsc()
    covered = np.zeros(covers.shape[0], dtype=bool)
    for j in fixed:
        covered[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
    total = float(weights.sum())
    before = float(weights[covered].sum())
    proposed = []
    left = list(r.added)
    while left:  # the chosen sites in the order of their marginal gain (the first is "the next site")
        gains = [
            float(weights[rows][~covered[rows]].sum())
            for rows in (csc.indices[csc.indptr[j] : csc.indptr[j + 1]] for j in left)
        ]
        k = int(np.argmax(gains))
        j = left.pop(k)
        covered[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
        proposed.append(PlacementSite(label=name(j), lat=coords[j][0], lon=coords[j][1], gain=round(gains[k], 1)))
    return PlacementRead(
        kind=kind,
        demand_points=int(covers.shape[0]),
        demand_weight=round(total, 1),
        existing=[PlacementSite(label=name(j), lat=coords[j][0], lon=coords[j][1], gain=0.0) for j in fixed],
        covered_before=before / total if total else 0.0,
        covered_after=float(weights[covered].sum()) / total if total else 0.0,
        proposed=proposed,
        lscp_sites=None if lscp is None else len(lscp.added),
        uncoverable=r.uncoverable,
        status=r.status,
        gap=0.0 if math.isnan(r.gap) else r.gap,
        solver=r.solver,
        parameters=params,
        note=note,
    )


def _mclp(
    covers: sparse.csr_matrix, weights: np.ndarray, *, count: int, fixed: list[int], time_limit: float = TIME_LIMIT_S
) -> CoveringResult:
    """Maximal covering; one new site is found by trying every candidate (the greedy step is then exact: a proven
    optimum without the MILP, which symmetric demand such as evenly spread residents makes slow)."""
    if count == 1:
        g = greedy_mclp(covers, weights, new_sites=1, fixed=fixed)
        return replace(g, status="optimal", bound=g.covered_weight, gap=0.0)
    return solve_mclp(covers, weights, new_sites=count, fixed=fixed, time_limit=time_limit)


def _solve(
    covers: sparse.csr_matrix, weights: np.ndarray, *, count: int, fixed: list[int]
) -> tuple[CoveringResult, CoveringResult | None]:
    r = _mclp(covers, weights, count=count, fixed=fixed)
    lscp = solve_lscp(covers, fixed=fixed, time_limit=TIME_LIMIT_S) if covers.shape[0] else None
    return r, lscp


def alpr(session: Session, settings: Settings, *, count: int, actor: Principal) -> PlacementRead:
    """The next ``count`` ALPR camera sites (see the module docstring); audited."""
    if not 1 <= count <= 20:
        raise ValidationFailed("count: 1 to 20 new sites")
    ref = _projector()
    now = utcnow()
    inc = repository.incident_points(
        session, categories=logic.CATEGORIES, since=now - timedelta(days=DEMAND_DAYS), until=now
    )
    inc = [p for p in inc if places.inside_city(p[2], p[3])]
    entries = _inside(entry_points(session))
    placed = CAMERAS.select().where(CAMERAS.c.lat.is_not(None), CAMERAS.c.lon.is_not(None)).order_by(CAMERAS.c.code)
    cams = session.execute(divisions.scoped(placed, CAMERAS.c.division)).all()
    corners = places.intersections()
    if divisions.current() is not None:
        keep = places.in_scope([p.lat for p in corners], [p.lon for p in corners]).tolist()
        corners = [p for p, k in zip(corners, keep, strict=True) if k]
    labels = [f"{c.code} {c.name}" for c in cams] + [p.name for p in corners]
    coords = [(float(c.lat), float(c.lon)) for c in cams] + [(p.lat, p.lon) for p in corners]
    fixed = list(range(len(cams)))
    sites = _xy([c[0] for c in coords], [c[1] for c in coords], ref)
    d_inc = _xy([p[2] for p in inc], [p[3] for p in inc], ref)
    d_ent = _xy([p[0] for p in entries], [p[1] for p in entries], ref)
    blocks = [
        coverage_within(d_inc, sites, settings.analytics_alpr_radius_m),
        coverage_within(d_ent, sites, settings.analytics_entry_radius_m),
    ]
    covers = sparse.vstack(blocks, format="csr")
    weights = np.concatenate([np.ones(len(inc)), np.full(len(entries), settings.analytics_entry_weight)])
    note = None if entries else "no road network with roads crossing the city limit: incidents only"
    if not len(coords) or not covers.shape[0]:
        raise ValidationFailed("placement: no candidate sites or no demand (import incidents and load the profile)")
    r, lscp = _solve(covers, weights, count=count, fixed=fixed)
    params: dict[str, float | str] = {
        "incidents": float(len(inc)),
        "entry_roads": float(len(entries)),
        "radius_m": settings.analytics_alpr_radius_m,
        "entry_radius_m": settings.analytics_entry_radius_m,
        "entry_weight": settings.analytics_entry_weight,
    }
    audit.record_for(session, actor, "analytics.placement_alpr", target_type="placement", details={"count": count})
    return _result("alpr", r, lscp, covers, weights, labels, coords, fixed, params, note)


def lattice(spacing_m: float) -> list[tuple[float, float]]:
    """(lat, lon) of a square lattice of ``spacing_m`` over the city, kept where inside the city limit, row by row
    from the south-west corner. The inside test runs vectorised over the whole lattice (Los Angeles at 100 m is
    about 225,000 candidate points)."""
    min_lon, min_lat, max_lon, max_lat = places.boundary().bbox()
    dlat = spacing_m / 111_195.0
    dlon = dlat / math.cos(math.radians((min_lat + max_lat) / 2))
    row_lats, col_lons = [], []
    lat = min_lat + dlat / 2
    while lat < max_lat:
        row_lats.append(lat)
        lat += dlat
    lon = min_lon + dlon / 2
    while lon < max_lon:
        col_lons.append(lon)
        lon += dlon
    lats = np.repeat(np.asarray(row_lats, dtype=np.float64), len(col_lons))
    lons = np.tile(np.asarray(col_lons, dtype=np.float64), len(row_lats))
    inside = places.current().city.find_many(lats, lons)
    return [(round(float(la), 6), round(float(lo), 6)) for la, lo, a in zip(lats, lons, inside, strict=True) if a]


def docks(
    session: Session,
    settings: Settings,
    *,
    count: int,
    existing: list[tuple[float, float]],
    speed_mps: float | None,
    seconds: float | None,
    actor: Principal,
) -> PlacementRead:
    """The next ``count`` drone docks for the eligible calls reachable within ``seconds`` at ``speed_mps``; audited."""
    if not 1 <= count <= 10:
        raise ValidationFailed("count: 1 to 10 new docks")
    speed = speed_mps or settings.analytics_drone_speed_mps
    secs = seconds or settings.analytics_drone_seconds
    if speed <= 0 or secs <= 0:
        raise ValidationFailed("speed_mps and seconds must be positive")
    ref = _projector()
    now = utcnow()
    since = now - timedelta(days=DEMAND_DAYS)
    calls = [
        (c[2], c[3])
        for c in repository.call_points(session, since=since, until=now)
        if (c[4] is not None and c[4] <= settings.analytics_drone_max_priority_rank)
        or (c[4] is None and logic.call_category(c[0]) in DRONE_CATEGORIES)
    ]
    n_calls = len(calls)
    calls += [
        (p[2], p[3])
        for p in repository.incident_points(session, categories=DRONE_CATEGORIES, since=since, until=now)
        if places.inside_city(p[2], p[3])
    ]
    if not calls:
        raise ValidationFailed("placement: no eligible calls or incidents in the last year to place docks for")
    cand = _inside(lattice(DOCK_LATTICE_M))
    coords = list(existing) + cand
    labels = [f"dock {i + 1}" for i in range(len(existing))] + [f"{la:.5f}, {lo:.5f}" for la, lo in cand]
    fixed = list(range(len(existing)))
    sites = _xy([c[0] for c in coords], [c[1] for c in coords], ref)
    demand = _xy([c[0] for c in calls], [c[1] for c in calls], ref)
    radius = speed * secs
    covers = coverage_within(demand, sites, radius)
    weights = np.ones(len(calls))
    r, lscp = _solve(covers, weights, count=count, fixed=fixed)
    params: dict[str, float | str] = {
        "eligible_calls": float(n_calls),
        "incidents": float(len(calls) - n_calls),
        "speed_mps": speed,
        "seconds": secs,
        "radius_m": radius,
        "max_priority_rank": float(settings.analytics_drone_max_priority_rank),
        "lattice_m": DOCK_LATTICE_M,
    }
    audit.record_for(session, actor, "analytics.placement_docks", target_type="placement", details={"count": count})
    return _result("drone_dock", r, lscp, covers, weights, labels, coords, fixed, params, None)


# --- registered-camera recruitment (rebates) --------------------------------------------------------------------

#: Spacing of the residential lattice (demand points and candidate rebate sites), metres.
RESIDENT_LATTICE_M: Final = 100.0
#: Evenly spread residents make many equally good solutions: the MILP stops here and reports its gap.
REBATE_TIME_LIMIT_S: Final = 10.0
POPULATION_FILE: Final = "population.geojson"


_POPULATION: dict[str, tuple[list[tuple[float, float]], list[float]]] = {}


def population_points() -> tuple[list[tuple[float, float]], list[float]]:
    """Residents as weighted points: a ``RESIDENT_LATTICE_M`` lattice over the city, each point carrying its census
    tract's population divided by the tract's lattice points (the city profile's ``population.geojson``); built once
    per profile and process."""
    source = places.current().source
    if source not in _POPULATION:
        _POPULATION[source] = _population_points(Path(source))
    return _POPULATION[source]


def _population_points(folder: Path) -> tuple[list[tuple[float, float]], list[float]]:
    path = folder / POPULATION_FILE
    if not path.is_file():
        raise ValidationFailed(f"placement: the city profile has no {POPULATION_FILE} (census tract population)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    tracts, pops = [], []
    for i, f in enumerate(doc.get("features", [])):
        try:
            rings = tuple(geo.rings_of_geometry(f["geometry"]))
            pops.append(float(f["properties"]["population"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"{path.name}: feature {i + 1}: {exc}") from None
        tracts.append(Area(code=str(i), name=str(i), rings=rings))
    pts = lattice(RESIDENT_LATTICE_M)
    if not pts or not tracts:
        return [], []
    arr = np.asarray(pts, dtype=np.float64)
    found = AreaIndex(tracts).find_many(arr[:, 0], arr[:, 1])  # the first tract in file order holding the point
    owner = np.asarray([int(a.code) if a is not None else -1 for a in found], dtype=np.intp)
    per = np.bincount(owner[owner >= 0], minlength=len(tracts))
    keep = [(p, pops[o] / per[o]) for p, o in zip(pts, owner.tolist(), strict=True) if o >= 0]
    return [p for p, _ in keep], [w for _, w in keep]


def _place_label(lat: float, lon: float) -> str:
    area = places.neighborhood_of(lat, lon)
    return f"{area.name + ' ' if area else ''}{lat:.5f}, {lon:.5f}"


def rebates(
    session: Session,
    settings: Settings,
    *,
    count: int | None,
    budget_cents: int | None,
    cost_cents: int | None,
    radius_m: float | None,
    actor: Principal,
) -> PlacementRead:
    """Where camera rebates add the most residents within ``radius_m`` of a registered, shared camera: maximal
    covering over the residential lattice with the registered cameras fixed; a count, or a budget over a per-rebate
    cost (the number of rebates it pays for). Audited."""
    if budget_cents is not None:
        if not cost_cents or cost_cents <= 0:
            raise ValidationFailed("cost_cents: a positive rebate amount is needed with a budget")
        count = budget_cents // cost_cents
    if count is None or not 1 <= count <= 50:
        raise ValidationFailed("count: 1 to 50 rebates (or a budget that pays for 1 to 50)")
    radius = radius_m or settings.analytics_camera_radius_m
    ref = _projector()
    demand_pts, weights_list = population_points()
    if divisions.current() is not None and demand_pts:
        keep = places.in_scope([p[0] for p in demand_pts], [p[1] for p in demand_pts]).tolist()
        demand_pts = [p for p, k in zip(demand_pts, keep, strict=True) if k]
        weights_list = [w for w, k in zip(weights_list, keep, strict=True) if k]
    cams = [c for c in cameras.list_cameras_all(session) if cameras.is_shared(c)]
    coords = [(c.lat, c.lon) for c in cams] + demand_pts

    def labels(j: int) -> str:
        return cams[j].code if j < len(cams) else _place_label(*coords[j])

    fixed = list(range(len(cams)))
    sites = _xy([c[0] for c in coords], [c[1] for c in coords], ref)
    demand = _xy([p[0] for p in demand_pts], [p[1] for p in demand_pts], ref)
    covers = coverage_within(demand, sites, radius)
    weights = np.asarray(weights_list)
    r = _mclp(covers, weights, count=count, fixed=fixed, time_limit=REBATE_TIME_LIMIT_S)
    params: dict[str, float | str] = {
        "residents": round(float(weights.sum())),
        "registered_cameras": float(len(cams)),
        "radius_m": radius,
        "lattice_m": RESIDENT_LATTICE_M,
        "rebates": float(count),
    }
    audit.record_for(session, actor, "analytics.placement_rebates", target_type="placement", details={"count": count})
    return _result("rebate", r, None, covers, weights, labels, coords, fixed, params, None)
