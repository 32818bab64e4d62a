"""Call types and priorities: the catalogue this deployment uses, the call types with the priority in force, and the
effective-dated priority rules (list, add, and which one decides a call received at a given moment).

A rule is added by a supervisor (``priorities:write``), audited as ``dispatch.priority_rule.add`` in the same
transaction, and published after commit. Rules are never edited or deleted: a change is a new version. Calls store
the priority, rule id and version that decided them at intake, so a later rule never rewrites a past call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.bus.outbox import publish_after_commit
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import invalid
from rtcc.dispatch import catalogue as cat
from rtcc.dispatch import events, logic, repository
from rtcc.dispatch.catalogue import CallType, Catalogue, PriorityLevel
from rtcc.dispatch.models import PriorityRule
from rtcc.dispatch.schemas import CallTypeRead, PriorityRead, RuleCreate, RuleRead, SchemeRead, UnitTypeRead
from rtcc.identity.logic import Principal
from rtcc.places import service as places

_OVERRIDE: list[str] = []


def use(ref: str | None) -> None:
    """Use catalogue ``ref`` in this process (tests, the simulator); None returns to the configured one."""
    _OVERRIDE[:] = [ref] if ref else []


def catalogue() -> Catalogue:
    """The catalogue in use: ``RTCC_DISPATCH_CATALOGUE``, else the one named like the active city profile."""
    if _OVERRIDE:
        return cat.load(_OVERRIDE[0])
    from rtcc.settings import get_settings

    return cat.load(cat.reference(get_settings().dispatch_catalogue, places.current().meta.slug))


def type_of(code: str, *, field: str = "call_type") -> CallType:
    """The call type with this code; a ValidationFailed naming ``field`` when the catalogue has none."""
    found = catalogue().call_type(code)
    if found is None:
        raise invalid(field, f"unknown call type {code!r}")
    return found


def level(code: str) -> PriorityLevel:
    """A priority of the scheme in use (the catalogue guarantees every stored code exists)."""
    found = catalogue().scheme.level(code)
    if found is None:
        raise invalid("priority", f"{code!r} is not a priority of the {catalogue().scheme.name} scheme")
    return found


def scheme_read() -> SchemeRead:
    """The catalogue's name and its priority scheme."""
    c = catalogue()
    return SchemeRead(
        catalogue=c.name,
        scheme=c.scheme.name,
        priorities=[PriorityRead.model_validate(p.model_dump()) for p in c.scheme.priorities],
    )


def unit_types() -> list[UnitTypeRead]:
    """The unit types and what each may do."""
    return [
        UnitTypeRead(code=u.code, name=u.name, names=dict(u.names), sworn=u.sworn, capabilities=sorted(u.capabilities))
        for u in catalogue().unit_types
    ]


def _versions(session: Session) -> list[logic.RuleVersion]:
    return [
        logic.RuleVersion(r.id, r.call_type, r.priority, r.effective_from, r.version) for r in repository.rules(session)
    ]


@dataclass(frozen=True)
class Decided:
    """The priority a call received at some moment gets, and what decided it."""

    level: PriorityLevel
    rule: logic.RuleVersion | None
    basis: str


def priority_for(session: Session, ct: CallType, received_at: datetime) -> Decided:
    """The priority of a call of type ``ct`` received at ``received_at``: the rule in force then, else the
    catalogue's default."""
    rule = logic.rule_in_force(_versions(session), ct.code, received_at)
    if rule is None:
        return Decided(level(ct.default_priority), None, f"catalogue:{catalogue().name}")
    return Decided(level(rule.priority), rule, "rule")


def call_types(session: Session, *, at: datetime | None = None) -> list[CallTypeRead]:
    """Every call type with the priority in force at ``at`` (default now)."""
    moment = at or utcnow()
    versions = _versions(session)
    out = []
    for ct in catalogue().call_types:
        rule = logic.rule_in_force(versions, ct.code, moment)
        out.append(
            CallTypeRead(
                code=ct.code,
                name=ct.name,
                names=dict(ct.names),
                apco_code=ct.apco_code,
                default_priority=ct.default_priority,
                priority_now=rule.priority if rule else ct.default_priority,
                rule_id=rule.id if rule else None,
                eligible_unit_types=list(ct.eligible_unit_types),
                units_needed=ct.units_needed,
                needs=sorted(ct.needs),
                cso_may_take=ct.cso_may_take,
                online_report_ok=ct.online_report_ok,
                lookback_days=ct.lookback_days,
                alarm_category=ct.alarm.category if ct.alarm else None,
                alarm_location=ct.alarm.location if ct.alarm else None,
            )
        )
    return out


def list_rules(session: Session, call_type: str | None = None) -> list[RuleRead]:
    """Priority rule versions (of one call type), oldest first."""
    if call_type is not None:
        type_of(call_type)
    return [RuleRead.model_validate(r) for r in repository.rules(session, call_type)]


def add_rule(session: Session, bus: Bus | None, data: RuleCreate, *, actor: Principal) -> RuleRead:
    """Add a priority rule version (audited); calls already received keep the priority they were given."""
    ct = type_of(data.call_type)
    if catalogue().scheme.level(data.priority) is None:
        codes = ", ".join(p.code for p in catalogue().scheme.priorities)
        raise invalid(
            "priority", f"{data.priority!r} is not a priority of the {catalogue().scheme.name} scheme ({codes})"
        )
    now = utcnow()
    row = PriorityRule(
        call_type=ct.code,
        priority=data.priority,
        effective_from=ensure_utc(data.effective_from),
        version=repository.last_rule_version(session, ct.code) + 1,
        reason=data.reason,
        created_by=actor.audit_name[:64],
        created_at=now,
    )
    repository.add(session, row)
    audit.record_for(
        session,
        actor,
        "dispatch.priority_rule.add",
        target_type="dispatch_priority_rule",
        target_id=str(row.id),
        details={
            "call_type": row.call_type,
            "priority": row.priority,
            "version": row.version,
            "effective_from": row.effective_from.isoformat(),
            "reason": row.reason,
        },
    )
    if bus is not None:
        event = events.DispatchEvent(
            type=events.RULE_ADDED,
            change="priority_rule",
            at=now,
            data={"call_type": row.call_type, "priority": row.priority, "version": row.version, "rule_id": row.id},
        )
        publish_after_commit(session, bus, event.envelope())
    return RuleRead.model_validate(row)
