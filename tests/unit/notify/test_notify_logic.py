"""Pure notify rules: the outbox's retry back-off."""

from __future__ import annotations

from rtcc.notify import logic


def test_retry_delay_doubles_and_caps() -> None:
    assert [logic.retry_delay_s(n, 30) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert logic.retry_delay_s(20, 30) == 3600.0
