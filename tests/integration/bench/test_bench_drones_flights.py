"""The flights parts of ``rtcc bench drones`` at a tiny size: the telemetry and public-log figures with their
same-run baselines and correctness checks (no timing is asserted)."""

from __future__ import annotations

import pytest

from rtcc.bench import _drones_flights as bench


def test_telemetry_part_at_a_tiny_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "DRONES", 4)
    monkeypatch.setattr(bench, "FIXES_PER_DRONE", 30)
    monkeypatch.setattr(bench, "ZONES", 40)
    out = bench.telemetry_part()
    assert out["telemetry_messages"] == 120 and out["geofence_checks"] == 120
    assert out["geofence_correct"] is True
    assert out["telemetry_msgs_per_s"] > 0 and out["telemetry_no_geofence_msgs_per_s"] > 0


def test_log_page_part_at_a_tiny_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "REQUESTS", 3)
    out = bench.log_page_part(flights=300)
    assert out["log_flights"] == 300 and out["log_page_correct"] is True
    assert out["log_page_p95_ms"] > 0 and out["log_floor_p95_ms"] > 0
