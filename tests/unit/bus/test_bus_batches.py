"""``one_transaction_or_each``: a batch consumer's shared transaction, and its fallback to one event at a time."""

from __future__ import annotations

import pytest

from rtcc.bus.batches import BatchFailed, one_transaction_or_each
from rtcc.bus.envelope import Envelope


def _envs(n: int) -> list[Envelope]:
    return [Envelope(type="t.x", payload={"i": i}) for i in range(n)]


def test_a_batch_that_succeeds_is_processed_once_as_a_whole() -> None:
    calls: list[list[int]] = []
    one_transaction_or_each(lambda batch: calls.append([e.payload["i"] for e in batch]), _envs(3))
    assert calls == [[0, 1, 2]]


def test_a_failing_batch_is_retried_event_by_event_and_names_what_still_fails() -> None:
    calls: list[list[int]] = []

    def process(batch: list[Envelope]) -> None:
        calls.append([e.payload["i"] for e in batch])
        if any(e.payload["i"] == 1 for e in batch):
            raise ValueError("bad event")

    envs = _envs(3)
    with pytest.raises(BatchFailed) as failed:
        one_transaction_or_each(process, envs)
    assert calls == [[0, 1, 2], [0], [1], [2]]  # the others were handled on their own
    assert failed.value.failed == [envs[1]]


def test_a_batch_of_one_raises_its_own_error() -> None:
    def process(batch: list[Envelope]) -> None:
        raise ValueError("bad event")

    with pytest.raises(ValueError, match="bad event"):
        one_transaction_or_each(process, _envs(1))
