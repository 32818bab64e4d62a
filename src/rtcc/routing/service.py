"""Use cases of the routing domain: importing and activating road networks, and the travel-time queries other
domains call (``travel_times`` for dispatch's ETAs, ``route`` for a unit's directions).

Networks live in the database so every process (API servers, workers) routes on the same one. Each process keeps
the active network in memory (``loaded``): the arrays, the snapping tree and a CSR matrix per speed table; every
query first asks the database which network is active (one indexed row) and reloads when that changed, so an import
in one process reaches the others on their next query. Without a network, or for a point farther than
``RTCC_ROUTING_MAX_SNAP_M`` from it, times are straight-line estimates (``method="straight_line"``) that a screen
labels as such.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.service import Actor
from rtcc.core import geo
from rtcc.core.clock import utcnow
from rtcc.core.errors import ImportFailed, NotFound, field_error, invalid
from rtcc.routing import kernel, logic, repository
from rtcc.routing.models import RoutingNetwork
from rtcc.routing.osm import OsmReadError, read_osm
from rtcc.routing.schemas import STRAIGHT_LINE_NOTE, Method, NetworkRead, PointLike, Route, TravelTimes
from rtcc.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class RoutingParams:
    """The routing settings a query uses (``from_settings``); tests and benchmarks pass their own."""

    speeds_kph: tuple[tuple[str, float], ...] = tuple(sorted(logic.DEFAULT_SPEEDS_KPH.items()))
    emergent_factor: float = 1.25
    emergent_kph: tuple[tuple[str, float], ...] = ()
    access_speed_kph: float = 15.0
    max_snap_m: float = 400.0
    circuity: float = 1.35
    fallback_speed_kph: float = 40.0

    @classmethod
    def from_settings(cls, s: Settings) -> RoutingParams:
        """The parameters ``RTCC_ROUTING_*`` configure."""
        return cls(
            speeds_kph=tuple(sorted(logic.speed_table(s.routing_speeds_kph).items())),
            emergent_factor=s.routing_emergent_factor,
            emergent_kph=tuple(sorted(s.routing_emergent_speeds_kph.items())),
            access_speed_kph=s.routing_access_speed_kph,
            max_snap_m=s.routing_max_snap_m,
            circuity=s.routing_circuity,
            fallback_speed_kph=s.routing_fallback_speed_kph,
        )

    def speeds_mps(self, classes: Sequence[str], *, emergent: bool) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
        """The kernel's speed per class (m/s), routine or Emergent."""
        return logic.speeds_mps(
            classes,
            logic.speed_table(dict(self.speeds_kph)),
            emergent=emergent,
            emergent_factor=self.emergent_factor,
            emergent_kph=dict(self.emergent_kph),
        )

    def fallback_kph(self, *, emergent: bool) -> float:
        """The straight-line estimate's speed."""
        return self.fallback_speed_kph * (self.emergent_factor if emergent else 1.0)


def current_params() -> RoutingParams:
    """The parameters of the process's settings."""
    return RoutingParams.from_settings(get_settings())


@dataclass
class LoadedNetwork:
    """The active network in memory: its arrays, projection and routers (one per speed table, built on demand)."""

    id: uuid.UUID
    name: str
    label: str
    net: logic.RoadNetwork
    projection: logic.Projection
    graph: kernel.Graph
    _base: kernel.Router | None = None
    _routers: dict[tuple[RoutingParams, bool], kernel.Router] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def router(self, params: RoutingParams, *, emergent: bool) -> kernel.Router:
        """The router for these parameters (the snapping tree is built once and shared)."""
        key = (params, emergent)
        with self._lock:
            found = self._routers.get(key)
            if found is not None:
                return found
            speeds = params.speeds_mps(self.net.classes, emergent=emergent)
            access, snap_m = params.access_speed_kph / 3.6, params.max_snap_m
            if self._base is None:
                self._base = kernel.make_router(self.graph, speeds, access_speed_mps=access, max_snap_m=snap_m)
                built = self._base
            else:
                built = replace(kernel.reweigh(self._base, speeds), access_speed_mps=access, max_snap_m=snap_m)
            if len(self._routers) > 8:  # settings rarely change; keep the memory bounded anyway
                self._routers.clear()
            self._routers[key] = built
            return built


def build_loaded(network_id: uuid.UUID, name: str, label: str, net: logic.RoadNetwork) -> LoadedNetwork:
    """Project a network's nodes and pack its kernel graph."""
    proj = logic.projection_for(net.lat, net.lon)
    x, y = proj.xy(net.lat, net.lon)
    graph = kernel.build_graph(x, y, net.src, net.dst, net.length_m, net.road_class)
    return LoadedNetwork(network_id, name, label, net, proj, graph)


