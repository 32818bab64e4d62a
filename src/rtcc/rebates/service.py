"""Rebate program use cases of the applicant: start an application for one of their registered cameras, attach the
proof of purchase, submit it (the automatic eligibility checks decide whether it joins the staff queue), follow it,
and withdraw it.

Elsewhere: staff review (queue, approve, deny, mark paid) is ``rebates.review``; the budget and its waitlist
``rebates.budget``; the steps every transition takes (timeline, audit, the applicant's messages)
``rebates.transitions``; proof files ``rebates.proofs``; the council report and the recapture list ``rebates.reports``.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.cameras import service as cameras
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.identity.logic import Principal
from rtcc.places import service as places
from rtcc.rebates import logic, repository
from rtcc.rebates.budget import program_row, promote_waitlist, release_commitment
from rtcc.rebates.logic import Status
from rtcc.rebates.models import RebateApplication
from rtcc.rebates.proofs import PROOF_DIR, StagedProof
from rtcc.rebates.schemas import ApplicationCreate, ApplicationRead, application_read
from rtcc.rebates.transitions import (
    applicant_id,
    audit_step,
    load_own_application,
    money,
    notify_applicant,
    record_event,
    set_status,
    waitlist_position,
)
from rtcc.settings import Settings


def create_application(
    session: Session, settings: Settings, data: ApplicationCreate, *, actor: Principal
) -> ApplicationRead:
    """Save a draft application for one of the applicant's registered cameras."""
    applicant = applicant_id(actor)
    try:
        camera = cameras.get_camera(session, data.camera_id)
    except NotFound:
        raise invalid("camera_id", "no such camera in the registry; register your camera first") from None
    if camera.owner_user_id != applicant:
        raise invalid("camera_id", "that camera is not registered to your account")
    key = logic.household_key(data.address)
    if not key:
        raise invalid("address", "give a street address")
    now = utcnow()
    app = RebateApplication(
        id=uuid.uuid4(),
        applicant_id=applicant,
        status=Status.draft.value,
        address=data.address,
        address_key=key[:255],
        household_claim=None,
        lat=data.lat,
        lon=data.lon,
        neighborhood=None,
        camera_id=data.camera_id,
        retailer=data.retailer,
        purchase_date=data.purchase_date,
        amount_cents=data.amount_cents,
        rebate_cents=logic.rebate_amount(data.amount_cents, settings.rebate_max_cents),
        checks=[],
        created_at=now,
        updated_at=now,
    )
    repository.add(session, app)
    record_event(session, app, Status.draft.value, actor, "Application started.")
    audit_step(session, actor, "create", app)
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))


def my_applications(session: Session, *, actor: Principal) -> list[ApplicationRead]:
    """The applicant's own applications, newest first."""
    return [application_read(a) for a in repository.of_applicant(session, applicant_id(actor))]


