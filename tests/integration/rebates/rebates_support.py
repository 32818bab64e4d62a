"""Shared fixtures and helpers of the rebate tests, imported by the test modules: residents (community accounts)
with registered home cameras, and a factory for applications at a chosen stage, built through the real services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from rtcc.cameras import service as cameras
from rtcc.cameras.schemas import OwnerCameraCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import world
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Principal, Role
from rtcc.identity.schemas import UserCreate
from rtcc.rebates import proofs, service
from rtcc.rebates.schemas import ApplicationCreate
from rtcc.settings import Settings

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%test receipt\n"
#: A staff principal acting in service tests.
STAFF = Principal(kind="user", id="staff-1", name="pat_program", role=Role.program_staff.value, permissions=frozenset())


@dataclass
class Resident:
    principal: Principal
    username: str
    camera_id: uuid.UUID

    @property
    def user_id(self) -> uuid.UUID:
        return uuid.UUID(self.principal.id)


def inside_point(i: int = 0) -> tuple[float, float]:
    """A point inside Cerritos, a little apart per ``i``."""
    lat, lon = world.center()
    lat, lon = lat + 0.0005 * (i % 7), lon + 0.0005 * (i // 7)
    assert world.contains(lat, lon)
    return lat, lon


@pytest.fixture(name="resident")
def resident_fixture(db: Database) -> Callable[..., Resident]:
    """``resident()`` creates a community account with one registered home camera."""

    def make(username: str | None = None, *, role: Role = Role.resident, owner_type: str | None = None) -> Resident:
        username = username or f"res_{uuid.uuid4().hex[:8]}"
        with db.uow() as s:
            user = identity.create_user(
                s,
                UserCreate(username=username, display_name=username.title(), password=PASSWORD, role=role),
                actor=SYSTEM,
            )
            principal = identity.principal_of(user)
            lat, lon = inside_point()
            cam = cameras.create_own_camera(
                s,
                OwnerCameraCreate(name="Front door", lat=lat, lon=lon, owner_type=owner_type),
                owner=principal,
            )
        return Resident(principal=principal, username=username, camera_id=cam.id)

    return make


def body(res: Resident, *, i: int = 0, address: str | None = None, **kw: Any) -> ApplicationCreate:
    """A valid application body for ``res``."""
    lat, lon = inside_point(i)
    data: dict[str, Any] = {
        "address": address or f"{10000 + i} Bloomfield Avenue",
        "lat": lat,
        "lon": lon,
        "purchase_date": (utcnow() - timedelta(days=10)).date(),
        "amount_cents": 24_999,
        "camera_id": res.camera_id,
        "retailer": "Best Buy Cerritos",
    }
    data.update(kw)
    return ApplicationCreate(**data)


@pytest.fixture(name="apply")
def apply_fixture(db: Database, settings: Settings, tmp_path: Any) -> Callable[..., uuid.UUID]:
    """``apply(resident, i=..., proof=True, submit=True)`` creates (and uploads proof for, and submits) one."""

    def make(res: Resident, *, i: int = 0, proof: bool = True, submit: bool = True, **kw: Any) -> uuid.UUID:
        with db.uow() as s:
            app_id = service.create_application(s, settings, body(res, i=i, **kw), actor=res.principal).id
        if proof:
            with proofs.stage_proof(settings, PNG, filename="receipt.png") as staged, db.uow() as s:
                service.attach_proof(s, app_id, staged, actor=res.principal)
        if submit:
            with db.uow() as s:
                service.submit(s, settings, app_id, actor=res.principal)
        return app_id

    return make
