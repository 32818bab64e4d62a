"""Pure alarm rules: the catalogue call type of an alarm event, the permit check, the verified-response rule, what a
cancel does, and the alarm context's window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from rtcc.dispatch import catalogue
from rtcc.dispatch.adapters.asap import alarm_call_type
from rtcc.dispatch.alarm_logic import (
    CancelOutcome,
    CatalogueAlarmType,
    PermitFlag,
    call_type_for,
    cancel_outcome,
    context_window,
    needs_verification,
    permit_flag,
    verified_response_required,
)

TODAY = date(2026, 12, 6)


def _types(name: str) -> list[CatalogueAlarmType]:
    return [
        CatalogueAlarmType(c.code, c.alarm.category if c.alarm else None, c.alarm.location if c.alarm else None)
        for c in catalogue.load(name).call_types
    ]


def test_alarm_events_map_to_the_catalogues_call_types() -> None:
    for name in ("cerritos", "los_angeles"):
        types = _types(name)

        def of(category: str, premise: str, types: list[CatalogueAlarmType] = types) -> str | None:
            return call_type_for(category, premise, alarm_call_type(category, premise)[0], types)

        assert of("burglary", "residential") == "ALARM_BURG_RES"
        assert of("burglary", "commercial") == "ALARM_BURG_COM"
        assert of("holdup", "commercial") == "ALARM_HOLDUP"  # by the adapter's code
        assert of("panic", "residential") == "ALARM_PANIC"
        assert of("fire", "commercial") is None  # a police catalogue has no fire alarms
        assert of("other", "residential") is None


def test_a_category_without_a_premise_type_matches_any_premise() -> None:
    types = [CatalogueAlarmType("HOLDUP_ANY", "Holdup", None), CatalogueAlarmType("BURG_RES", "BURG", "residential")]
    assert call_type_for("holdup", "residential", "NOPE", types) == "HOLDUP_ANY"
    assert call_type_for("burglary", "commercial", "NOPE", types) is None


def test_the_permit_check_flags_but_never_refuses() -> None:
    assert permit_flag(None, found=False, status=None, expires_on=None, today=TODAY) is PermitFlag.missing
    assert permit_flag("AP-1", found=False, status=None, expires_on=None, today=TODAY) is PermitFlag.unknown
    assert permit_flag("AP-1", found=True, status="active", expires_on=None, today=TODAY) is None
    assert permit_flag("AP-1", found=True, status="active", expires_on=TODAY, today=TODAY) is None  # the last day
    expired = permit_flag("AP-1", found=True, status="active", expires_on=TODAY - timedelta(days=1), today=TODAY)
    assert expired is PermitFlag.expired
    assert permit_flag("AP-1", found=True, status="revoked", expires_on=None, today=TODAY) is PermitFlag.revoked
    assert permit_flag("AP-1", found=True, status="suspended", expires_on=None, today=TODAY) is PermitFlag.suspended


def test_verified_response_after_n_false_alarms_for_burglary_alarms_only() -> None:
    assert [verified_response_required(n, 3) for n in range(5)] == [False, False, False, True, True]
    assert needs_verification("burglary", 3, 3) and not needs_verification("burglary", 2, 3)
    assert not needs_verification("holdup", 9, 3) and not needs_verification("panic", 9, 3)
    assert not needs_verification("burglary", None, 3)  # no permit: nothing to count against


def test_a_cancel_closes_before_dispatch_and_is_noted_after() -> None:
    assert cancel_outcome(closed=False, dispatched=False) is CancelOutcome.closed
    assert cancel_outcome(closed=False, dispatched=True) is CancelOutcome.noted
    assert cancel_outcome(closed=True, dispatched=True) is CancelOutcome.already_closed


def test_the_context_window_reaches_back_before_the_alarm() -> None:
    alarm = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    start, end = context_window(alarm, alarm + timedelta(minutes=4), minutes=15, max_hours=168)
    assert (start, end) == (alarm - timedelta(minutes=15), alarm + timedelta(minutes=4))
    start, end = context_window(alarm, alarm, minutes=15, max_hours=168)
    assert end == alarm + timedelta(seconds=1)
    start, end = context_window(alarm, alarm + timedelta(days=30), minutes=15, max_hours=2)
    assert end - start == timedelta(hours=2)