def my_application(session: Session, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """One of the applicant's own applications with its status timeline."""
    app = load_own_application(session, application_id, actor)
    return application_read(
        app, timeline=repository.timeline(session, app.id), position=waitlist_position(session, app)
    )


def attach_proof(
    session: Session, application_id: uuid.UUID, staged: StagedProof, *, actor: Principal
) -> ApplicationRead:
    """Make a staged upload the application's proof of purchase (draft or ineligible applications only)."""
    app = load_own_application(session, application_id, actor, lock=True)
    if app.status not in logic.EDITABLE:
        raise Conflict(f"proof can be changed only before submission or after an ineligible check, not {app.status}")
    relative = Path(PROOF_DIR) / str(app.id) / f"{uuid.uuid4().hex}.{staged.extension}"
    final = staged.data_dir / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    staged.final_path = final
    os.replace(staged.temp_path, final)
    if app.proof_path:
        staged.replaced.append(staged.data_dir / app.proof_path)
    app.proof_path = relative.as_posix()
    app.proof_sha256 = staged.sha256
    app.proof_size = staged.size
    app.proof_content_type = staged.content_type
    app.proof_filename = staged.filename
    app.updated_at = utcnow()
    record_event(session, app, app.status, actor, "Proof of purchase uploaded.")
    audit_step(session, actor, "proof", app, sha256=staged.sha256, size=staged.size, content_type=staged.content_type)
    session.flush()
    after_commit(session, staged.mark_committed)
    return application_read(app, timeline=repository.timeline(session, app.id))


def _neighborhood(session: Session, settings: Settings, lat: float, lon: float) -> str:
    """The neighbourhood of a point: the city profile's neighbourhood containing it, else the city sector (quadrant
    of the profile's city boundary)."""
    hood = places.neighborhood_of(lat, lon)
    if hood is not None:
        return hood.name[:128]
    return logic.sector(lat, lon, places.boundary().center())


def _camera_facts(session: Session, app: RebateApplication) -> logic.CameraFacts:
    try:
        camera = cameras.get_camera(session, app.camera_id)
    except NotFound:
        return logic.CameraFacts(found=False)
    return logic.CameraFacts(
        found=True,
        owned_by_applicant=camera.owner_user_id == app.applicant_id,
        withdrawn=not cameras.is_shared(camera),
        owner_type=camera.owner_type,
    )


def eligibility_checks(
    session: Session, settings: Settings, app: RebateApplication, now: datetime
) -> list[logic.Check]:
    """The automatic checks of an application as of ``now`` (run at submission and again at approval)."""
    inp = logic.EligibilityInput(
        inside_city=places.inside_city(app.lat, app.lon),
        household_taken=repository.claim_holder(session, app.address_key, exclude=app.id) is not None,
        purchase_date=app.purchase_date,
        today=logic.today_utc(now),
        max_age_days=settings.rebate_purchase_max_age_days,
        program_start=settings.rebate_program_start,
        amount_cents=app.amount_cents,
        proof_uploaded=app.proof_path is not None,
        camera=_camera_facts(session, app),
    )
    return logic.eligibility(inp)


def failed_checks(checks: list[logic.Check]) -> str:
    """The messages of the checks that failed, in one sentence list."""
    return "; ".join(c.message for c in checks if not c.ok)


def submit(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """Submit (or resubmit after an ineligible check): run the automatic checks; eligible ones join the queue."""
    app = load_own_application(session, application_id, actor, lock=True)
    if app.status not in logic.EDITABLE:
        raise Conflict(f"an application that is {app.status} cannot be submitted")
    now = utcnow()
    app.submitted_at = now
    app.rebate_cents = logic.rebate_amount(app.amount_cents, settings.rebate_max_cents)
    app.neighborhood = _neighborhood(session, settings, app.lat, app.lon)
    record_event(session, app, Status.submitted.value, actor, None)
    checks = eligibility_checks(session, settings, app, now)
    ok = logic.is_eligible(checks)
    if ok:
        try:
            with session.begin_nested():  # the unique household claim settles a race between two submissions
                set_status(app, Status.eligible, now)
                app.checks = [c.as_dict() for c in checks]
                session.flush()
        except IntegrityError:
            checks = [
                logic.Check("one_per_household", False, "This household already has a rebate application or rebate.")
                if c.code == "one_per_household"
                else c
                for c in checks
            ]
            ok = False
    if not ok:
        set_status(app, Status.ineligible, now)
    app.checks = [c.as_dict() for c in checks]
    failing = [c.code for c in checks if not c.ok]
    record_event(session, app, app.status, "system", failed_checks(checks) or "All automatic checks passed.")
    audit_step(session, actor, "submit", app, failed=failing)
    if ok:
        notify_applicant(
            session,
            app,
            ("Camera rebate application received", "Recibimos su solicitud de reembolso por la cámara"),
            (
                f"Your application passed the automatic checks and is waiting for staff review "
                f"(rebate {money(app.rebate_cents)}).",
                f"Su solicitud pasó las comprobaciones automáticas y espera la revisión del personal "
                f"(reembolso de {money(app.rebate_cents)}).",
            ),
        )
    else:
        notify_applicant(
            session,
            app,
            ("Camera rebate application needs attention", "Su solicitud de reembolso necesita atención"),
            (
                f"Your application did not pass the automatic checks: {failed_checks(checks)} "
                "You can fix this and submit again.",
                f"Su solicitud no pasó las comprobaciones automáticas: {failed_checks(checks)} "
                "Puede corregirlo y enviarla de nuevo.",
            ),
        )
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))


def withdraw(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """The applicant withdraws; committed money goes back to the budget and the waitlist moves up."""
    row = program_row(session, settings, lock=True)
    app = load_own_application(session, application_id, actor, lock=True)
    if app.status not in logic.WITHDRAWABLE:
        raise Conflict(f"an application that is {app.status} cannot be withdrawn")
    released = release_commitment(session, row, app)
    now = utcnow()
    set_status(app, Status.withdrawn, now)
    app.withdrawn_at = now
    record_event(session, app, Status.withdrawn.value, actor, "Withdrawn by the applicant.")
    audit_step(session, actor, "withdraw", app, released=released)
    session.flush()
    if released:
        promote_waitlist(session, row, actor)
    return application_read(app, timeline=repository.timeline(session, app.id))
