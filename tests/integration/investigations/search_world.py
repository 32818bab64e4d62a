"""A small ALPR world for the search tests: four cameras around Cerritos and reads of a handful of plates chosen so
that each search kind has a known answer (see ``world``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.alpr.models import Camera, Read
from rtcc.core.db import Database
from rtcc.core.plates import forms
from rtcc.identity.logic import Principal, permissions_for
from rtcc_testing import file_case

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
CAMERAS = {  # code: (lat, lon)
    "A": (33.8600, -118.0800),
    "B": (33.8700, -118.0800),  # ~1.1 km north of A
    "C": (33.8600, -118.0650),  # ~1.4 km east of A
    "D": (33.9000, -118.0000),  # far away
}


#: The case numbers the search tests name, each on record (a hotlist entry filed under it): beyond a purpose's
#: case-free bounds a search needs a case the agency's records hold (``rtcc.governance.cases``).
CASES_ON_RECORD = ("CER26-0042", "2026-001234", "CER26-7")


@dataclass
class World:
    cameras: dict[str, uuid.UUID] = field(default_factory=dict)
    reads: dict[str, list[uuid.UUID]] = field(default_factory=dict)


def analyst(name: str = "det_jones") -> Principal:
    return Principal(
        kind="user",
        id=str(uuid.uuid4()),
        name=name,
        role="analyst",
        permissions=permissions_for("analyst"),
        unit="RTCC",
    )


def add_read(
    db: Database,
    world: World,
    plate: str,
    cam: str,
    minutes: float,
    *,
    state: str = "CA",
    make: str | None = None,
    color: str | None = None,
    confidence: float = 90.0,
    own_position: tuple[float, float] | None = None,
) -> uuid.UUID:
    f = forms(plate)
    rid = uuid.uuid4()
    at = T0 + timedelta(minutes=minutes)
    with db.uow() as s:
        s.add(
            Read(
                id=rid,
                camera_id=world.cameras[cam],
                plate=plate,
                plate_norm=f.norm,
                plate_ocr=f.ocr,
                region=state,
                confidence=confidence,
                observed_at=at,
                received_at=at + timedelta(seconds=2),
                lat=own_position[0] if own_position else None,
                lon=own_position[1] if own_position else None,
                vehicle_make=make,
                vehicle_color=color,
                image_ref=f"s3://scenes/{rid}.jpg",
                source="rest",
            )
        )
    world.reads.setdefault(f.norm, []).append(rid)
    return rid


@pytest.fixture
def world(db: Database) -> World:
    """Reads (minutes after T0):

    - 7ABC123 (Honda silver): A 0, A 4, A 8 (a dwell), B 15, C 135 (after a 2 h gap)
    - 7ABD123 (Toyota): A 1  — matches 7AB*123 with 7ABC123
    - 7A8C123 (NV): D 30     — OCR-class twin of 7ABC123
    - 7ABC128: D 40          — one position from 7ABC123
    - 8XYZ123: B 20; 9XYZ1234: B 21; 5XYZ999: C 22 (confidence 50) — ?XYZ123 and partial XYZ
    - 4COM001: A 0.5, B 15.5, C 134.5 — travels with 7ABC123 at three cameras
    - 4COM002: A 0.3         — next to 7ABC123 at one camera only
    - 6MOB001: read by the mobile camera M (no fixed position) with its own position next to A, minute 2
    """
    w = World()
    with db.uow() as s:
        for code, (lat, lon) in CAMERAS.items():
            cam = Camera(code=f"INV-{code}", name=f"Camera {code}", lat=lat, lon=lon, created_at=T0)
            s.add(cam)
            s.flush()
            w.cameras[code] = cam.id
        mobile = Camera(code="INV-M", name="Patrol car 12", kind="alpr_mobile", created_at=T0)
        s.add(mobile)
        s.flush()
        w.cameras["M"] = mobile.id
    for minute in (0, 4, 8):
        add_read(db, w, "7ABC123", "A", minute, make="Honda", color="silver")
    add_read(db, w, "7ABC123", "B", 15, make="Honda", color="silver")
    add_read(db, w, "7ABC123", "C", 135, make="Honda", color="silver")
    add_read(db, w, "7ABD123", "A", 1, make="Toyota", color="white")
    add_read(db, w, "7A8C123", "D", 30, state="NV")
    add_read(db, w, "7ABC128", "D", 40)
    add_read(db, w, "8XYZ123", "B", 20)
    add_read(db, w, "9XYZ1234", "B", 21)
    add_read(db, w, "5XYZ999", "C", 22, confidence=50.0)
    add_read(db, w, "4COM001", "A", 0.5)
    add_read(db, w, "4COM001", "B", 15.5)
    add_read(db, w, "4COM001", "C", 134.5)
    add_read(db, w, "4COM002", "A", 0.3)
    add_read(db, w, "6MOB001", "M", 2, own_position=(33.8601, -118.0801))
    for case in CASES_ON_RECORD:
        file_case(db, case)
    return w
