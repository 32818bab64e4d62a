"""Seed the demo city's camera registry: a few hundred cameras across Cerritos (all inside the city boundary) of
every owner type and sharing level, some owned by demo community accounts (``resident1..5``, ``business1..3``, the
demo password), city cameras at the city profile's intersections, and registry rows for the 19 ALPR cameras.

Placed where a canvass can find them: every profile intersection (the ones canvass offers by name, including those
on the city's edge roads, whose camera stands just inside the limit) has an all-round city traffic camera whose range
reaches the intersection, and business cameras stand along the arterials, near an intersection or an ALPR site, as
shops do; home cameras are spread over the residential blocks.

Idempotent: every camera has a fixed code (``DEMO-RES-001``, ``DEMO-BIZ-001``, ``DEMO-CITY-01``, the ALPR code)
and codes that exist are skipped, so a second run adds nothing. Live-linked demo cameras point at ``.invalid`` hosts
(RFC 6761: never resolvable) and carry no snapshot URL, so the probe job leaves them alone. Positions, mountings and
sharing levels come from the given random generator; nothing here claims to be a real camera or a real address.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.alpr import cameras as alpr_cameras
from rtcc.cameras import service as cameras_service
from rtcc.cameras.schemas import CameraCreate, SharingLevel
from rtcc.community import accounts as community_accounts
from rtcc.community import neighborhoods as community_neighborhoods
from rtcc.demo import world
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places_service

RESIDENTS = 5
BUSINESSES = 3
RESIDENTIAL_CAMERAS = 170
BUSINESS_CAMERAS = 90
CITY_CAMERAS = 40
#: Cameras each demo community account owns (the first ones of its type).
OWNED_PER_ACCOUNT = 2
_LEVELS: tuple[SharingLevel, ...] = ("registered", "on_request", "live_linked", "withdrawn")


def _point_in_city(rng: random.Random) -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = world.bbox()
    while True:
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        if world.contains(lat, lon):
            return round(lat, 6), round(lon, 6)


#: Largest step (metres) a camera for an intersection on the city's edge is moved inside the limit.
_EDGE_STEP_M = 25.0
_M_PER_DEG = 111_320.0


def _inside(lat: float, lon: float) -> tuple[float, float]:
    """The point, or the nearest point inside the city on the way to its centre (for edge intersections)."""
    if world.contains(lat, lon):
        return lat, lon
    clat, clon = world.center()
    dist = max(1.0, world.distance_m(lat, lon, clat, clon))
    for k in range(1, 41):
        f = min(1.0, k * _EDGE_STEP_M / dist)
        p = (lat + (clat - lat) * f, lon + (clon - lon) * f)
        if world.contains(*p):
            return round(p[0], 6), round(p[1], 6)
    return world.center()


def _near(rng: random.Random, anchors: list[tuple[float, float]], within_m: float) -> tuple[float, float]:
    """A point inside the city within ``within_m`` of a random anchor (a shop on an arterial)."""
    for _ in range(100):
        lat, lon = rng.choice(anchors)
        dlat = rng.uniform(-within_m, within_m) / _M_PER_DEG
        dlon = rng.uniform(-within_m, within_m) / (_M_PER_DEG * max(0.1, math.cos(math.radians(lat))))
        p = (round(lat + dlat, 6), round(lon + dlon, 6))
        if world.contains(*p):
            return p
    return _point_in_city(rng)


def _level(rng: random.Random, weights: tuple[float, float, float, float]) -> SharingLevel:
    return rng.choices(_LEVELS, weights=weights)[0]


def _account(session: Session, username: str, name: str, kind: str) -> uuid.UUID:
    """A demo community account with its portal profile (a home point inside the city, fixed per name)."""
    lat, lon = _point_in_city(random.Random(f"home:{username}"))
    return community_accounts.ensure_community_account(
        session, username=username, display_name=name, password=DEMO_PASSWORD, account_type=kind,
        email=f"{username}@demo.cerritos.example", lat=lat, lon=lon,
    )  # fmt: skip


def _accounts(session: Session) -> tuple[list[uuid.UUID], list[uuid.UUID], int]:
    before = {u.username for u in identity_service.list_users(session)}
    # the portal places an account in its neighborhood, so the neighborhoods come first (idempotent)
    community_neighborhoods.install_from_profile(session)
    residents = [_account(session, f"resident{i}", f"Resident {i}", "resident") for i in range(1, RESIDENTS + 1)]
    businesses = [_account(session, f"business{i}", f"Business {i}", "business") for i in range(1, BUSINESSES + 1)]
    created = len({u.username for u in identity_service.list_users(session)} - before)
    return residents, businesses, created


def _create(session: Session, data: CameraCreate) -> None:
    cameras_service.create_camera(session, data, actor=SYSTEM)


def seed(session: Session, *, now: datetime, rng: random.Random) -> dict[str, int]:
    """Create the demo registry (skipping what exists) in the caller's transaction; returns what it created."""
    del now  # registration times are the transaction's clock
    residents, businesses, accounts = _accounts(session)
    known = {c.code for c in cameras_service.list_cameras_all(session)}
    created = {"accounts": accounts, "residential": 0, "business": 0, "city": 0, "alpr": 0}

    def add(kind: str, code: str, doc: dict[str, object]) -> None:
        if code in known:
            return
        _create(session, CameraCreate.model_validate({"code": code, **doc}))
        known.add(code)
        created[kind] += 1

    for i in range(1, RESIDENTIAL_CAMERAS + 1):
        lat, lon = _point_in_city(rng)
        level = _level(rng, (0.5, 0.33, 0.1, 0.07))
        owner = residents[(i - 1) // OWNED_PER_ACCOUNT] if i <= RESIDENTS * OWNED_PER_ACCOUNT else None
        code = f"DEMO-RES-{i:03d}"
        add("residential", code, {
            "name": f"Home camera {i}", "owner_type": "residential", "owner_user_id": owner,
            "owner_name": f"Household {i}", "contact": f"household{i}@demo.invalid", "lat": lat, "lon": lon,
            "direction_deg": round(rng.uniform(0, 359.9), 1), "fov_deg": rng.choice([90.0, 110.0, 130.0]),
            "range_m": round(rng.uniform(12, 35), 1), "owner_retention_days": rng.choice([3, 7, 14, 30]),
            "sharing_level": level, "stream_url": f"rtsp://{code.lower()}.demo.invalid/live"
            if level == "live_linked" else None,
        })  # fmt: skip
    places = list(places_service.intersections())
    anchors = [(p.lat, p.lon) for p in places] + [(c.lat, c.lon) for c in world.cameras()]
    for i in range(1, BUSINESS_CAMERAS + 1):
        lat, lon = _near(rng, anchors, 150.0)
        level = _level(rng, (0.4, 0.35, 0.2, 0.05))
        owner = businesses[(i - 1) // OWNED_PER_ACCOUNT] if i <= BUSINESSES * OWNED_PER_ACCOUNT else None
        code = f"DEMO-BIZ-{i:03d}"
        add("business", code, {
            "name": f"Business camera {i}", "owner_type": "business", "owner_user_id": owner,
            "owner_name": f"Business {i}", "contact": f"business{i}@demo.invalid", "lat": lat, "lon": lon,
            "direction_deg": round(rng.uniform(0, 359.9), 1), "fov_deg": rng.choice([90.0, 110.0, 360.0]),
            "range_m": round(rng.uniform(20, 60), 1), "owner_retention_days": rng.choice([7, 14, 30, 60]),
            "sharing_level": level, "stream_url": f"rtsp://{code.lower()}.demo.invalid/live"
            if level == "live_linked" else None,
        })  # fmt: skip
    for i in range(1, CITY_CAMERAS + 1):
        at_place = i <= len(places)
        if at_place:
            place = places[i - 1]
            (lat, lon), name, address = _inside(place.lat, place.lon), f"Traffic camera {place.name}", place.name
            reach = world.distance_m(lat, lon, place.lat, place.lon) + 20.0  # it must see its intersection
        else:
            (lat, lon), name, address = _near(rng, anchors, 300.0), f"City camera {i}", None
            reach = 0.0
        code = f"DEMO-CITY-{i:02d}"
        add("city", code, {
            "name": name, "owner_type": "city", "owner_name": "City of Cerritos", "contact": "Public Works",
            "address": address, "lat": lat, "lon": lon, "direction_deg": round(rng.uniform(0, 359.9), 1),
            "fov_deg": 360.0 if at_place or i % 3 == 0 else 100.0,
            "range_m": round(max(reach, rng.uniform(80, 120)), 1),
            "owner_retention_days": 30, "sharing_level": "live_linked" if i % 4 == 0 else "registered",
            "stream_url": f"rtsp://{code.lower()}.demo.invalid/live" if i % 4 == 0 else None,
        })  # fmt: skip
    alpr_codes = {c.code for c in alpr_cameras.list_cameras(session)}
    for cam in world.cameras():
        add("alpr", cam.code, {
            "name": f"ALPR {cam.name} ({cam.direction})", "owner_type": "alpr", "owner_name": "Cerritos ALPR program",
            "address": cam.name, "lat": cam.lat, "lon": cam.lon, "direction_deg": cam.heading_deg % 360.0,
            "fov_deg": 40.0, "range_m": 40.0, "owner_retention_days": 60, "sharing_level": "registered",
            "alpr_camera_code": cam.code if cam.code in alpr_codes else None,
        })  # fmt: skip
    created["cameras"] = created["residential"] + created["business"] + created["city"] + created["alpr"]
    return created
