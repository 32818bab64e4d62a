"""Seed the demo city into a database: staff users, the 19 Cerritos ALPR cameras, the demo hotlists, a sensor key,
then the programs around them (``seed_programs``): the camera registry, community accounts, watch groups,
subscriptions and tips, governance (purposes, sharing agencies, audited searches), footage requests and rebates.

Idempotent: users, cameras and lists that exist are kept (the lists are re-imported to the same content, which is a
no-op), so ``rtcc demo`` can be run again on the same database. Runs inside a unit of work with a started bus.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr.schemas import CameraCreate
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.demo import (
    road_grid,
    seed_analytics,
    seed_cameras,
    seed_community,
    seed_dispatch,
    seed_drones,
    seed_footage,
    seed_governance,
    seed_oversight,
    seed_rebates,
    world,
)
from rtcc.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from rtcc.demo.traffic import DEMO_HOTLISTS, DemoHotlistEntry, demo_hotlist
from rtcc.hotlists import imports as hotlist_imports
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.parsers import ParsedEntry
from rtcc.hotlists.schemas import HotlistCreate
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings, get_settings


@dataclass(frozen=True)
class SeedResult:
    """What the seed created or found, and the simulator's API key."""

    users: int
    cameras: int
    hotlists: int
    entries: int
    api_key: str
    hotlist_entries: list[DemoHotlistEntry]
    programs: dict[str, dict[str, int]] = field(default_factory=dict)


def _parsed(entries: list[DemoHotlistEntry]) -> list[ParsedEntry]:
    from rtcc.core.plates import normalise

    return [
        ParsedEntry(
            line=i + 1,
            plate=e.plate,
            plate_norm=normalise(e.plate),
            region=e.region,
            category=e.category,
            reason=e.reason,
            case_number=e.case_number,
            expires_at=None,
            vehicle_make=e.make,
            vehicle_model=e.model,
            vehicle_color=e.color,
            vehicle_type=e.vehicle_type,
            vehicle_year=e.year,
        )
        for i, e in enumerate(entries)
    ]


def seed_programs(session: Session, *, settings: Settings, seed_value: int = 7) -> dict[str, dict[str, int]]:
    """Seed the registry, community, governance, footage and rebate demo data (each idempotent), in that order:
    footage needs registered cameras and community owners; rebates need both."""
    from rtcc.footage.storage import store_for

    now = utcnow()
    rng = random.Random(seed_value)
    return {
        "cameras": seed_cameras.seed(session, now=now, rng=rng),
        "community": seed_community.seed(session, now=now, rng=rng),
        "governance": seed_governance.seed(session, now=now, rng=rng),
        "footage": seed_footage.seed(
            session, now=now, rng=rng, store=store_for(settings.footage_dir, settings.data_dir)
        ),
        "rebates": seed_rebates.seed(session, now=now, rng=rng),
        "dispatch": seed_dispatch.seed(session),
        "drones": seed_drones.seed(session, now=now),
        "oversight": seed_oversight.seed(session),  # the contract; the simulated history loads after start (runner)
        # no street survey of Cerritos is available offline: the arterial grid of its gazetteer, labelled as such
        "routing": {"networks": 0 if road_grid.install_if_none(session) is None else 1},
        "analytics": seed_analytics.seed(session, now=now),
    }


def seed(session: Session, bus: Bus, *, seed_value: int = 7, settings: Settings | None = None) -> SeedResult:
    """Create (or find) everything the demo needs, in the caller's transaction."""
    for role, name, unit in DEMO_USERS:
        identity_service.ensure_user(
            session, username=role, password=DEMO_PASSWORD, role=role, display_name=name, unit=unit
        )
    cameras = world.cameras()
    known = {c.code for c in alpr_cameras.list_cameras(session)}
    for cam in cameras:
        if cam.code in known:
            continue
        alpr_cameras.register_camera(
            session,
            CameraCreate(
                code=cam.code,
                name=f"{cam.name} ({cam.direction})",
                lat=cam.lat,
                lon=cam.lon,
                heading_deg=cam.heading_deg,
                location=cam.name,
                kind="alpr_fixed",
                meta={"phase": cam.phase, "daily_volume": cam.daily_volume, "road": cam.road},
            ),
            actor=SYSTEM,
        )
    entries = demo_hotlist(np.random.default_rng(seed_value))
    by_list: dict[str, list[DemoHotlistEntry]] = defaultdict(list)
    for e in entries:
        by_list[e.hotlist].append(e)
    existing = {h.name: h for h in hotlists_lists.list_hotlists(session)}
    for spec in DEMO_HOTLISTS:
        hotlist = existing.get(spec.name)
        if hotlist is None:
            hotlist = hotlists_lists.create_hotlist(
                session,
                bus,
                HotlistCreate(
                    name=spec.name,
                    source=spec.source,
                    category=Category(spec.category),
                    priority=spec.priority,
                    max_diff=spec.max_diff,
                    require_state=spec.require_state,
                    owner="Cerritos RTCC",
                ),
                actor=SYSTEM,
            )
        hotlist_imports.import_entries(
            session, bus, hotlist.id, _parsed(by_list[spec.name]), actor=SYSTEM, fmt="csv", source_name="demo-seed"
        )
    _key, secret = identity_service.create_api_key(
        session, ApiKeyCreate(name="demo camera simulator", camera_codes=[c.code for c in cameras]), actor=SYSTEM
    )
    programs = seed_programs(session, settings=settings or get_settings(), seed_value=seed_value)
    return SeedResult(
        users=len(DEMO_USERS),
        cameras=len(cameras),
        hotlists=len(DEMO_HOTLISTS),
        entries=len(entries),
        api_key=secret,
        hotlist_entries=entries,
        programs=programs,
    )
