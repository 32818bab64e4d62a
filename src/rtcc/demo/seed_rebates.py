"""Seed the demo city's camera rebate program: nine demo households (``homeowner1..9``, role resident, the demo
password), each with a home camera registered in the camera registry and one rebate application at a different
stage: draft, ineligible (submitted without proof), eligible, approved, paid, denied, withdrawn and waitlisted (every
submitted one shows its ``submitted`` step in the timeline; the automatic checks run on submission), plus a second
eligible one so the review queue has more than one entry.

Everything goes through the real services (identity, camera registry, rebates), so applications pass the real
checks, the budget is committed and paid through the real transitions, and applicants get their notifications. The
program budget is then set to what is used plus $150, so the last approval waits on the waitlist while the budget
shows total, committed, paid and some money still available. Proofs are small generated PDF receipts stored under
``<data_dir>/rebates`` (``RTCC_DATA_DIR`` of the process settings).

Idempotent: when ``homeowner1`` already has an application, nothing is added.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.cameras import service as cameras_service
from rtcc.cameras.schemas import OwnerCameraCreate
from rtcc.community import accounts as community_accounts
from rtcc.demo import world
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.identity import service as identity_service
from rtcc.identity.logic import Principal
from rtcc.rebates import budget, proofs, review
from rtcc.rebates import service as rebates
from rtcc.rebates.schemas import ApplicationCreate
from rtcc.settings import Settings, get_settings

#: (stage, household address) per demo household, in the order they apply.
STAGES: tuple[tuple[str, str], ...] = (
    ("paid", "12611 Ashworth Place"),
    ("approved", "17307 Elaine Drive"),
    ("denied", "13146 Ashworth Street"),
    ("eligible", "18704 Alora Avenue"),
    ("eligible", "11920 Cuesta Drive"),
    ("withdrawn", "16515 Bluewater Lane"),
    ("ineligible", "12903 Droxford Street"),
    ("draft", "17819 Ibbetson Avenue"),
    ("waitlisted", "13352 Cortina Circle"),
)
RETAILERS = ("Best Buy Cerritos", "Costco Norwalk", "Home Depot Cerritos", "Amazon", "Target Cerritos")
#: What stays available after the demo's approvals: less than one full rebate, so the last approval waits.
LEFT_AVAILABLE_CENTS = 15_000


def _point_in_city(rng: random.Random) -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = world.bbox()
    while True:
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        if world.contains(lat, lon):
            return round(lat, 6), round(lon, 6)


def _receipt(n: int, amount_cents: int, retailer: str) -> bytes:
    text = f"DEMO RECEIPT {n:04d} - {retailer} - home security camera - ${amount_cents / 100:.2f}"
    return f"%PDF-1.4\n% {text}\n%%EOF\n".encode()


def _household(session: Session, n: int, rng: random.Random) -> tuple[Principal, uuid.UUID, float, float]:
    lat, lon = _point_in_city(rng)
    user_id = community_accounts.ensure_community_account(  # with a profile, so C5 messages reach e-mail too
        session,
        username=f"homeowner{n}",
        display_name=f"Homeowner {n}",
        password=DEMO_PASSWORD,
        account_type="resident",
        email=f"homeowner{n}@example.org",
        lat=lat,
        lon=lon,
    )
    user = identity_service.get_user(session, user_id)
    owner = identity_service.principal_of(user)
    owned = cameras_service.cameras_of_owner(session, user.id)
    if owned:
        return owner, owned[0].id, lat, lon
    cam = cameras_service.create_own_camera(
        session,
        OwnerCameraCreate(
            code=f"DEMO-REB-{n:02d}",
            name="Front porch camera",
            lat=lat,
            lon=lon,
            direction_deg=float(rng.randrange(0, 360, 15)),
            fov_deg=110.0,
            range_m=25.0,
            owner_retention_days=rng.choice((7, 14, 30)),
            sharing_level=rng.choice(("registered", "on_request")),
        ),
        owner=owner,
    )
    return owner, cam.id, lat, lon


def _apply(
    session: Session, settings: Settings, stage: str, address: str, n: int, *, now: datetime, rng: random.Random
) -> tuple[uuid.UUID, Principal]:
    owner, camera_id, lat, lon = _household(session, n, rng)
    amount = rng.choice((12_999, 17_950, 19_900, 24_999, 34_900))
    retailer = rng.choice(RETAILERS)
    data = ApplicationCreate(
        address=f"{address}, Cerritos, CA 90703",
        lat=lat,
        lon=lon,
        purchase_date=(now - timedelta(days=rng.randint(3, 40))).date(),
        amount_cents=amount if stage != "waitlisted" else 24_999,
        camera_id=camera_id,
        retailer=retailer,
    )
    app_id = rebates.create_application(session, settings, data, actor=owner).id
    if stage != "ineligible":  # the ineligible one forgot its receipt
        staged = proofs.stage_proof(settings, _receipt(n, amount, retailer), filename=f"receipt-{n}.pdf")
        # the caller's unit of work commits later; ``mark_committed`` runs after that commit
        rebates.attach_proof(session, app_id, staged, actor=owner)
    if stage != "draft":
        rebates.submit(session, settings, app_id, actor=owner)
    return app_id, owner


def seed(session: Session, *, now: datetime, rng: random.Random) -> dict[str, int]:
    """Create the demo rebate applications (once) in the caller's transaction; returns what was created."""
    settings = get_settings()
    first = identity_service.ensure_user(
        session, username="homeowner1", password=DEMO_PASSWORD, role="resident", display_name="Homeowner 1"
    )
    if rebates.my_applications(session, actor=identity_service.principal_of(first)):
        return {"households": 0, "applications": 0, "approved": 0, "paid": 0, "waitlisted": 0}
    staff_user = identity_service.ensure_user(
        session,
        username="program_staff",
        password=DEMO_PASSWORD,
        role="program_staff",
        display_name="Pat Program",
        unit="City of Cerritos",
    )
    staff = identity_service.principal_of(staff_user)
    created: list[tuple[str, uuid.UUID, Principal]] = []
    for n, (stage, address) in enumerate(STAGES, start=1):
        app_id, owner = _apply(session, settings, stage, address, n, now=now, rng=rng)
        created.append((stage, app_id, owner))

    waitlisted: list[uuid.UUID] = []
    for stage, app_id, owner in created:
        if stage in ("approved", "paid", "withdrawn"):
            review.approve(session, settings, app_id, actor=staff)
        if stage == "paid":
            review.mark_paid(session, settings, app_id, f"CHK-{rng.randint(10000, 99999)}", actor=staff)
        elif stage == "denied":
            review.deny(
                session, settings, app_id, "The receipt shows a video doorbell chime, not a camera.", actor=staff
            )
        elif stage == "withdrawn":
            rebates.withdraw(session, settings, app_id, actor=owner)
        elif stage == "waitlisted":
            waitlisted.append(app_id)
    program = budget.program(session, settings)
    budget.set_budget(
        session, settings, program.committed_cents + program.paid_cents + LEFT_AVAILABLE_CENTS, actor=staff
    )
    for app_id in waitlisted:
        review.approve(session, settings, app_id, actor=staff)
    final = budget.program(session, settings)
    return {
        "households": len(created),
        "applications": len(created),
        "approved": sum(1 for s, _a, _o in created if s == "approved"),
        "paid": sum(1 for s, _a, _o in created if s == "paid"),
        "waitlisted": final.waitlisted,
    }
