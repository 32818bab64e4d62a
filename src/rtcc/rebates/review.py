"""Staff review of rebate applications: the review queue, one application with its timeline (reads of personal
data are audited), the proof of purchase, and the decisions: approve (commit the rebate, or waitlist it when the
money runs short), deny with a reason, mark paid. Each decision is a transition (``rebates.transitions``) and moves
money through the budget (``rebates.budget``) under the program lock.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error
from rtcc.identity.logic import Principal
from rtcc.rebates import logic, repository
from rtcc.rebates.budget import budget_of, program_row, promote_waitlist, release_commitment
from rtcc.rebates.logic import Status
from rtcc.rebates.schemas import ApplicationPage, ApplicationRead, application_read
from rtcc.rebates.service import eligibility_checks, failed_checks
from rtcc.rebates.transitions import (
    TARGET,
    audit_step,
    load_application,
    money,
    notify_applicant,
    record_event,
    set_status,
    waitlist_position,
)
from rtcc.settings import Settings


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
    app = load_application(session, application_id)
    audit.record_for(session, actor, "rebate.view", target_type=TARGET, target_id=str(app.id), details={})
    return application_read(
        app, timeline=repository.timeline(session, app.id), position=waitlist_position(session, app)
    )


def open_proof(
    session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal
) -> tuple[Path, str, str]:
    """(path, content type, download name) of an application's proof for staff; audited; NotFound when none."""
    app = load_application(session, application_id)
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


def approve(session: Session, settings: Settings, application_id: uuid.UUID, *, actor: Principal) -> ApplicationRead:
    """Approve an eligible application: commit its rebate, or waitlist it (FIFO) when the money runs short."""
    row = program_row(session, settings, lock=True)
    app = load_application(session, application_id, lock=True)
    if app.status != Status.eligible.value:
        raise Conflict(f"only an eligible application can be approved; this one is {app.status}")
    now = utcnow()
    checks = eligibility_checks(session, settings, app, now)  # the camera may have been withdrawn since submission
    if not logic.is_eligible(checks):
        raise Conflict(f"the application no longer passes the automatic checks: {failed_checks(checks)}")
    promote_waitlist(session, row, actor)  # anyone already waiting goes first
    waiting = repository.waitlist(session)
    if waiting or not logic.fits(budget_of(row), app.rebate_cents):
        set_status(app, Status.waitlisted, now)
        app.waitlisted_at = now
        record_event(
            session, app, Status.waitlisted.value, actor, "Approved; the budget is used up, so it joins the waitlist."
        )
        audit_step(session, actor, "waitlist", app, available_cents=budget_of(row).available)
        notify_applicant(
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
        set_status(app, Status.approved, now)
        app.approved_at = now
        app.decided_by = actor.audit_name[:64]
        row.committed_cents += app.rebate_cents
        row.updated_at = now
        record_event(session, app, Status.approved.value, actor, f"Approved: {money(app.rebate_cents)} committed.")
        audit_step(session, actor, "approve", app)
        notify_applicant(
            session,
            app,
            ("Your camera rebate is approved", "Su reembolso por la cámara está aprobado"),
            (
                f"Your rebate of {money(app.rebate_cents)} is approved and will be paid.",
                f"Su reembolso de {money(app.rebate_cents)} está aprobado y se pagará.",
            ),
        )
    app.checks = [c.as_dict() for c in checks]
    session.flush()
    return application_read(
        app, timeline=repository.timeline(session, app.id), position=waitlist_position(session, app)
    )


def deny(
    session: Session, settings: Settings, application_id: uuid.UUID, reason: str, *, actor: Principal
) -> ApplicationRead:
    """Deny with a reason (sent to the applicant); committed money goes back and the waitlist moves up."""
    row = program_row(session, settings, lock=True)
    app = load_application(session, application_id, lock=True)
    if app.status not in logic.DENIABLE:
        raise Conflict(f"an application that is {app.status} cannot be denied")
    released = release_commitment(session, row, app)
    now = utcnow()
    set_status(app, Status.denied, now)
    app.decided_at = now
    app.decided_by = actor.audit_name[:64]
    app.decision_reason = reason
    record_event(session, app, Status.denied.value, actor, reason)
    audit_step(session, actor, "deny", app, reason=reason, released=released)
    notify_applicant(
        session,
        app,
        ("Your camera rebate application was denied", "Su solicitud de reembolso fue denegada"),
        (f"Reason: {reason}", f"Motivo: {reason}"),
    )
    session.flush()
    if released:
        promote_waitlist(session, row, actor)
    return application_read(app, timeline=repository.timeline(session, app.id))


def mark_paid(
    session: Session, settings: Settings, application_id: uuid.UUID, reference: str, *, actor: Principal
) -> ApplicationRead:
    """Record the payment of an approved rebate: committed money moves to paid."""
    row = program_row(session, settings, lock=True)
    app = load_application(session, application_id, lock=True)
    if app.status != Status.approved.value:
        raise Conflict(f"only an approved rebate can be marked paid; this one is {app.status}")
    now = utcnow()
    row.committed_cents -= app.rebate_cents
    row.paid_cents += app.rebate_cents
    row.updated_at = now
    set_status(app, Status.paid, now)
    app.paid_at = now
    app.payment_reference = reference
    record_event(session, app, Status.paid.value, actor, f"Paid, reference {reference}.")
    audit_step(session, actor, "paid", app, reference=reference)
    notify_applicant(
        session,
        app,
        ("Your camera rebate was paid", "Pagamos su reembolso por la cámara"),
        (
            f"We paid your rebate of {money(app.rebate_cents)} (reference {reference}). Keep the camera "
            f"registered for {settings.rebate_commitment_years} years.",
            f"Pagamos su reembolso de {money(app.rebate_cents)} (referencia {reference}). Mantenga la cámara "
            f"registrada durante {settings.rebate_commitment_years} años.",
        ),
    )
    session.flush()
    return application_read(app, timeline=repository.timeline(session, app.id))
