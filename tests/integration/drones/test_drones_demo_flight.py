"""The demo's simulated drone flight: an eligible demo call gets a decision, a request the demo pilot accepts, a
flight along its path through the real ingest path, a landing and a recording, and lands in the public log with its
call type; an excluded call type is refused with its rule named and never flies."""

from __future__ import annotations

from drones_support import CORNER, new_call
from sqlalchemy import func, select

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import drone_flights, seed_drones
from rtcc.drones import coarsen, publiclog
from rtcc.drones.flight_models import Flight, FlightPoint
from rtcc.identity import service as identity
from rtcc.live.models import LiveEvent
from rtcc.settings import Settings


def test_a_simulated_flight_lands_in_the_public_log(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        identity.ensure_user(s, username="pilot", password="demo-password-1", role="pilot", display_name="Pia Pilot")
        seed_drones.seed(s, now=utcnow())
    eligible = new_call(db, settings, "SHOTS", at=CORNER).call  # far enough from both docks for a public path
    excluded = new_call(db, settings, "FOCUSED_PATROL").call
    assert drone_flights.fly(db, None, settings, excluded.id, sleep=lambda _s: None) is None
    flight = drone_flights.fly(db, None, settings, eligible.id, hover_s=20, sleep=lambda _s: None)
    assert flight is not None and flight.status == "landed" and flight.call_number == eligible.number
    assert flight.on_scene_at is not None and flight.camera_down_s > 0 and flight.max_alt_m == 60
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(FlightPoint)) == flight.points > 20
        assert s.scalar(select(func.count()).select_from(Flight)) == 1
        page = publiclog.page(s, after=None, limit=10)
    (row,) = page.items
    assert row.call_type == "SHOTS" and row.call_ref == eligible.number and row.footage == "retained"
    assert row.path  # coarsened: cell centres, none within the private radius of the call
    for seg in row.path:
        for lat, lon in seg:
            assert coarsen.distance_m((lat, lon), CORNER) >= settings.drones_public_private_radius_m
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LiveEvent).where(LiveEvent.topic == "drones")) == 0  # no bus
