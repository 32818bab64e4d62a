"""Rebate program use cases: applications (create, attach proof, submit with automatic checks, withdraw), staff
review (queue, approve, deny, mark paid) and the budget with its FIFO waitlist. Proof files live in
``rebates.proofs``; the council report and the recapture list in ``rebates.reports``.

Every transition is audited (``rebate.<action>``) in the caller's transaction, appended to the application's
timeline, and the applicant is notified through the notify outbox (contract C5), which delivers after commit.

Money: ``committed`` is approved but unpaid, ``paid`` paid out, available = total - committed - paid. Approving an
eligible application commits its rebate when the available money covers it and nobody is waiting; otherwise it
joins the waitlist in submission order. Whenever money frees up (a committed application denied or withdrawn, the
budget raised) the head of the waitlist is promoted while it fits (strict FIFO: nobody jumps the line).

Locking: every transition that can touch money or the waitlist locks the program row first, then the application
(one global order, so no deadlocks): on PostgreSQL ``SELECT ... FOR UPDATE`` makes two approvals at once take turns,
on SQLite the write transaction (``BEGIN IMMEDIATE``) already does.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.cameras import service as cameras
from rtcc.community import accounts as community
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error, invalid
from rtcc.core.localtime import bilingual, bilingual_subject
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.places import service as places
from rtcc.rebates import logic, repository
from rtcc.rebates.logic import Status
from rtcc.rebates.models import RebateApplication, RebateEvent, RebateProgram
from rtcc.rebates.proofs import PROOF_DIR, StagedProof
from rtcc.rebates.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    ProgramRead,
    application_read,
)
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

TARGET = "rebate_application"
NOTIFY_CATEGORY = "rebates"


# --- helpers ---------------------------------------------------------------------------------------------------------


def _user_id(actor: Principal) -> uuid.UUID:
    user_id = actor.user_uuid
    if user_id is None:
        raise Conflict("only a signed-in community account can hold rebate applications")
    return user_id


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _load(session: Session, application_id: uuid.UUID, *, lock: bool = False) -> RebateApplication:
    app = repository.get(session, application_id, for_update=lock)
    if app is None:
        raise NotFound(f"no rebate application {application_id}")
    return app


def _own(session: Session, application_id: uuid.UUID, actor: Principal, *, lock: bool = False) -> RebateApplication:
    """The applicant's own application; someone else's answers 404 exactly like a missing one."""
    app = repository.get(session, application_id, for_update=lock)
    if app is None or str(app.applicant_id) != actor.id:
        raise NotFound(f"no rebate application {application_id}")
    return app


def _event(session: Session, app: RebateApplication, status: str, actor: Principal | str, note: str | None) -> None:
    name = actor if isinstance(actor, str) else actor.audit_name
    session.add(RebateEvent(application_id=app.id, at=utcnow(), status=status, actor=name[:64], note=note))


def _audit(session: Session, actor: Principal, action: str, app: RebateApplication, **details: Any) -> None:
    audit.record_for(
        session,
        actor,
        f"rebate.{action}",
        target_type=TARGET,
        target_id=str(app.id),
        details={"status": app.status, "rebate_cents": app.rebate_cents, **details},
    )


def _notify(session: Session, app: RebateApplication, subject: tuple[str, str], body: tuple[str, str]) -> None:
    """Message the applicant, in English and Spanish ((english, spanish) pairs)."""
    notify.enqueue(
        session,
        community.recipient(session, app.applicant_id),
        subject=bilingual_subject(*subject),
        body=bilingual(*body),
        category=NOTIFY_CATEGORY,
        link=f"/me/rebates/{app.id}",
    )


def _set(app: RebateApplication, status: Status, now: datetime) -> None:
    app.status = status.value
    app.updated_at = now
    app.household_claim = app.address_key if status in logic.CLAIMING else None


def _neighborhood(session: Session, settings: Settings, lat: float, lon: float) -> str:
    """The neighbourhood of a point: the city profile's neighbourhood containing it, else the city sector (quadrant
    of the profile's city boundary)."""
    hood = places.neighborhood_of(lat, lon)
    if hood is not None:
        return hood.name[:128]
    return logic.sector(lat, lon, places.boundary().center())


