"""Seed demo footage requests at every stage: waiting for the owner (``requested``), ``approved``, ``declined``,
``fulfilled`` with clips, and a ``closed`` request to a city camera whose clip was downloaded once.

Clips are small PNG frames generated here (a deterministic noise image per clip from the given random generator,
encoded with zlib: valid PNG files, recognised by their magic bytes like any upload) and stored through the evidence
store like real uploads, with custody, audit and camera-log entries. Requests go to cameras of the demo registry
(``rtcc.demo.seed_cameras``: resident-owned cameras, a city camera); when the registry has none, the seed registers
two cameras of its own (``DEMO-FTG-RES-01`` owned by ``resident1``, ``DEMO-FTG-CITY-01``). Requests are made by the
demo ``analyst``.

Idempotent: every request carries a fixed case number (``DEMO-FTG-01`` ...); when the first exists the seed adds
nothing. Clip files are written before the caller commits; if that commit fails they stay in the store unreferenced
(content-addressed, harmless, overwritten by nothing).
"""

from __future__ import annotations

import random
import struct
import uuid
import zlib
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.cameras import service as cameras_service
from rtcc.cameras.schemas import CameraCreate, CameraRead
from rtcc.community import accounts as community_accounts
from rtcc.core.clock import utcnow
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.footage import clips as footage_clips
from rtcc.footage import service as footage_service
from rtcc.footage.logic import Event
from rtcc.footage.schemas import FootageRequestCreate
from rtcc.footage.storage import FootageStore, store_for
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM, Principal

CASE_PREFIX = "DEMO-FTG-"
_REASONS = (
    "Residential burglary reported on this block; looking for the suspect vehicle.",
    "Hit-and-run at the nearby intersection; the vehicle may have passed your camera.",
    "Package theft from a porch two doors down.",
    "Vandalism to parked cars overnight.",
    "Catalytic converter theft in the neighbouring parking lot.",
)


