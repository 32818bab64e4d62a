"""The pure misuse detectors, each with a crafted audit history that must be flagged and one that must not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rtcc.governance import detectors as d

LA = ZoneInfo("America/Los_Angeles")
DEFAULT = d.DutyWindow(frozenset(range(7)), 6 * 60, 22 * 60, LA)
# Wednesday 2026-11-18, 10:00 Los Angeles = 18:00 UTC
NOON_LA = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)

_seq = iter(range(1, 1_000_000))


def row(
    at: datetime, actor: str = "ana", action: str = "alpr.search", role: str | None = "analyst", **details: Any
) -> d.AuditRow:
    return d.AuditRow(next(_seq), at, actor, role, action, details)


def search(at: datetime, actor: str = "ana", plate: str | None = None, case: str | None = None, purpose: str = "x"):
    query = {"plate": plate} if plate else {}
    return row(at, actor, kind="plate", query=query, purpose=purpose, case_number=case, result_count=1)


# --- duty hours -----------------------------------------------------------------------------------------------------


def test_duty_window_day_and_overnight_shifts() -> None:
    assert DEFAULT.on_duty(NOON_LA)
    assert not DEFAULT.on_duty(datetime(2026, 11, 18, 11, 0, tzinfo=UTC))  # 03:00 LA
    night = d.DutyWindow(frozenset({2}), 22 * 60, 6 * 60, LA)  # Wednesday night 22:00 -> Thursday 06:00
    assert night.on_duty(datetime(2026, 11, 19, 7, 0, tzinfo=UTC))  # Wed 23:00 LA
    assert night.on_duty(datetime(2026, 11, 19, 12, 0, tzinfo=UTC))  # Thu 04:00 LA, the shift that began Wed
    assert not night.on_duty(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # Fri 04:00 LA: Thursday has no shift
    assert not night.on_duty(NOON_LA)


def test_off_duty_flags_searches_outside_the_window_once_per_user_and_day() -> None:
    at_3am = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)  # 03:00 LA
    rows = [search(at_3am), search(at_3am + timedelta(minutes=5)), search(NOON_LA), search(NOON_LA, actor="bob")]
    flags = d.off_duty(rows, schedules={}, default=DEFAULT)
    assert len(flags) == 1
    f = flags[0]
    assert f.detector == "off_duty" and f.subject == "ana" and f.evidence["count"] == 2
    assert f.evidence["seqs"] == sorted([rows[0].seq, rows[1].seq])
    assert f.window_start == datetime(2026, 11, 18, tzinfo=UTC)


def test_off_duty_respects_a_users_own_schedule() -> None:
    at_3am = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
    night_shift = d.DutyWindow(frozenset(range(7)), 20 * 60, 8 * 60, LA)
    rows = [search(at_3am, actor="night")]
    assert d.off_duty(rows, schedules={"night": night_shift}, default=DEFAULT) == []
    assert len(d.off_duty(rows, schedules={}, default=DEFAULT)) == 1


def test_off_duty_ignores_system_and_agency_entries_and_non_access_actions() -> None:
    at_3am = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
    rows = [
        row(at_3am, actor="system", role="system"),
        row(at_3am, actor="apikey:lbpd", role="agency"),
        row(at_3am, action="auth.login"),
    ]
    assert d.off_duty(rows, schedules={}, default=DEFAULT) == []


# --- volume ---------------------------------------------------------------------------------------------------------


def test_robust_z_uses_mad_and_falls_back_to_mean_absolute_deviation() -> None:
    score = d.robust_z(60, [4, 5, 6, 7, 60])
    assert score is not None and score.method == "mad"
    assert score.median == 6 and score.mad == 1
    assert score.z == pytest.approx(0.6745 * 54)
    flat = d.robust_z(60, [5, 5, 5, 5, 60])
    assert flat is not None and flat.method == "meanad"
    assert flat.z == pytest.approx(55 / (1.253314 * 11))
    assert d.robust_z(5, [5, 5, 5]) is None


def _volume_rows(counts: dict[str, int]) -> list[d.AuditRow]:
    out = []
    for actor, n in counts.items():
        out.extend(search(NOON_LA + timedelta(minutes=i), actor=actor) for i in range(n))
    return out


def test_volume_flags_a_user_far_above_peers() -> None:
    rows = _volume_rows({"a": 5, "b": 6, "c": 4, "d": 7, "heavy": 60})
    flags = d.volume(rows, window_days=7, z_threshold=3.5, min_searches=20, min_peers=3)
    assert [f.subject for f in flags] == ["heavy"]
    ev = flags[0].evidence
    assert ev["count"] == 60 and ev["peers"] == 5 and ev["peer_median"] == 6 and ev["z"] > 3.5
    assert len(ev["seqs"]) == 60


def test_volume_does_not_flag_similar_users_small_counts_or_too_few_peers() -> None:
    similar = _volume_rows({"a": 30, "b": 34, "c": 28, "d": 31})
    assert d.volume(similar, window_days=7, z_threshold=3.5, min_searches=20, min_peers=3) == []
    small = _volume_rows({"a": 1, "b": 1, "c": 1, "d": 12})
    assert d.volume(small, window_days=7, z_threshold=3.5, min_searches=20, min_peers=3) == []
    two = _volume_rows({"a": 2, "heavy": 90})
    assert d.volume(two, window_days=7, z_threshold=3.5, min_searches=20, min_peers=3) == []


# --- repeated plate without a case ---


def test_repeated_plate_without_case_is_flagged_per_user_and_plate() -> None:
    rows = [search(NOON_LA + timedelta(hours=i), plate="7abc-123") for i in range(3)]
    rows.append(search(NOON_LA, plate="OTHER1"))
    flags = d.repeated_plate(rows, window_days=7, threshold=3)
    assert len(flags) == 1
    assert flags[0].subject == "ana|7ABC123" and flags[0].evidence["count"] == 3


def test_repeated_plate_with_a_case_number_or_below_threshold_is_not_flagged() -> None:
    with_case = [search(NOON_LA + timedelta(hours=i), plate="7ABC123", case="2026-0001") for i in range(5)]
    assert d.repeated_plate(with_case, window_days=7, threshold=3) == []
    twice = [search(NOON_LA + timedelta(hours=i), plate="7ABC123") for i in range(2)]
    assert d.repeated_plate(twice, window_days=7, threshold=3) == []
    wildcard = [search(NOON_LA + timedelta(hours=i), plate="7AB*") for i in range(5)]
    assert d.repeated_plate(wildcard, window_days=7, threshold=3) == []


# --- inactive cases ---------------------------------------------------------------------------------------------------


def test_case_without_follow_up_is_flagged_once_its_deadline_passed() -> None:
    t0 = NOON_LA
    rows = [search(t0, case="2026-0042"), search(t0 + timedelta(days=1), actor="bob", case="2026-0042")]
    now = t0 + timedelta(days=15)
    flags = d.inactive_case(rows, [], now=now, inactive_days=14)
    assert len(flags) == 1
    assert flags[0].subject == "2026-0042" and flags[0].evidence["actors"] == ["ana", "bob"]
    assert flags[0].dedup_key == "inactive_case|2026-0042"
    # before the deadline it cannot be judged yet
    assert d.inactive_case(rows, [], now=t0 + timedelta(days=13), inactive_days=14) == []


def test_case_with_later_activity_is_not_flagged() -> None:
    t0 = NOON_LA
    searches = [search(t0, case="2026-0042")]
    now = t0 + timedelta(days=30)
    export = row(t0 + timedelta(days=2), action="alpr.export", purpose="x", case_number="2026-0042")
    assert d.inactive_case([*searches, export], [], now=now, inactive_days=14) == []
    hotlist = d.CaseActivity("2026-0042", t0 + timedelta(days=3), "hotlist_entry", "1")
    assert d.inactive_case(searches, [hotlist], now=now, inactive_days=14) == []
    # activity after the deadline, a second search or a refusal is no follow-up
    late = d.CaseActivity("2026-0042", t0 + timedelta(days=20), "hotlist_entry", "2")
    again = search(t0 + timedelta(days=1), case="2026-0042")
    refused = row(t0 + timedelta(days=1), action="alpr.search.refused", purpose="x", case_number="2026-0042")
    assert len(d.inactive_case([*searches, again, refused], [late], now=now, inactive_days=14)) == 1


# --- forbidden purposes ---------------------------------------------------------------------------------------------


def test_forbidden_purpose_requests_are_flagged() -> None:
    refused = row(NOON_LA, action="alpr.search.refused", purpose="immigration_enforcement", reason="forbidden")
    shared = row(
        NOON_LA, actor="apikey:ice", role="agency", action="sharing.request", purpose="immigration_enforcement"
    )
    ok = search(NOON_LA, case="2026-1")
    flags = d.forbidden_purpose([refused, shared, ok], forbidden=frozenset({"immigration_enforcement"}))
    assert sorted(f.subject for f in flags) == ["ana", "apikey:ice"]
    assert all(f.severity == "high" for f in flags)
    assert d.forbidden_purpose([ok], forbidden=frozenset({"immigration_enforcement"})) == []


# --- helpers --------------------------------------------------------------------------------------------------------


def test_windows_are_fixed_blocks_so_dedup_keys_are_stable() -> None:
    a = d.window_of(datetime(2026, 11, 18, 1, tzinfo=UTC), 7)
    b = d.window_of(datetime(2026, 11, 18, 23, tzinfo=UTC), 7)
    assert a == b and a[1] - a[0] == timedelta(days=7)
    assert a[0] <= datetime(2026, 11, 18, tzinfo=UTC) < a[1]


def test_plates_of_reads_plate_keys_and_lists() -> None:
    r = row(NOON_LA, query={"plate": "abc 123", "plates": ["XYZ-9", "abc123"], "camera": "CAM-1"})
    assert d.plates_of(r) == ["ABC123", "XYZ9"]
    assert d.plates_of(row(NOON_LA, query="not a mapping")) == []