# --- program and budget ----------------------------------------------------------------------------------------------


def _program(session: Session, settings: Settings, *, lock: bool) -> RebateProgram:
    """The program row (created with the configured budget on first use), locked when ``lock``."""
    row = repository.program(session, for_update=lock)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(
                RebateProgram(
                    id=repository.PROGRAM_ID,
                    total_cents=settings.rebate_budget_cents,
                    committed_cents=0,
                    paid_cents=0,
                    updated_at=utcnow(),
                    updated_by="system",
                )
            )
    except IntegrityError:  # created by a concurrent transaction meanwhile
        pass
    row = repository.program(session, for_update=lock)
    if row is None:  # pragma: no cover - the row was just inserted
        raise RuntimeError("rebate program row missing")
    return row


def _budget(row: RebateProgram) -> logic.Budget:
    return logic.Budget(total=row.total_cents, committed=row.committed_cents, paid=row.paid_cents)


def program(session: Session, settings: Settings) -> ProgramRead:
    """The budget: total, committed, paid, available, and the waitlist."""
    row = repository.program(session)
    count, cents = repository.waitlist_totals(session)
    if row is None:
        budget = logic.Budget(total=settings.rebate_budget_cents, committed=0, paid=0)
        updated: datetime | None = None
    else:
        budget, updated = _budget(row), row.updated_at
    return ProgramRead(
        total_cents=budget.total,
        committed_cents=budget.committed,
        paid_cents=budget.paid,
        available_cents=budget.available,
        waitlisted=count,
        waitlisted_cents=cents,
        max_rebate_cents=settings.rebate_max_cents,
        updated_at=updated,
    )


def set_budget(session: Session, settings: Settings, total_cents: int, *, actor: Principal) -> ProgramRead:
    """Change the program total; refused below committed + paid; a raise promotes the waitlist."""
    row = _program(session, settings, lock=True)
    spent = row.committed_cents + row.paid_cents
    if total_cents < spent:
        raise invalid("total_cents", f"must be at least committed + paid ({_money(spent)})")
    before = row.total_cents
    row.total_cents = total_cents
    row.updated_at = utcnow()
    row.updated_by = actor.audit_name[:64]
    audit.record_for(
        session,
        actor,
        "rebate.budget",
        target_type="rebate_program",
        target_id=str(row.id),
        details={"before_cents": before, "total_cents": total_cents},
    )
    session.flush()
    _promote(session, row, actor)
    return program(session, settings)


def _promote(session: Session, row: RebateProgram, actor: Principal) -> list[RebateApplication]:
    """Move the head of the waitlist to approved while the money covers it (the caller holds the program lock)."""
    waiting = repository.waitlist(session, for_update=True)
    n = logic.promotions(_budget(row), [a.rebate_cents for a in waiting])
    now = utcnow()
    for app in waiting[:n]:
        _set(app, Status.approved, now)
        app.approved_at = now
        row.committed_cents += app.rebate_cents
        _event(session, app, Status.approved.value, actor, "Funds became available; approved from the waitlist.")
        _audit(session, actor, "promote", app)
        _notify(
            session,
            app,
            ("Your camera rebate is approved", "Su reembolso por la cámara está aprobado"),
            (
                f"Funds became available: your rebate of {_money(app.rebate_cents)} is approved and will be paid.",
                f"Hay fondos disponibles: su reembolso de {_money(app.rebate_cents)} está aprobado y se pagará.",
            ),
        )
    if n:
        row.updated_at = now
        logger.info("rebate waitlist: %d promoted", n)
    session.flush()
    return waiting[:n]


