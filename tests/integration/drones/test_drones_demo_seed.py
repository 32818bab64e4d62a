"""The demo's drone seed: the Cerritos default policy, two docks inside the city with a drone each, and the demo
pilot on duty; idempotent. With it, an eligible simulated call gets a drone recommendation and a call type the policy
excludes is refused with the rule named."""

from __future__ import annotations

from drones_support import DISPATCHER, new_call

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import seed_drones
from rtcc.drones import launches, service
from rtcc.places import service as places
from rtcc.settings import Settings


def test_the_demo_drone_seed(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        first = seed_drones.seed(s, now=utcnow())
    with db.uow() as s:
        again = seed_drones.seed(s, now=utcnow())
    assert first == {"policies": 1, "docks": 2, "drones": 2, "pilots": 1}
    assert again == {"policies": 0, "docks": 0, "drones": 0, "pilots": 0}
    with db.read() as s:
        fleet = service.fleet(s)
        policy = service.active_policy(s)
        (pilot,) = service.pilots(s)
    assert [d.code for d in fleet.docks] == ["DOCK-E", "DOCK-W"]
    assert all(places.inside_city(d.lat, d.lon) for d in fleet.docks)
    assert {d.code: d.status for d in fleet.drones} == {"DRONE-1": "docked", "DRONE-2": "docked"}
    assert policy is not None and policy.source == "cerritos.geojson" and policy.zone_count == 33
    assert pilot.on_duty and pilot.name == "Pia Pilot"

    eligible = new_call(db, settings, "SHOTS").call
    excluded = new_call(db, settings, "FOCUSED_PATROL").call
    with db.uow() as s:
        yes = launches.decide(s, None, eligible.id, actor=DISPATCHER)
        no = launches.decide(s, None, excluded.id, actor=DISPATCHER)
    assert yes.outcome == "recommended" and yes.eta_s is not None and yes.eta_s < 300
    assert no.outcome == "refused" and no.rule_id == "DFR-EX-1" and "suspicionless surveillance" in no.rule