_CACHE: list[LoadedNetwork] = []  # the one network this process holds (the last active one it saw)
_CACHE_LOCK = threading.Lock()


def loaded(session: Session) -> LoadedNetwork | None:
    """The active network in memory, loaded from the database when it is not the one this process holds."""
    active_id = repository.active_id(session)
    if active_id is None:
        return None
    with _CACHE_LOCK:  # one loader at a time; the others wait and then find it cached
        if _CACHE and _CACHE[0].id == active_id:
            return _CACHE[0]
        row = session.get(RoutingNetwork, active_id)
        if row is None:
            return None
        found = build_loaded(row.id, row.name, row.label, repository.read_arrays(session, row))
        _CACHE[:] = [found]
        logger.info("road network %s loaded (%d nodes, %d edges)", row.name, row.node_count, row.edge_count)
        return found


def _read(row: RoutingNetwork) -> NetworkRead:
    return NetworkRead(
        id=str(row.id),
        name=row.name,
        label=row.label,
        source=row.source,
        classes=[c for c in row.classes.split(",") if c],
        node_count=row.node_count,
        edge_count=row.edge_count,
        active=row.active,
        imported_at=row.imported_at,
        imported_by=row.imported_by,
    )


def active_network(session: Session) -> NetworkRead | None:
    """The active network's facts, or None when no network is loaded."""
    row = repository.active(session)
    return None if row is None else _read(row)


def networks(session: Session) -> list[NetworkRead]:
    """Every stored network."""
    return [_read(r) for r in repository.every(session)]


def store_network(
    session: Session,
    net: logic.RoadNetwork,
    *,
    name: str,
    label: str,
    source: str,
    actor: Actor,
    activate: bool = True,
) -> NetworkRead:
    """Store a network under ``name`` (replacing one of that name) and make it the active one, in the caller's
    transaction: the previous network stays active until it commits."""
    if not _NAME.match(name):
        raise invalid("name", "1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit")
    if not label.strip() or len(label) > 255:
        raise invalid("label", "1 to 255 characters")
    if any("," in c or not c for c in net.classes) or len(",".join(net.classes)) > 512:
        raise invalid("classes", "road class names must be non-empty, without commas, 512 characters in all")
    old = repository.by_name(session, name)
    if old is not None:
        repository.remove(session, old.id)
        session.flush()
    row = RoutingNetwork(
        id=uuid.uuid4(),
        name=name,
        label=label.strip(),
        source=source[:255],
        classes=",".join(net.classes),
        node_count=net.node_count,
        edge_count=net.edge_count,
        active=False,
        imported_at=utcnow(),
        imported_by=actor.audit_name[:64],
    )
    session.add(row)
    session.flush()
    repository.write_arrays(session, row.id, net)
    if activate:
        repository.deactivate_all(session)
        row.active = True
        session.flush()
    audit.record_for(
        session,
        actor,
        "routing.network.import",
        target_type="routing_network",
        target_id=name,
        details={"source": row.source, "nodes": row.node_count, "edges": row.edge_count, "active": row.active},
    )
    return _read(row)


def import_file(
    session: Session, path: Path, *, name: str | None, label: str | None, actor: Actor, activate: bool = True
) -> NetworkRead:
    """Read an OSM file (``.osm.pbf`` or ``.osm``) and store it as the active network; nothing is written unless the
    whole file reads (the error names the file and element)."""
    try:
        net = read_osm(path)
    except OsmReadError as exc:
        raise ImportFailed(str(exc), errors=[field_error("", str(exc), where=path.name)]) from None
    stem = path.name.split(".")[0]
    default_name = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:64] or "network"
    return store_network(
        session,
        net,
        name=name or default_name,
        label=label or f"OpenStreetMap extract {path.name}",
        source=path.name,
        actor=actor,
        activate=activate,
    )


def activate_network(session: Session, name: str, *, actor: Actor) -> NetworkRead:
    """Make the stored network ``name`` the active one."""
    row = repository.by_name(session, name)
    if row is None:
        raise NotFound(f"no road network named {name!r}")
    repository.deactivate_all(session)
    row.active = True
    session.flush()
    audit.record_for(session, actor, "routing.network.activate", target_type="routing_network", target_id=name)
    return _read(row)


def _coords(p: PointLike) -> tuple[float, float]:
    if isinstance(p, tuple):
        return float(p[0]), float(p[1])
    return float(p.lat), float(p.lon)


def _straight(
    params: RoutingParams, lat: float, lon: float, lats: geo.FloatArray, lons: geo.FloatArray, *, emergent: bool
) -> tuple[geo.FloatArray, geo.FloatArray]:
    """Straight-line estimates from (lat, lon) to each point: seconds, and the road distance they assume (metres)."""
    road_m = geo.distances_m(lat, lon, lats, lons) * params.circuity
    return road_m / (params.fallback_kph(emergent=emergent) / 3.6), road_m


