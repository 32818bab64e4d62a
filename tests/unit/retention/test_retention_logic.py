"""Pure retention rules: the policy, cut-offs, class names, the hold state machine and request rules, review due,
and which image references are local files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from rtcc.core.errors import Conflict, PermissionDenied, ValidationFailed
from rtcc.retention import logic
from rtcc.retention.logic import DataClass, HoldAction, HoldStatus
from rtcc.retention.service import policy
from rtcc.settings import Settings


def test_policy_defaults_follow_the_issue() -> None:
    got = {c.name: c.days for c in policy(Settings(database_url="sqlite://"))}
    assert got == {"reads_nonhit": 30, "reads_hit": 365, "images": 30, "alerts": 730, "audit": 1825}


def test_policy_uses_the_existing_reads_setting() -> None:
    got = {c.name: c.days for c in policy(Settings(database_url="sqlite://", retention_reads_days=7))}
    assert got["reads_nonhit"] == 7


def test_cutoff() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert logic.cutoff(now, 30) == datetime(2026, 10, 23, tzinfo=UTC)
    with pytest.raises(ValueError):
        logic.cutoff(now.replace(tzinfo=None), 30)


def test_parse_classes() -> None:
    assert logic.parse_classes(None) == list(logic.PURGE_ORDER)
    assert logic.parse_classes(["audit", "images"]) == [DataClass.images, DataClass.audit]
    with pytest.raises(ValidationFailed) as err:
        logic.parse_classes(["reads"])
    assert err.value.errors[0]["field"] == "class"


def test_hold_transitions() -> None:
    assert logic.next_hold_status("requested", HoldAction.approve) is HoldStatus.active
    assert logic.next_hold_status("requested", HoldAction.deny) is HoldStatus.denied
    assert logic.next_hold_status("active", HoldAction.release) is HoldStatus.released
    for status, action in [
        ("active", HoldAction.approve),
        ("released", HoldAction.release),
        ("denied", HoldAction.approve),
    ]:
        with pytest.raises(Conflict):
            logic.next_hold_status(status, action)


def test_two_person_rule() -> None:
    logic.check_decider("ana", "sue")
    with pytest.raises(PermissionDenied):
        logic.check_decider("sue", "sue")


def test_review_date_required_and_future() -> None:
    today = date(2026, 11, 22)
    assert logic.check_review_date(today + timedelta(days=1), today) == today + timedelta(days=1)
    for bad in (None, today, today - timedelta(days=3)):
        with pytest.raises(ValidationFailed) as err:
            logic.check_review_date(bad, today)
        assert err.value.errors[0]["field"] == "review_date"


def test_review_due_only_for_active_holds_on_or_after_the_date() -> None:
    d = date(2026, 12, 1)
    assert logic.review_due("active", d, d)
    assert not logic.review_due("active", d, d - timedelta(days=1))
    assert not logic.review_due("released", d, d + timedelta(days=5))


def test_scope_must_select_something() -> None:
    empty: dict[str, list[str]] = {"plates": [], "read_ids": [], "alert_ids": [], "camera_codes": []}
    with pytest.raises(ValidationFailed):
        logic.check_scope(**empty, time_from=None, time_to=None)
    logic.check_scope(**empty, time_from=datetime(2026, 1, 1, tzinfo=UTC), time_to=None)


def test_local_file(tmp_path: Path) -> None:
    assert logic.local_file("img/a.jpg", tmp_path) == (tmp_path / "img" / "a.jpg").resolve()
    assert logic.local_file(f"file://{tmp_path}/b.jpg", tmp_path) == (tmp_path / "b.jpg").resolve()
    assert logic.local_file("https://cdn/x.jpg", tmp_path) is None
    assert logic.local_file("openalpr:frame-9", tmp_path) is None
    assert logic.local_file("../../etc/passwd", tmp_path) is None
    assert logic.local_file("/etc/passwd", tmp_path) is None
    assert logic.local_file("", tmp_path) is None


def test_adaptive_batch_size_stays_within_bounds() -> None:
    # all time counted as per-row work: proportional, aiming at 90 % of the target
    assert logic.next_batch_size(5000, 800, target_ms=200, largest=5000) == 1125  # 5000 * 180 / 800
    assert logic.next_batch_size(100, 10_000, target_ms=200, largest=5000) == logic.MIN_BATCH
    assert logic.next_batch_size(1000, 50, target_ms=200, largest=5000) == 2000  # grows at most 2x
    assert logic.next_batch_size(4000, 50, target_ms=200, largest=5000) == 5000  # never above the largest
    assert logic.next_batch_size(1, 5, target_ms=200, largest=5000) == logic.MIN_BATCH
    # a fixed part (commit, audit entry) does not shrink the batch when the per-row work is cheap
    assert logic.next_batch_size(500, 120, target_ms=100, largest=5000, work_ms=10) == 1000
    # ... and the per-row work is sized into what the fixed part leaves: (90 - 40) / (60 / 2000) = 1666
    assert logic.next_batch_size(2000, 100, target_ms=100, largest=5000, work_ms=60) == 1666
    # a fixed part above the target: the per-row work still gets half the target (50 / 0.01 = 5000, capped at 2x)
    assert logic.next_batch_size(2000, 300, target_ms=100, largest=5000, work_ms=20) == 4000
    # slow per-row work under a large fixed part: half the target's worth of rows, (50 / (200 / 500)) = 125
    assert logic.next_batch_size(500, 300, target_ms=100, largest=5000, work_ms=200) == 125
    assert logic.next_batch_size(3, 50, target_ms=0, largest=3) == 3
