"""Effective-dated priority rules: the rule in force when a call was RECEIVED decides, the call stores which rule and
version decided it, a later rule never rewrites a past call, and adding one is audited. Cerritos' change (residential
burglary alarms from Routine to Priority on 2024-11-01) is the example."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dispatch_support import DISPATCHER, SUPERVISOR, new_call
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.dispatch import calls, calltypes
from rtcc.dispatch.schemas import RuleCreate
from rtcc.settings import Settings

CHANGE = datetime(2024, 11, 1, 7, 0, tzinfo=UTC)  # midnight in Cerritos (PDT)


def _add(db: Database, priority: str, when: datetime, reason: str = "council decision") -> int:
    with db.uow() as s:
        return calltypes.add_rule(
            s,
            None,
            RuleCreate(call_type="ALARM_BURG_RES", priority=priority, effective_from=when, reason=reason),
            actor=SUPERVISOR,
        ).id


def test_calls_before_and_after_the_cerritos_change(db: Database, settings: Settings) -> None:
    rule_id = _add(db, "Priority", CHANGE, "Cerritos: residential burglary alarms are Priority")
    before = new_call(db, settings, received_at=datetime(2024, 10, 31, 23, 0, tzinfo=UTC)).call
    after = new_call(db, settings, received_at=datetime(2024, 11, 1, 8, 0, tzinfo=UTC)).call
    commercial = new_call(db, settings, "ALARM_BURG_COM", received_at=datetime(2024, 11, 2, tzinfo=UTC)).call
    assert (before.priority, before.priority_rule_id, before.priority_basis) == ("Routine", None, "catalogue:cerritos")
    assert (after.priority, after.priority_rule_id, after.priority_rule_version) == ("Priority", rule_id, 1)
    assert after.priority_rank < before.priority_rank and after.priority_target_s == 720
    assert commercial.priority == "Routine"  # only the residential alarm changed
    assert before.number.startswith("24-")  # numbered in the year it was received


def test_a_later_rule_never_rewrites_past_calls(db: Database, settings: Settings) -> None:
    _add(db, "Priority", CHANGE)
    past = new_call(db, settings, received_at=datetime(2025, 1, 5, tzinfo=UTC)).call
    second = _add(db, "Emergent", datetime(2025, 1, 1, tzinfo=UTC), "backdated: a new policy")
    with db.read() as s:
        again = calls.get_call(s, past.id, actor=DISPATCHER)
        versions = calltypes.list_rules(s, "ALARM_BURG_RES")
        now = {c.code: c for c in calltypes.call_types(s)}["ALARM_BURG_RES"]
    assert (again.priority, again.priority_rule_version) == ("Priority", 1)
    assert [v.version for v in versions] == [1, 2]
    assert now.priority_now == "Emergent" and now.rule_id == second and now.default_priority == "Routine"
    fresh = new_call(db, settings, received_at=datetime(2025, 1, 6, tzinfo=UTC)).call
    assert (fresh.priority, fresh.priority_rule_version) == ("Emergent", 2)


def test_adding_a_rule_is_audited_and_bad_rules_are_named(db: Database) -> None:
    rule_id = _add(db, "Priority", CHANGE, "Cerritos council, 2024")
    with db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "dispatch.priority_rule.add")).one()
        assert entry.actor == SUPERVISOR.name and entry.target_id == str(rule_id)
        assert entry.details["priority"] == "Priority" and entry.details["reason"] == "Cerritos council, 2024"
    for body, field in (
        ({"call_type": "NOPE", "priority": "Priority"}, "call_type"),
        ({"call_type": "NOISE", "priority": "Urgent"}, "priority"),
    ):
        with db.uow() as s, pytest.raises(ValidationFailed) as err:
            calltypes.add_rule(s, None, RuleCreate(**body, effective_from=CHANGE, reason="x y z"), actor=SUPERVISOR)
        assert err.value.errors[0]["field"] == field
