"""The demo registry seed: a few hundred cameras inside Cerritos, every owner type and sharing level, demo community
accounts owning their cameras, registry rows for the 19 ALPR cameras (linked when the ALPR camera exists), and a
second run adding nothing."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr.schemas import CameraCreate as AlprCameraCreate
from rtcc.cameras import service
from rtcc.community import accounts as community
from rtcc.core.db import Database
from rtcc.demo import seed_cameras, world
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM


def test_seed_is_complete_and_idempotent(db: Database) -> None:
    first_alpr = world.cameras()[0]
    with db.uow() as s:
        alpr_cameras.register_camera(
            s, AlprCameraCreate(code=first_alpr.code, name=first_alpr.name, lat=first_alpr.lat, lon=first_alpr.lon),
            actor=SYSTEM,
        )  # fmt: skip
        counts = seed_cameras.seed(s, now=datetime.now(UTC), rng=random.Random(4))
    assert counts == {"accounts": 8, "residential": 170, "business": 90, "city": 40, "alpr": 19, "cameras": 319}
    with db.read() as s:
        cams = service.list_cameras_all(s)
        users = {u.username: u for u in identity.list_users(s)}
        assert len(cams) == 319
        assert all(world.contains(c.lat, c.lon) for c in cams if c.owner_type != "alpr")
        assert Counter(c.owner_type for c in cams) == {"residential": 170, "business": 90, "city": 40, "alpr": 19}
        assert set(Counter(c.sharing_level for c in cams)) == {"registered", "on_request", "live_linked", "withdrawn"}
        mine = service.cameras_of_owner(s, users["resident1"].id)
        assert [c.code for c in mine] == ["DEMO-RES-001", "DEMO-RES-002"]
        assert users["business3"].role == "business"
        assert len(service.cameras_of_owner(s, users["business3"].id)) == 2
        alpr_rows = {c.code: c for c in cams if c.owner_type == "alpr"}
        assert alpr_rows[first_alpr.code].alpr_camera_code == first_alpr.code
        assert alpr_rows[world.cameras()[1].code].alpr_camera_code is None
        assert all(c.owner_user_id is None or isinstance(c.owner_user_id, uuid.UUID) for c in cams)
        # every demo community login has its portal profile, placed in a neighborhood (the portal needs both)
        for name in [f"resident{i}" for i in range(1, 6)] + [f"business{i}" for i in range(1, 4)]:
            prof = community.get_profile_of(s, users[name].id)
            assert prof.account_type == users[name].role and prof.neighborhood_code, name
    with db.uow() as s:
        again = seed_cameras.seed(s, now=datetime.now(UTC), rng=random.Random(5))
    assert again == {"accounts": 0, "residential": 0, "business": 0, "city": 0, "alpr": 0, "cameras": 0}


def test_canvass_finds_a_demo_camera_at_every_intersection_it_offers(db: Database) -> None:
    from datetime import timedelta

    from rtcc.cameras import canvass
    from rtcc.cameras.schemas import CanvassQuery
    from rtcc.places import service as places

    with db.uow() as s:
        seed_cameras.seed(s, now=datetime.now(UTC), rng=random.Random(7))
    now = datetime.now(UTC)
    index = canvass.CanvassIndex()
    empty = []
    with db.read() as s:
        for place in places.intersections():
            q = CanvassQuery(place=place.name, start=now - timedelta(hours=2), end=now)
            if not canvass.canvass(s, index, q).items:
                empty.append(place.name)
    assert empty == []
