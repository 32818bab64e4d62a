"""Vacation house checks: a resident asks in the portal (address and point, dates, keyholder, notes); the checks due
on a plan's day join the plans of CSOs, guards and holiday patrols (``rtcc.patrol.plans``); a visit is logged when
the unit's track comes within ``patrol_visit_radius_m`` of the house (``plans.measure``) or by the unit's note in the
field view; the resident sees every visit, and is told at once (portal inbox, and e-mail/SMS as their account opted
in, through ``rtcc.notify``) when the unit found something.

Access: a resident reaches only their own requests (another's answers 404 like a missing one); staff reading the
list of requests (addresses, keyholders: personal data) is audited; a field user notes only a check that is a stop
of their own unit's plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import accounts as community
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import NotFound, PermissionDenied, invalid
from rtcc.core.localtime import bilingual, bilingual_subject
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.patrol import repository
from rtcc.patrol.models import HouseCheck, HouseCheckVisit
from rtcc.patrol.schemas import HouseCheckCreate, HouseCheckRead, VisitNote, VisitRead
from rtcc.places import service as places

#: The notify category of house-check messages (an account may mute its e-mail/SMS; the inbox always gets it).
NOTIFY_CATEGORY = "public_safety"


def _read(check: HouseCheck, visits: Sequence[HouseCheckVisit]) -> HouseCheckRead:
    out = HouseCheckRead.model_validate(check)
    return out.model_copy(update={"visits": [VisitRead.model_validate(v) for v in visits if v.check_id == check.id]})


def reads(session: Session, checks: Sequence[HouseCheck]) -> list[HouseCheckRead]:
    """Checks with their visits."""
    visits = repository.visits(session, [c.id for c in checks])
    return [_read(c, visits) for c in checks]


def create(session: Session, data: HouseCheckCreate, *, actor: Principal) -> HouseCheckRead:
    """A resident's request (dates from today on), audited."""
    user_id = community.require_community(actor)
    if data.ends_on < utcnow().astimezone(places.city_zone()).date():
        raise invalid("ends_on", "lies in the past")
    if not places.inside_city(data.lat, data.lon):
        raise invalid("lat", f"the house ({data.lat:.5f}, {data.lon:.5f}) lies outside {places.city_name()}")
    row = HouseCheck(
        user_id=user_id,
        address=data.address.strip(),
        lat=data.lat,
        lon=data.lon,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        keyholder_name=data.keyholder_name,
        keyholder_phone=data.keyholder_phone,
        notes=data.notes,
        status="active",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record_for(session, actor, "patrol.house_check.requested", target_type="house_check", target_id=str(row.id))
    return _read(row, [])


def _own(session: Session, check_id: uuid.UUID, actor: Principal) -> HouseCheck:
    user_id = community.require_community(actor)
    row = repository.house_check(session, check_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no house check {check_id}")
    return row


def mine(session: Session, *, actor: Principal) -> list[HouseCheckRead]:
    """The resident's own requests with their visits, newest first."""
    return reads(session, repository.house_checks_of(session, community.require_community(actor)))


def cancel(session: Session, check_id: uuid.UUID, *, actor: Principal) -> HouseCheckRead:
    """The resident cancels their request (no more checks; the visits stay)."""
    row = _own(session, check_id, actor)
    row.status = "cancelled"
    audit.record_for(session, actor, "patrol.house_check.cancelled", target_type="house_check", target_id=str(row.id))
    session.flush()
    return reads(session, [row])[0]


def due(session: Session, day: date, last_day: date | None = None) -> list[HouseCheck]:
    """Active requests on ``day``, or on any day from ``day`` to ``last_day`` (what a plan over those days is
    offered: an overnight shift also checks the houses whose requests begin after midnight)."""
    return list(repository.house_checks_due(session, day, last_day))


def staff_list(session: Session, day: date, *, actor: Principal) -> list[HouseCheckRead]:
    """The requests due on ``day``, with addresses and keyholders (a read of personal data: audited)."""
    rows = due(session, day)
    audit.record_for(
        session,
        actor,
        "patrol.house_check.listed",
        target_type="house_check",
        details={"day": day.isoformat(), "n": len(rows)},
    )
    return reads(session, rows)


def record_visit(
    session: Session,
    check: HouseCheck,
    *,
    call_sign: str,
    at: datetime,
    source: str,
    outcome: str,
    note: str | None,
    plan_id: uuid.UUID | None,
) -> HouseCheckVisit:
    """Log a visit; when something was found, the resident is told at once (same transaction as the visit)."""
    visit = HouseCheckVisit(
        check_id=check.id,
        plan_id=plan_id,
        at=at,
        call_sign=call_sign,
        source=source,
        outcome=outcome,
        note=note,
        created_at=utcnow(),
    )
    session.add(visit)
    session.flush()
    if outcome == "found":
        notify.enqueue(
            session,
            community.recipient(session, check.user_id),
            subject=bilingual_subject("House check: something was found", "Revisión de casa: se encontró algo"),
            body=bilingual(
                f"During the check of {check.address} unit {call_sign} found something that needs your attention: "
                f"{note or 'see the portal'}. The Sheriff's station will contact your keyholder if needed.",
                f"Durante la revisión de {check.address} la unidad {call_sign} encontró algo que requiere su atención: "
                f"{note or 'vea el portal'}. La estación del Sheriff contactará a su persona de confianza "
                "si es necesario.",
            ),
            category=NOTIFY_CATEGORY,
            link="/portal/house-checks",
            dedup_key=f"house-check-found:{visit.id}",
        )
    return visit


def note_visit(
    session: Session,
    check_id: uuid.UUID,
    data: VisitNote,
    *,
    actor: Principal,
    call_sign: str | None,
    plan_ids: Sequence[uuid.UUID],
) -> VisitRead:
    """The unit's note on a check that is a stop of one of its plans (``plan_ids``); audited."""
    if call_sign is None:
        raise PermissionDenied("only a user signed on to a unit notes a house check")
    check = repository.house_check(session, check_id)
    if check is None or not plan_ids:
        raise NotFound(f"no house check {check_id} on your unit's plans")
    at = ensure_utc(data.at) if data.at is not None else utcnow()
    if at > utcnow():
        raise invalid("at", "lies in the future")
    visit = record_visit(
        session,
        check,
        call_sign=call_sign,
        at=at,
        source="note",
        outcome=data.outcome,
        note=data.note,
        plan_id=plan_ids[0],
    )
    audit.record_for(
        session,
        actor,
        "patrol.house_check.visited",
        target_type="house_check",
        target_id=str(check.id),
        details={"outcome": data.outcome, "source": "note"},
    )
    return VisitRead.model_validate(visit)