def png_frame(width: int, height: int, rng: random.Random) -> bytes:
    """A valid RGB PNG of ``width`` x ``height`` pixels of coarse noise (a stand-in video frame)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    block = 8
    palette = [bytes((rng.randrange(256), rng.randrange(256), rng.randrange(256))) for _ in range(16)]
    cells = [[rng.randrange(16) for _ in range(width // block + 1)] for _ in range(height // block + 1)]
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type: none
        row = cells[y // block]
        for x in range(width):
            raw += palette[row[x // block]]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def _principal(session: Session, user_id: uuid.UUID) -> Principal:
    for user in identity_service.list_users(session):
        if user.id == user_id:
            return identity_service.principal_of(user)
    raise LookupError(f"user {user_id} not found")


def _cameras(session: Session) -> tuple[list[CameraRead], CameraRead]:
    """Resident-owned cameras that take requests, and one city camera (registered here when the registry has none)."""
    registry = cameras_service.list_cameras_all(session)
    owned = [c for c in registry if c.owner_user_id is not None and c.sharing_level != "withdrawn"]
    city = next((c for c in registry if c.owner_type == "city" and c.sharing_level != "withdrawn"), None)
    if not owned:
        resident_id = community_accounts.ensure_community_account(
            session, username="resident1", display_name="Resident 1", password=DEMO_PASSWORD,
            account_type="resident", email="resident1@demo.cerritos.example", lat=33.8672, lon=-118.0685,
        )  # fmt: skip
        doc = CameraCreate(code="DEMO-FTG-RES-01", name="Front porch camera", owner_type="residential",
                           owner_user_id=resident_id, owner_name="Household 1", lat=33.8672, lon=-118.0685,
                           owner_retention_days=14, sharing_level="on_request")  # fmt: skip
        owned = [cameras_service.create_camera(session, doc, actor=SYSTEM)]
    if city is None:
        doc = CameraCreate(code="DEMO-FTG-CITY-01", name="Traffic camera Towne Center", owner_type="city",
                           owner_name="City of Cerritos", lat=33.8655, lon=-118.0820, owner_retention_days=30,
                           sharing_level="registered")  # fmt: skip
        city = cameras_service.create_camera(session, doc, actor=SYSTEM)
    return owned, city


def _clip(
    session: Session,
    store: FootageStore,
    request_id: uuid.UUID,
    actor: Principal,
    rng: random.Random,
    n: int,
    start: datetime,
) -> None:
    data = png_frame(64, 48, rng)
    writer = store.begin(max_bytes=len(data), allowed=["image/png"], declared="image/png")
    writer.write(data)
    staged = writer.finish()
    try:
        footage_clips.add_clip(
            session,
            request_id,
            staged,
            actor=actor,
            filename=f"frame-{n:02d}.png",
            started_at=utcnow(),
            note="Still frame exported from the owner's recorder (demo).",
            recorded_start=start,
            recorded_end=start + timedelta(seconds=1),
        )
        store.commit(staged)
    except BaseException:
        store.discard(staged)
        raise


def seed(session: Session, *, now: datetime, rng: random.Random, store: FootageStore | None = None) -> dict[str, int]:
    """Create the demo footage requests (skipping when they exist) in the caller's transaction; returns counts.
    ``store`` defaults to the evidence store named by the process settings."""
    counts = {"requests": 0, "clips": 0, "requested": 0, "approved": 0, "declined": 0, "fulfilled": 0, "closed": 0}
    if footage_service.request_page(session, case_number=f"{CASE_PREFIX}01", limit=1).total:
        return counts
    if store is None:
        from rtcc.settings import get_settings

        settings = get_settings()
        store = store_for(settings.footage_dir, settings.data_dir)
    analyst = identity_service.principal_of(
        identity_service.ensure_user(
            session, username="analyst", password=DEMO_PASSWORD, role="analyst", display_name="Ana Analyst"
        )
    )
    owned, city = _cameras(session)
    plan = ["requested", "requested", "approved", "declined", "fulfilled", "fulfilled"]
    for i, stage in enumerate(plan, start=1):
        camera = owned[(i - 1) % len(owned)]
        end = now - timedelta(hours=rng.randint(2, 40))
        start = end - timedelta(minutes=rng.choice([15, 30, 60]))
        req = footage_service.create_request(
            session,
            FootageRequestCreate(
                camera_id=camera.id,
                case_number=f"{CASE_PREFIX}{i:02d}",
                incident_number=f"CAD-{now:%y%m%d}-{rng.randint(1000, 9999)}",
                purpose="felony_investigation" if i % 2 else "misdemeanor_investigation",
                reason=_REASONS[(i - 1) % len(_REASONS)],
                window_start=start,
                window_end=end,
            ),
            actor=analyst,
        )
        counts["requests"] += 1
        if stage == "requested":
            counts["requested"] += 1
            continue
        assert camera.owner_user_id is not None
        owner = _principal(session, camera.owner_user_id)
        if stage == "declined":
            footage_service.decide(session, req.id, Event.decline, owner=owner, reason="The camera was offline then.")
            counts["declined"] += 1
            continue
        footage_service.decide(session, req.id, Event.approve, owner=owner, reason="Glad to help.")
        if stage == "approved":
            counts["approved"] += 1
            continue
        for n in range(1, 3):
            _clip(session, store, req.id, owner, rng, n, start + timedelta(minutes=n))
            counts["clips"] += 1
        counts["fulfilled"] += 1
    # the agency's own camera: approved at once, a staff upload, one download, then closed
    end = now - timedelta(hours=5)
    req = footage_service.create_request(
        session,
        FootageRequestCreate(
            camera_id=city.id,
            case_number=f"{CASE_PREFIX}{len(plan) + 1:02d}",
            purpose="hit_verification",
            reason="Confirm the vehicle of an ALPR hit at this intersection.",
            window_start=end - timedelta(minutes=10),
            window_end=end,
        ),
        actor=analyst,
    )
    counts["requests"] += 1
    _clip(session, store, req.id, analyst, rng, 1, end - timedelta(minutes=5))
    counts["clips"] += 1
    first = footage_service.get_request(session, req.id).clips[0]
    footage_clips.record_download(session, first.id, actual_sha256=first.sha256, actor=analyst)
    footage_service.staff_transition(session, req.id, Event.close, actor=analyst)
    counts["closed"] += 1
    return counts
