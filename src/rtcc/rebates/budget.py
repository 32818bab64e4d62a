"""The rebate program's budget and its FIFO waitlist.

Money: ``committed`` is approved but unpaid, ``paid`` paid out, available = total - committed - paid. Whenever money
frees up (a committed application denied or withdrawn, the budget raised) the head of the waitlist is promoted while
it fits (strict FIFO: nobody jumps the line); ``promote_waitlist`` and ``release_commitment`` are the steps the
applicant's and the staff's use cases call for that.

Locking: every transition that can touch money or the waitlist locks the program row first (``program_row(...,
lock=True)``), then the application (one global order, so no deadlocks): on PostgreSQL ``SELECT ... FOR UPDATE``
makes two approvals at once take turns, on SQLite the write transaction (``BEGIN IMMEDIATE``) already does.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import invalid
from rtcc.identity.logic import Principal
from rtcc.rebates import logic, repository
from rtcc.rebates.logic import Status
from rtcc.rebates.models import RebateApplication, RebateProgram
from rtcc.rebates.schemas import ProgramRead
from rtcc.rebates.transitions import audit_step, money, notify_applicant, record_event, set_status
from rtcc.settings import Settings

logger = logging.getLogger(__name__)


def program_row(session: Session, settings: Settings, *, lock: bool) -> RebateProgram:
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


def budget_of(row: RebateProgram) -> logic.Budget:
    """The program row's money as the pure rules see it."""
    return logic.Budget(total=row.total_cents, committed=row.committed_cents, paid=row.paid_cents)


def program(session: Session, settings: Settings) -> ProgramRead:
    """The budget: total, committed, paid, available, and the waitlist."""
    row = repository.program(session)
    count, cents = repository.waitlist_totals(session)
    if row is None:
        budget = logic.Budget(total=settings.rebate_budget_cents, committed=0, paid=0)
        updated: datetime | None = None
    else:
        budget, updated = budget_of(row), row.updated_at
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
    row = program_row(session, settings, lock=True)
    spent = row.committed_cents + row.paid_cents
    if total_cents < spent:
        raise invalid("total_cents", f"must be at least committed + paid ({money(spent)})")
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
    promote_waitlist(session, row, actor)
    return program(session, settings)


def promote_waitlist(session: Session, row: RebateProgram, actor: Principal) -> list[RebateApplication]:
    """Move the head of the waitlist to approved while the money covers it (the caller holds the program lock)."""
    waiting = repository.waitlist(session, for_update=True)
    n = logic.promotions(budget_of(row), [a.rebate_cents for a in waiting])
    now = utcnow()
    for app in waiting[:n]:
        set_status(app, Status.approved, now)
        app.approved_at = now
        row.committed_cents += app.rebate_cents
        record_event(session, app, Status.approved.value, actor, "Funds became available; approved from the waitlist.")
        audit_step(session, actor, "promote", app)
        notify_applicant(
            session,
            app,
            ("Your camera rebate is approved", "Su reembolso por la cámara está aprobado"),
            (
                f"Funds became available: your rebate of {money(app.rebate_cents)} is approved and will be paid.",
                f"Hay fondos disponibles: su reembolso de {money(app.rebate_cents)} está aprobado y se pagará.",
            ),
        )
    if n:
        row.updated_at = now
        logger.info("rebate waitlist: %d promoted", n)
    session.flush()
    return waiting[:n]


def release_commitment(session: Session, row: RebateProgram, app: RebateApplication) -> bool:
    """Give back the money an approved application had committed; True when it had."""
    if app.status != Status.approved.value:
        return False
    row.committed_cents -= app.rebate_cents
    row.updated_at = utcnow()
    return True
