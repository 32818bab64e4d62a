"""Call intake on the real database: numbers, districts, locations (coordinates, places, premises), named errors,
recent calls, duplicate proposals and decisions, premise history, the audited caller read, append-only notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dispatch_support import CORNER, DISPATCHER, PARK, SUPERVISOR, new_call, race

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.dispatch import calls, logic, premises
from rtcc.dispatch.schemas import CallCreate, DuplicateDecision, NoteCreate, PremiseCreate
from rtcc.settings import Settings


def _audit_actions(db: Database) -> list[str]:
    from sqlalchemy import select

    from rtcc.audit.models import AuditEntry

    with db.read() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_intake_numbers_locates_and_queues_a_call(db: Database, settings: Settings) -> None:
    first = new_call(db, settings, caller_name="Ana Ruiz", caller_phone="562-555-0100", narrative="audible alarm")
    second = new_call(db, settings, "COLLISION_NONINJ", at=CORNER)
    c = first.call
    year = utcnow().year % 100
    assert c.number == f"{year:02d}-000001" and second.call.number == f"{year:02d}-000002"
    assert (c.location.district, c.location.division) == ("2316", "CER")
    assert (c.priority, c.priority_basis, c.priority_rule_id) == ("Routine", "catalogue:cerritos", None)
    assert c.status == "queued" and c.queued_at is not None and c.has_caller
    assert c.queue == "dispatch" and not c.offer_online_report
    assert second.call.queue == "cso"  # a non-injury collision goes to the CSO queue
    assert "Ana Ruiz" not in c.model_dump_json()  # the caller is read separately, audited
    assert "dispatch.call.create" in _audit_actions(db)
    with db.read() as s:
        detail = calls.get_call(s, c.id, actor=DISPATCHER)
    assert [(e.kind, e.status) for e in detail.timeline] == [("status", "received"), ("status", "queued")]


def test_theft_reports_are_offered_as_online_reports(db: Database, settings: Settings) -> None:
    c = new_call(db, settings, "THEFT_RPT").call
    assert c.queue == "cso" and c.offer_online_report


def test_a_place_of_the_city_profile_and_bad_locations(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        body = CallCreate.model_validate(
            {
                "call_type": "FIGHT",
                "location": {"kind": "place", "text": "alondra blvd and carmenita rd"},
                "source": "phone",
            }
        )
        placed = calls.intake(s, None, settings, body, actor=DISPATCHER).call
    assert placed.location.text == "Alondra Blvd & Carmenita Rd" and placed.location.district == "2319"
    cases = [
        ({"call_type": "NOPE", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}}, "call_type"),
        ({"call_type": "FIGHT", "location": {"kind": "point", "lat": 34.05, "lon": -118.25}}, "location"),
        ({"call_type": "FIGHT", "location": {"kind": "place", "text": "Main St & Nowhere Ave"}}, "location.text"),
    ]
    for body_, field in cases:
        with db.uow() as s, pytest.raises(ValidationFailed) as err:
            calls.intake(s, None, settings, CallCreate.model_validate({**body_, "source": "911"}), actor=DISPATCHER)
        assert err.value.errors[0]["field"] == field, err.value.detail


def test_recent_calls_duplicates_and_the_decision(db: Database, settings: Settings) -> None:
    first = new_call(db, settings, "FIGHT").call
    near = (PARK[0] + 0.0003, PARK[1])  # about 33 m away
    second = new_call(db, settings, "FIGHT", at=near)
    assert second.proposed_duplicate is not None and second.proposed_duplicate.id == first.id
    assert [r.id for r in second.recent_at_location] == [first.id]
    assert new_call(db, settings, "NOISE", at=near).proposed_duplicate is None  # another kind of incident
    with db.uow() as s:
        linked = calls.decide_duplicate(s, None, second.call.id, DuplicateDecision(action="link"), actor=DISPATCHER)
    assert linked.duplicate_of == first.id and linked.duplicate_decision == "linked"
    with db.uow() as s:
        kept = calls.decide_duplicate(s, None, second.call.id, DuplicateDecision(action="separate"), actor=DISPATCHER)
    assert kept.duplicate_of is None and kept.duplicate_decision == "separate"
    assert kept.proposed_duplicate_of == first.id  # the proposal stays on record
    with db.uow() as s, pytest.raises(ValidationFailed):
        calls.decide_duplicate(s, None, first.id, DuplicateDecision(action="link"), actor=DISPATCHER)


def test_premise_history_counts_false_alarms_of_the_last_twelve_months(db: Database, settings: Settings) -> None:
    from rtcc.dispatch import chain
    from rtcc.dispatch.schemas import CloseRequest

    with db.uow() as s:
        home = premises.create(
            s,
            PremiseCreate(address="12800 Example Ave", lat=PARK[0], lon=PARK[1], hazards=["dog in yard"]),
            actor=SUPERVISOR,
        )
    at_home = {"location": {"kind": "premise", "premise_id": str(home.id)}}
    for days in (400, 100, 10):
        call = new_call(db, settings, received_at=utcnow() - timedelta(days=days), **at_home).call
        with db.uow() as s:
            chain.close(s, None, call.id, CloseRequest(disposition=logic.Disposition.false_alarm), actor=DISPATCHER)
    result = new_call(db, settings, **at_home)
    assert result.call.location.premise_id == home.id and result.call.location.text == "12800 Example Ave"
    h = result.premise_history
    assert h is not None and h.false_alarms_12m == 2 and len(h.calls) == 3
    assert h.premise.hazards == ["dog in yard"] and h.premise.district == "2316"
    assert len(result.recent_at_location) == 2  # the alarm type's look-back is 365 days


def test_reading_the_caller_is_audited_and_notes_only_append(db: Database, settings: Settings) -> None:
    c = new_call(db, settings, caller_name="Ana Ruiz", caller_phone="562-555-0100").call
    with db.uow() as s:
        who = calls.caller(s, c.id, actor=DISPATCHER)
        calls.add_note(s, None, c.id, NoteCreate(text="gate code 1234"), actor=DISPATCHER)
        calls.add_note(s, None, c.id, NoteCreate(text="keyholder on the way"), actor=DISPATCHER)
    assert (who.caller_name, who.caller_phone) == ("Ana Ruiz", "562-555-0100")
    assert "dispatch.call.caller.view" in _audit_actions(db)
    with db.read() as s:
        detail = calls.get_call(s, c.id, actor=DISPATCHER)
    assert [n.text for n in detail.notes] == ["gate code 1234", "keyholder on the way"]


def test_concurrent_intake_never_shares_a_number(db: Database, settings: Settings) -> None:
    results = race(8, lambda i: new_call(db, settings, "NOISE", at=(PARK[0] + 0.001 * i, PARK[1])).call.number)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 8
    assert sorted(int(n.split("-")[1]) for n in results) == list(range(1, 9))
