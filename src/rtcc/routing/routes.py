"""HTTP routes of the routing domain (``/api/v1/routing``, ``routing:read``): the active road network, travel times
from units to a call, and directions. Every answer says how its times were obtained (``method``), so a screen can
label straight-line estimates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.routing import service
from rtcc.routing.schemas import EtaQuery, NetworkRead, Route, RouteQuery, TravelTimes

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])

Reader = Annotated[Principal, require(Perm.routing_read)]


@router.get("/network")
def get_network(db: DbDep, _p: Reader) -> NetworkRead | None:
    """The active road network (name, label, node and edge counts, when imported), or null when none is loaded."""
    with db.read() as session:
        return service.active_network(session)


@router.post("/eta")
def post_eta(body: EtaQuery, db: DbDep, settings: SettingsDep, _p: Reader) -> TravelTimes:
    """Seconds from each origin to the destination (network or straight-line estimate, per origin)."""
    with db.read() as session:
        return service.travel_times(
            session,
            to=(body.to.lat, body.to.lon),
            origins=[(o.lat, o.lon) for o in body.origins],
            emergent=body.emergent,
            params=service.RoutingParams.from_settings(settings),
        )


@router.post("/route")
def post_route(body: RouteQuery, db: DbDep, settings: SettingsDep, _p: Reader) -> Route:
    """Directions from start to end: a polyline of [lat, lon] and its travel time."""
    with db.read() as session:
        return service.route(
            session,
            start=(body.start.lat, body.start.lon),
            end=(body.end.lat, body.end.lon),
            emergent=body.emergent,
            params=service.RoutingParams.from_settings(settings),
        )