def _release(session: Session, row: RebateProgram, app: RebateApplication) -> bool:
    """Give back the money an approved application had committed; True when it had."""
    if app.status != Status.approved.value:
        return False
    row.committed_cents -= app.rebate_cents
    row.updated_at = utcnow()
    return True


# --- applicant -------------------------------------------------------------------------------------------------------


def create_application(
    session: Session, settings: Settings, data: ApplicationCreate, *, actor: Principal
) -> ApplicationRead:
    """Save a draft application for one of the applicant's registered cameras."""
    applicant = _user_id(actor)
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
    _event(session, app, Status.draft.value, actor, "Application started.")
    _audit(session, actor, "create", app)
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))


def my_applications(session: Session, *, actor: Principal) -> list[ApplicationRead]:
    """The applicant's own applications, newest first."""
    return [application_read(a) for a in repository.of_applicant(session, _user_id(actor))]


def _position(session: Session, app: RebateApplication) -> int | None:
    if app.status != Status.waitlisted.value:
        return None
    ids = [a.id for a in repository.waitlist(session)]
    return ids.index(app.id) + 1 if app.id in ids else None


def my_application(session: Session, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """One of the applicant's own applications with its status timeline."""
    app = _own(session, application_id, actor)
    return application_read(app, timeline=repository.timeline(session, app.id), position=_position(session, app))


def attach_proof(
    session: Session, application_id: uuid.UUID, staged: StagedProof, *, actor: Principal
) -> ApplicationRead:
    """Make a staged upload the application's proof of purchase (draft or ineligible applications only)."""
    app = _own(session, application_id, actor, lock=True)
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
    _event(session, app, app.status, actor, "Proof of purchase uploaded.")
    _audit(session, actor, "proof", app, sha256=staged.sha256, size=staged.size, content_type=staged.content_type)
    session.flush()
    after_commit(session, staged.mark_committed)
    return application_read(app, timeline=repository.timeline(session, app.id))


def open_proof(
    session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal
) -> tuple[Path, str, str]:
    """(path, content type, download name) of an application's proof for staff; audited; NotFound when none."""
    app = _load(session, application_id)
    if not app.proof_path or not app.proof_content_type:
        raise NotFound(f"rebate application {application_id} has no proof of purchase")
    path = Path(settings.data_dir) / app.proof_path
    if not path.is_file():
        raise NotFound(f"the proof file of rebate application {application_id} is missing from storage")
    audit.record_for(
        session,
        actor,
        "rebate.proof.open",
        target_type=TARGET,
        target_id=str(app.id),
        details={"sha256": app.proof_sha256},
    )
    return path, app.proof_content_type, app.proof_filename or path.name


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


def _checks(session: Session, settings: Settings, app: RebateApplication, now: datetime) -> list[logic.Check]:
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


def _failed(checks: list[logic.Check]) -> str:
    return "; ".join(c.message for c in checks if not c.ok)


def submit(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """Submit (or resubmit after an ineligible check): run the automatic checks; eligible ones join the queue."""
    app = _own(session, application_id, actor, lock=True)
    if app.status not in logic.EDITABLE:
        raise Conflict(f"an application that is {app.status} cannot be submitted")
    now = utcnow()
    app.submitted_at = now
    app.rebate_cents = logic.rebate_amount(app.amount_cents, settings.rebate_max_cents)
    app.neighborhood = _neighborhood(session, settings, app.lat, app.lon)
    _event(session, app, Status.submitted.value, actor, None)
    checks = _checks(session, settings, app, now)
    ok = logic.is_eligible(checks)
    if ok:
        try:
            with session.begin_nested():  # the unique household claim settles a race between two submissions
                _set(app, Status.eligible, now)
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
        _set(app, Status.ineligible, now)
    app.checks = [c.as_dict() for c in checks]
    failing = [c.code for c in checks if not c.ok]
    _event(session, app, app.status, "system", _failed(checks) or "All automatic checks passed.")
    _audit(session, actor, "submit", app, failed=failing)
    if ok:
        _notify(
            session,
            app,
            ("Camera rebate application received", "Recibimos su solicitud de reembolso por la cámara"),
            (
                f"Your application passed the automatic checks and is waiting for staff review "
                f"(rebate {_money(app.rebate_cents)}).",
                f"Su solicitud pasó las comprobaciones automáticas y espera la revisión del personal "
                f"(reembolso de {_money(app.rebate_cents)}).",
            ),
        )
    else:
        _notify(
            session,
            app,
            ("Camera rebate application needs attention", "Su solicitud de reembolso necesita atención"),
            (
                f"Your application did not pass the automatic checks: {_failed(checks)} "
                "You can fix this and submit again.",
                f"Su solicitud no pasó las comprobaciones automáticas: {_failed(checks)} "
                "Puede corregirlo y enviarla de nuevo.",
            ),
        )
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))


