"""The steps every rebate application transition takes, shared by the applicant's use cases (``rebates.service``),
the staff review (``rebates.review``) and the budget's waitlist (``rebates.budget``): load the application (any, for
staff; the applicant's own, where someone else's answers 404), move it to a status (the household claim follows),
append the step to its timeline, audit it as ``rebate.<action>`` in the caller's transaction, and message the
applicant in English and Spanish through the notify outbox (contract C5, delivered after commit).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import accounts as community
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.core.localtime import bilingual, bilingual_subject
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.rebates import logic, repository
from rtcc.rebates.logic import Status
from rtcc.rebates.models import RebateApplication, RebateEvent

TARGET = "rebate_application"
NOTIFY_CATEGORY = "rebates"


def applicant_id(actor: Principal) -> uuid.UUID:
    """The community account id of the applicant acting; Conflict for anyone else."""
    user_id = actor.user_uuid
    if user_id is None:
        raise Conflict("only a signed-in community account can hold rebate applications")
    return user_id


def money(cents: int) -> str:
    """Cents as the applicant reads them (``$1,234.50``)."""
    return f"${cents // 100:,}.{cents % 100:02d}"


def load_application(session: Session, application_id: uuid.UUID, *, lock: bool = False) -> RebateApplication:
    """Any application (staff), locked when ``lock``; NotFound if missing."""
    app = repository.get(session, application_id, for_update=lock)
    if app is None:
        raise NotFound(f"no rebate application {application_id}")
    return app


def load_own_application(
    session: Session, application_id: uuid.UUID, actor: Principal, *, lock: bool = False
) -> RebateApplication:
    """The applicant's own application; someone else's answers 404 exactly like a missing one."""
    app = repository.get(session, application_id, for_update=lock)
    if app is None or str(app.applicant_id) != actor.id:
        raise NotFound(f"no rebate application {application_id}")
    return app


def set_status(app: RebateApplication, status: Status, now: datetime) -> None:
    """Move the application to ``status``; the household claim is held exactly while the status claims it."""
    app.status = status.value
    app.updated_at = now
    app.household_claim = app.address_key if status in logic.CLAIMING else None


def record_event(
    session: Session, app: RebateApplication, status: str, actor: Principal | str, note: str | None
) -> None:
    """Append a step to the application's timeline (``actor`` a principal or a name such as ``system``)."""
    name = actor if isinstance(actor, str) else actor.audit_name
    session.add(RebateEvent(application_id=app.id, at=utcnow(), status=status, actor=name[:64], note=note))


def audit_step(session: Session, actor: Principal, action: str, app: RebateApplication, **details: Any) -> None:
    """Audit a step as ``rebate.<action>`` with the application's status and rebate."""
    audit.record_for(
        session,
        actor,
        f"rebate.{action}",
        target_type=TARGET,
        target_id=str(app.id),
        details={"status": app.status, "rebate_cents": app.rebate_cents, **details},
    )


def notify_applicant(session: Session, app: RebateApplication, subject: tuple[str, str], body: tuple[str, str]) -> None:
    """Message the applicant, in English and Spanish ((english, spanish) pairs)."""
    notify.enqueue(
        session,
        community.recipient(session, app.applicant_id),
        subject=bilingual_subject(*subject),
        body=bilingual(*body),
        category=NOTIFY_CATEGORY,
        link=f"/me/rebates/{app.id}",
    )


def waitlist_position(session: Session, app: RebateApplication) -> int | None:
    """The application's place in the waitlist (1 = next), or None when it is not waiting."""
    if app.status != Status.waitlisted.value:
        return None
    ids = [a.id for a in repository.waitlist(session)]
    return ids.index(app.id) + 1 if app.id in ids else None
