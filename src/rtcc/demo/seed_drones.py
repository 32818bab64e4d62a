"""Seed the demo city's drone program: the city profile's packaged launch policy (``rtcc drones policy import
--city-default``), two rooftop docks at named places of Cerritos with one simulated drone each, and the demo
``pilot`` account registered as a remote pilot on duty with a certificate valid for two years.

Everything goes through the real services (audited). Idempotent: an existing policy, dock, drone or pilot is kept.
Docks whose place the active city profile does not know are skipped (the demo city is Cerritos).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.drones import policies, weather, weather_feed
from rtcc.drones import service as drones
from rtcc.drones.schemas import DockIn, DroneIn, FleetIn, PilotCreate
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places

#: (dock code, the named place it stands near, drone call sign). Launch time 20 s: a dock's lid, checks and climb.
DOCKS = (
    ("DOCK-W", "Heritage Park", "DRONE-1"),
    ("DOCK-E", "Friendship Park", "DRONE-2"),
)
#: A DFR quadcopter of the class these programs fly (about 65 km/h cruise, 40 minutes in the air). Simulated.
DRONE_MODEL = ("Demo DFR quadcopter (simulated)", 18.0, 2400)
LAUNCH_TIME_S = 20.0
PILOT = ("pilot", "Pia Pilot", "DEMO-4410001")


def seed(session: Session, *, now: datetime) -> dict[str, int]:
    """Seed the policy, the docks with their drones and the pilot; how many of each were added."""
    added = {"policies": 0, "docks": 0, "drones": 0, "pilots": 0}
    if drones.active_policy(session, now) is None:
        try:
            policies.import_file(session, policies.default_path(), actor=SYSTEM, at=now)
            added["policies"] = 1
        except FileNotFoundError:
            pass
    fleet = drones.fleet(session)
    known_docks, known_drones = {d.code for d in fleet.docks}, {d.code for d in fleet.drones}
    model, speed, endurance = DRONE_MODEL
    new = []
    for code, place, drone_code in DOCKS:
        spot = places.resolve(place)
        if code in known_docks or spot is None:
            continue
        new.append(
            DockIn(
                code=code,
                name=f"Rooftop dock near {place} (demo)",
                lat=spot.lat,
                lon=spot.lon,
                launch_time_s=LAUNCH_TIME_S,
                drones=[DroneIn(code=drone_code, model=model, cruise_speed_mps=speed, endurance_s=endurance)],
            )
        )
        added["docks"] += 1
        added["drones"] += drone_code not in known_drones
    if new:
        drones.import_fleet(session, FleetIn(docks=new), actor=SYSTEM)
        for dock in drones.fleet(
            session
        ).docks:  # the simulated docks' stations report (the demo loop keeps them fresh)
            obs = weather.WindObservation(dock.code, now, 3.5, 5.0, None, "dock", "demo station")
            weather_feed.record(session, obs, dock_id=dock.id, entered_by="demo-station")
    username, name, certificate = PILOT
    identity_service.ensure_user(session, username=username, password=DEMO_PASSWORD, role="pilot", display_name=name)
    if not any(p.certificate_number == certificate for p in drones.pilots(session)):
        drones.register_pilot(
            session,
            PilotCreate(
                username=username,
                certificate_number=certificate,
                certificate_expires=(now + timedelta(days=730)).date(),
            ),
            actor=SYSTEM,
        )
        added["pilots"] = 1
    return added
