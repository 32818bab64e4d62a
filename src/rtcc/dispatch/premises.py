"""The premise registry: places the agency knows (address, point, hazards, notes, alarm permit), their CRUD, and the
history intake shows for a premise (its calls, its false alarms in the last 12 months, its hazards). Changes are
audited in the transaction. A premise must lie inside the city; its district comes from the city profile.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.dispatch import present, repository
from rtcc.dispatch.models import Premise
from rtcc.dispatch.schemas import PremiseCreate, PremiseHistory, PremiseRead, PremiseUpdate
from rtcc.identity.logic import Principal
from rtcc.places import service as places

TARGET = "dispatch_premise"
#: How far back "false alarms in the last 12 months" reaches.
FALSE_ALARM_WINDOW = timedelta(days=365)
HISTORY_LIMIT = 50


def _place(row: Premise) -> None:
    where = places.locate(row.lat, row.lon)
    if not where.inside_city:
        raise invalid("lat", f"the premise ({row.lat:.5f}, {row.lon:.5f}) is outside {places.city_name()}")
    row.district = where.district.code if where.district else None
    row.division = where.division.code if where.division else None


def _clean(hazards: list[str]) -> list[str]:
    return [h.strip()[:200] for h in hazards if h.strip()]


def create(session: Session, data: PremiseCreate, *, actor: Principal) -> PremiseRead:
    """Register a premise (audited)."""
    now = utcnow()
    row = Premise(
        name=data.name,
        address=data.address.strip(),
        kind=data.kind,
        lat=data.lat,
        lon=data.lon,
        hazards=_clean(data.hazards),
        notes=data.notes,
        alarm_permit=data.alarm_permit,
        created_at=now,
        updated_at=now,
        updated_by=actor.audit_name[:64],
    )
    _place(row)
    repository.add(session, row)
    audit.record_for(session, actor, "dispatch.premise.create", target_type=TARGET, target_id=str(row.id), details={})
    return PremiseRead.model_validate(row)


def load(session: Session, premise_id: uuid.UUID) -> Premise:
    """A premise, or NotFound."""
    row = repository.premise(session, premise_id)
    if row is None:
        raise NotFound(f"no premise {premise_id}")
    return row


def get(session: Session, premise_id: uuid.UUID) -> PremiseRead:
    """One premise."""
    return PremiseRead.model_validate(load(session, premise_id))


def search(session: Session, *, q: str | None, limit: int, offset: int) -> tuple[list[PremiseRead], int]:
    """Premises whose address or name contains ``q``."""
    rows, total = repository.premises(session, q=q, limit=limit, offset=offset)
    return [PremiseRead.model_validate(r) for r in rows], total


def update(session: Session, premise_id: uuid.UUID, data: PremiseUpdate, *, actor: Principal) -> PremiseRead:
    """Change a premise (audited with the fields changed)."""
    row = load(session, premise_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key in ("address", "kind", "lat", "lon", "hazards"):
            raise invalid(key, "cannot be emptied")
        setattr(row, key, _clean(value) if key == "hazards" else value)
    if "lat" in changes or "lon" in changes:
        _place(row)
    row.updated_at = utcnow()
    row.updated_by = actor.audit_name[:64]
    audit.record_for(
        session,
        actor,
        "dispatch.premise.update",
        target_type=TARGET,
        target_id=str(row.id),
        details={"fields": sorted(changes)},
    )
    return PremiseRead.model_validate(row)


def delete(session: Session, premise_id: uuid.UUID, *, actor: Principal) -> None:
    """Remove a premise that no call references (audited); one with calls is kept for their history."""
    row = load(session, premise_id)
    if repository.calls_at_premise(session, row.id, exclude=None, limit=1):
        raise Conflict("the premise has calls: it stays for their history (change it instead)")
    session.delete(row)
    audit.record_for(
        session, actor, "dispatch.premise.delete", target_type=TARGET, target_id=str(premise_id), details={}
    )


def history(session: Session, premise: Premise, *, exclude: uuid.UUID | None, now: datetime) -> PremiseHistory:
    """A premise's calls (newest first), false alarms in the last 12 months, and its hazards."""
    calls = repository.calls_at_premise(session, premise.id, exclude=exclude, limit=HISTORY_LIMIT)
    return PremiseHistory(
        premise=PremiseRead.model_validate(premise),
        calls=[present.summary(c) for c in calls],
        false_alarms_12m=repository.false_alarms_at(session, premise.id, now - FALSE_ALARM_WINDOW),
    )


def history_of(session: Session, premise_id: uuid.UUID) -> PremiseHistory:
    """The history of a premise by id."""
    return history(session, load(session, premise_id), exclude=None, now=utcnow())
