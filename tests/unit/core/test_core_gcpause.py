"""``paused_gc``: the collector is off inside a batch, back on after the last of overlapping batches, left off when it
was off before, and a long overlap forces one full collection."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from rtcc.core import gcpause
from rtcc.core.gcpause import paused_gc


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after_even_on_error() -> None:
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_and_overlapping_pauses_restore_once_the_last_ends() -> None:
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with paused_gc():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert entered.wait(5)
    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's batch still runs
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_a_long_overlap_forces_a_full_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(gcpause, "MAX_PAUSE_S", 0.0)
    monkeypatch.setattr(gcpause.gc, "collect", lambda *a: calls.append(1) or 0)
    with paused_gc():
        with paused_gc():
            pass
        assert calls == [1]  # the inner batch ended while the outer kept the collector paused
    assert calls == [1] and gc.isenabled()