def withdraw(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """The applicant withdraws; committed money goes back to the budget and the waitlist moves up."""
    row = _program(session, settings, lock=True)
    app = _own(session, application_id, actor, lock=True)
    if app.status not in logic.WITHDRAWABLE:
        raise Conflict(f"an application that is {app.status} cannot be withdrawn")
    released = _release(session, row, app)
    now = utcnow()
    _set(app, Status.withdrawn, now)
    app.withdrawn_at = now
    _event(session, app, Status.withdrawn.value, actor, "Withdrawn by the applicant.")
    _audit(session, actor, "withdraw", app, released=released)
    session.flush()
    if released:
        _promote(session, row, actor)
    return application_read(app, timeline=repository.timeline(session, app.id))


# --- staff -----------------------------------------------------------------------------------------------------------


def queue(
    session: Session,
    *,
    statuses: list[str] | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Principal | None = None,
) -> ApplicationPage:
    """The review queue (eligible, ineligible, waitlisted by default), oldest submission first; a staff ``actor``'s
    view of it (addresses are personal data) is audited as ``rebate.queue.view``."""
    wanted = statuses or [s.value for s in logic.QUEUE]
    for s in wanted:
        if s not in Status.__members__:
            raise ValidationFailed(f"status: unknown status {s!r}", errors=[field_error("status", s, where="query")])
    apps, total = repository.by_status(session, wanted, limit=limit, offset=offset)
    line = {a.id: i + 1 for i, a in enumerate(repository.waitlist(session))}
    if actor is not None:
        audit.record_for(
            session,
            actor,
            "rebate.queue.view",
            target_type=TARGET,
            details={"statuses": wanted, "ids": [str(a.id) for a in apps]},
        )
    return ApplicationPage(items=[application_read(a, position=line.get(a.id)) for a in apps], total=total)


def staff_view(session: Session, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """One application with its timeline; the read of personal data is audited (``rebate.view``)."""
    app = _load(session, application_id)
    audit.record_for(session, actor, "rebate.view", target_type=TARGET, target_id=str(app.id), details={})
    return application_read(app, timeline=repository.timeline(session, app.id), position=_position(session, app))


def approve(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """Approve an eligible application: commit its rebate, or waitlist it (FIFO) when the money runs short."""
    row = _program(session, settings, lock=True)
    app = _load(session, application_id, lock=True)
    if app.status != Status.eligible.value:
        raise Conflict(f"only an eligible application can be approved; this one is {app.status}")
    now = utcnow()
    checks = _checks(session, settings, app, now)  # the camera may have been withdrawn since submission
    if not logic.is_eligible(checks):
        raise Conflict(f"the application no longer passes the automatic checks: {_failed(checks)}")
    _promote(session, row, actor)  # anyone already waiting goes first
    waiting = repository.waitlist(session)
    if waiting or not logic.fits(_budget(row), app.rebate_cents):
        _set(app, Status.waitlisted, now)
        app.waitlisted_at = now
        _event(
            session, app, Status.waitlisted.value, actor, "Approved; the budget is used up, so it joins the waitlist."
        )
        _audit(session, actor, "waitlist", app, available_cents=_budget(row).available)
        _notify(
            session,
            app,
            ("Your camera rebate is on the waitlist", "Su reembolso por la cámara está en lista de espera"),
            (
                "Your application is approved, but the program's funds are committed. It is on the waitlist in "
                "submission order and will be approved automatically when funds free up.",
                "Su solicitud está aprobada, pero los fondos del programa están comprometidos. Está en la lista de "
                "espera por orden de envío y se aprobará automáticamente cuando haya fondos.",
            ),
        )
    else:
        _set(app, Status.approved, now)
        app.approved_at = now
        app.decided_by = actor.audit_name[:64]
        row.committed_cents += app.rebate_cents
        row.updated_at = now
        _event(session, app, Status.approved.value, actor, f"Approved: {_money(app.rebate_cents)} committed.")
        _audit(session, actor, "approve", app)
        _notify(
            session,
            app,
            ("Your camera rebate is approved", "Su reembolso por la cámara está aprobado"),
            (
                f"Your rebate of {_money(app.rebate_cents)} is approved and will be paid.",
                f"Su reembolso de {_money(app.rebate_cents)} está aprobado y se pagará.",
            ),
        )
    app.checks = [c.as_dict() for c in checks]
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id), position=_position(session, app))


def deny(
    session: Session, settings: Settings, application_id: uuid.UUID, reason: str, *, actor: Principal
) -> ApplicationRead:
    """Deny with a reason (sent to the applicant); committed money goes back and the waitlist moves up."""
    row = _program(session, settings, lock=True)
    app = _load(session, application_id, lock=True)
    if app.status not in logic.DENIABLE:
        raise Conflict(f"an application that is {app.status} cannot be denied")
    released = _release(session, row, app)
    now = utcnow()
    _set(app, Status.denied, now)
    app.decided_at = now
    app.decided_by = actor.audit_name[:64]
    app.decision_reason = reason
    _event(session, app, Status.denied.value, actor, reason)
    _audit(session, actor, "deny", app, reason=reason, released=released)
    _notify(
        session,
        app,
        ("Your camera rebate application was denied", "Su solicitud de reembolso fue denegada"),
        (f"Reason: {reason}", f"Motivo: {reason}"),
    )
    session.flush()
    if released:
        _promote(session, row, actor)
    return application_read(app, timeline=repository.timeline(session, app.id))


def mark_paid(
    session: Session, settings: Settings, application_id: uuid.UUID, reference: str, *, actor: Principal
) -> ApplicationRead:
    """Record the payment of an approved rebate: committed money moves to paid."""
    row = _program(session, settings, lock=True)
    app = _load(session, application_id, lock=True)
    if app.status != Status.approved.value:
        raise Conflict(f"only an approved rebate can be marked paid; this one is {app.status}")
    now = utcnow()
    row.committed_cents -= app.rebate_cents
    row.paid_cents += app.rebate_cents
    row.updated_at = now
    _set(app, Status.paid, now)
    app.paid_at = now
    app.payment_reference = reference
    _event(session, app, Status.paid.value, actor, f"Paid, reference {reference}.")
    _audit(session, actor, "paid", app, reference=reference)
    _notify(
        session,
        app,
        ("Your camera rebate was paid", "Pagamos su reembolso por la cámara"),
        (
            f"We paid your rebate of {_money(app.rebate_cents)} (reference {reference}). Keep the camera "
            f"registered for {settings.rebate_commitment_years} years.",
            f"Pagamos su reembolso de {_money(app.rebate_cents)} (referencia {reference}). Mantenga la cámara "
            f"registrada durante {settings.rebate_commitment_years} años.",
        ),
    )
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))
