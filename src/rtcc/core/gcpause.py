"""Pausing Python's cyclic garbage collector while a bounded batch runs (ingest, matching).

A batch of a few thousand reads allocates tens of thousands of short-lived containers (decoded JSON, validated
reads, rows, event payloads) that stay alive until the batch ends and are then freed by reference counting. With
the collector running, those allocations trigger many young-generation passes and, as the survivors are promoted,
full passes over every object of the process: a fifth or more of the batch's time, for no garbage found.
``paused_gc`` disables the collector for the duration of a batch and restores it afterwards. Pauses nest and
overlap across threads (the collector comes back when the last one ends); if overlapping batches kept it paused
for longer than ``MAX_PAUSE_S``, the batch that ends then runs one full collection, so cyclic garbage made by other
threads meanwhile cannot pile up under constant load.

``freeze_long_lived`` is the other half: a server or worker calls it once it has started. The few hundred thousand
objects that start-up made (modules, classes, routes, schemas, SQL metadata) live as long as the process, yet every
full collection walked all of them again: about 200 ms with the GIL held, a stall every request in flight waits out
(under constant ingest that forced collection came every ``MAX_PAUSE_S``, and it was the acknowledgement p99). Frozen,
they are left out of every later collection, so a full one walks only what was made since. ``thaw`` hands them
back to the collector when the server or worker stops (a process that starts several apps, such as the test suite,
would otherwise never collect the earlier ones).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Longest time the collector stays paused by overlapping batches before a full collection is forced.
MAX_PAUSE_S = 10.0

_lock = threading.Lock()
_depth = 0
_restore = False
_since = 0.0


def freeze_long_lived() -> int:
    """Collect once, then move every object that survives into the collector's permanent generation
    (``gc.freeze``): later collections skip them. Call it once start-up is done; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Give the frozen objects back to the collector (``gc.unfreeze``): call it when the server or worker stops."""
    gc.unfreeze()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector disabled (see the module docstring)."""
    global _depth, _restore, _since
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            _since = time.monotonic()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        collect = False
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _restore:
                    gc.enable()
            elif _restore and time.monotonic() - _since > MAX_PAUSE_S:
                _since = time.monotonic()
                collect = True
        if collect:
            gc.collect()