def travel_times(
    session: Session,
    *,
    to: PointLike,
    origins: Sequence[PointLike],
    emergent: bool,
    params: RoutingParams | None = None,
) -> TravelTimes:
    """Seconds from each origin to ``to`` on the active network (one search from ``to`` over the reversed graph),
    straight-line estimates where there is no network or a point is too far from it."""
    p = params or current_params()
    to_lat, to_lon = _coords(to)
    pts = [_coords(o) for o in origins]
    lats = np.asarray([a for a, _ in pts], dtype=np.float64)
    lons = np.asarray([b for _, b in pts], dtype=np.float64)
    straight, _ = _straight(p, to_lat, to_lon, lats, lons, emergent=emergent)
    net = loaded(session)
    if net is None or not pts:
        return _estimates(straight, emergent=emergent, net=net, method="network" if net and not pts else None)
    router = net.router(p, emergent=emergent)
    tx, ty = net.projection.xy(to_lat, to_lon)
    fx, fy = net.projection.xy(lats, lons)
    etas = kernel.etas_to(router, float(tx), float(ty), fx, fy)
    if not etas.target_ok:
        return _estimates(straight, emergent=emergent, net=net, method=None)
    seconds: list[float | None] = []
    methods: list[Method] = []
    for ok, net_s, est in zip(etas.origin_ok.tolist(), etas.seconds.tolist(), straight.tolist(), strict=True):
        if ok:
            seconds.append(net_s if math.isfinite(net_s) else None)
            methods.append("network")
        else:
            seconds.append(est)
            methods.append("straight_line")
    return TravelTimes(
        seconds=seconds,
        methods=methods,
        method="network",
        emergent=emergent,
        network=net.name,
        network_label=net.label,
        note=STRAIGHT_LINE_NOTE if "straight_line" in methods else None,
    )


def _estimates(
    straight: geo.FloatArray, *, emergent: bool, net: LoadedNetwork | None, method: Method | None
) -> TravelTimes:
    """Every time a straight-line estimate (``method`` overrides the overall method for an empty query)."""
    return TravelTimes(
        seconds=[float(s) for s in straight.tolist()],
        methods=["straight_line"] * int(straight.shape[0]),
        method=method or "straight_line",
        emergent=emergent,
        network=net.name if net else None,
        network_label=net.label if net else None,
        note=None if method == "network" else STRAIGHT_LINE_NOTE,
    )


def route(
    session: Session, *, start: PointLike, end: PointLike, emergent: bool, params: RoutingParams | None = None
) -> Route:
    """Directions from ``start`` to ``end``: the fastest path on the active network as a polyline with its seconds,
    or the straight line with its estimate where there is no network or a point is too far from it."""
    p = params or current_params()
    (s_lat, s_lon), (e_lat, e_lon) = _coords(start), _coords(end)
    est, road_m = _straight(p, s_lat, s_lon, np.asarray([e_lat]), np.asarray([e_lon]), emergent=emergent)
    net = loaded(session)
    fallback = Route(
        polyline=[(s_lat, s_lon), (e_lat, e_lon)],
        seconds=float(est[0]),
        distance_m=float(road_m[0]),
        method="straight_line",
        emergent=emergent,
        network=net.name if net else None,
        network_label=net.label if net else None,
        note=STRAIGHT_LINE_NOTE,
    )
    if net is None:
        return fallback
    router = net.router(p, emergent=emergent)
    x, y = net.projection.xy(np.asarray([s_lat, e_lat]), np.asarray([s_lon, e_lon]))
    snapped = kernel.snap(router, x, y)
    if not bool(snapped.ok.all()):
        return fallback
    found = kernel.path(router, int(snapped.node[0]), int(snapped.node[1]))
    if found is None:
        return fallback.model_copy(update={"seconds": None, "method": "network", "note": None})
    lat = np.concatenate([[s_lat], net.net.lat[found.nodes], [e_lat]])
    lon = np.concatenate([[s_lon], net.net.lon[found.nodes], [e_lon]])
    idx = np.arange(lat.shape[0] - 1, dtype=np.int64)
    metres = float(logic.segment_lengths(lat, lon, idx, idx + 1).sum())
    legs = float(snapped.distance_m.sum()) / router.access_speed_mps
    return Route(
        polyline=list(zip(lat.tolist(), lon.tolist(), strict=True)),
        seconds=found.seconds + legs,
        distance_m=metres,
        method="network",
        emergent=emergent,
        network=net.name,
        network_label=net.label,
    )
