"""Helpers of the alarm tests: the Cerritos burglary-alarm rule of November 2024, alarm companies with keys, a
permitted premise, and ASAP-style messages."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

from dispatch_support import PARK, SUPERVISOR

from rtcc.core.db import Database
from rtcc.dispatch import alarms, calltypes, permits, premises
from rtcc.dispatch.alarm_schemas import AlarmCompanyCreate, AlarmKeyCreate, PermitCreate
from rtcc.dispatch.schemas import PremiseCreate, RuleCreate
from rtcc.identity.logic import SYSTEM

#: Cerritos reclassified residential burglary alarms from Routine to Priority, effective November 2024.
CERRITOS_RULE = RuleCreate(
    call_type="ALARM_BURG_RES",
    priority="Priority",
    effective_from=datetime(2024, 11, 1, 7, 0, tzinfo=UTC),
    reason="City council: residential burglary alarms are Priority calls",
)
_IDS = itertools.count(1)


def cerritos_rule(db: Database) -> None:
    """The demo rule of 2024-11 (calls received after it are Priority)."""
    with db.uow() as s:
        calltypes.add_rule(s, None, CERRITOS_RULE, actor=SUPERVISOR)


def company(db: Database, code: str) -> dict[str, str]:
    """Register a company and issue it a key; returns the key's headers."""
    with db.uow() as s:
        alarms.create_company(s, AlarmCompanyCreate(code=code, name=f"{code.title()} Monitoring"), actor=SUPERVISOR)
        key = alarms.issue_key(s, code, AlarmKeyCreate(name="central station"), actor=SYSTEM)
    return {"X-API-Key": key.secret}


def permitted_premise(
    db: Database,
    number: str = "AP-1001",
    *,
    at: tuple[float, float] = PARK,
    address: str = "12700 Ashworth Pl",
    expires_on: date | None = None,
    company_code: str | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """A registered residential premise with an alarm permit: (premise id, permit id)."""
    with db.uow() as s:
        p = premises.create(s, PremiseCreate(address=address, lat=at[0], lon=at[1]), actor=SUPERVISOR)
        permit = permits.create(
            s,
            PermitCreate(number=number, premise_id=p.id, holder="Pat Doe", company=company_code, expires_on=expires_on),
            actor=SUPERVISOR,
        )
    return p.id, permit.id


def event(**changes: Any) -> dict[str, Any]:
    """A residential burglary alarm event (a fresh event id unless given)."""
    msg: dict[str, Any] = {
        "message": "alarm",
        "event_id": f"CS-{next(_IDS):06d}-{uuid.uuid4().hex[:6]}",
        "category": "burglary",
        "premise_type": "residential",
        "occurred_at": datetime.now(UTC).isoformat(),
        "address": {"street": "12700 Ashworth Pl", "city": "Cerritos", "state": "CA", "postal_code": "90703"},
        "permit_number": "AP-1001",
        "zone": {"number": "3", "description": "rear slider"},
        "contacts": [{"name": "Pat Doe", "phone": "562-555-0101"}],
        "call_back": {"operator": "Op 12", "phone": "800-555-0199"},
    }
    msg.update(changes)
    return msg


def cancel(event_id: str, reason: str = "customer code entered") -> dict[str, Any]:
    """A cancel of an earlier event."""
    return {"message": "cancel", "event_id": event_id, "cancelled_at": datetime.now(UTC).isoformat(), "reason": reason}
