"""The bulk-load helpers of the benchmarks: ``prefetch`` hands over a generator's items in order from a thread
(errors raised to the consumer, the thread stopped when the consumer stops early), and ``Phases`` names each lap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from rtcc.bench._support import Phases, prefetch


def test_prefetch_yields_every_item_in_order() -> None:
    assert list(prefetch(iter(f"chunk{i}" for i in range(50)), depth=2)) == [f"chunk{i}" for i in range(50)]


def test_prefetch_makes_items_ahead_in_another_thread() -> None:
    made: list[tuple[str, str]] = []

    def items() -> Iterator[str]:
        for i in range(3):
            made.append((threading.current_thread().name, str(i)))
            yield str(i)

    out = prefetch(items(), depth=2)
    assert next(out) == "0"
    deadline = time.monotonic() + 5
    while len(made) < 3 and time.monotonic() < deadline:  # the rest are made while the consumer holds the first
        time.sleep(0.01)
    assert [i for _, i in made] == ["0", "1", "2"]
    assert {name for name, _ in made} == {"bench-rows"}
    assert list(out) == ["1", "2"]


def test_prefetch_raises_the_producers_error_to_the_consumer() -> None:
    def items() -> Iterator[str]:
        yield "a"
        raise RuntimeError("generation failed")

    out = prefetch(items())
    assert next(out) == "a"
    with pytest.raises(RuntimeError, match="generation failed"):
        next(out)


def test_prefetch_stops_its_thread_when_the_consumer_stops_early() -> None:
    made: list[int] = []

    def items() -> Iterator[str]:
        for i in range(1000):
            made.append(i)
            yield str(i)

    out = prefetch(items(), depth=1)
    assert next(out) == "0"
    out.close()  # the consumer gives up: the thread must not go on making the other 999
    assert len(made) < 10
    assert not [t for t in threading.enumerate() if t.name == "bench-rows"]


def test_phases_time_each_lap_under_its_name() -> None:
    phases = Phases()
    time.sleep(0.12)
    phases.lap("load")
    phases.lap("index")
    got = phases.report()
    assert list(got) == ["load_s", "index_s"]
    assert 0.1 <= got["load_s"] < 5.0 and got["index_s"] < 0.1
