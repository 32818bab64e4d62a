"""Pausing Python's cyclic garbage collector while a bounded batch runs (ingest, matching).

A batch of a few thousand reads allocates tens of thousands of short-lived containers (decoded JSON, validated
reads, rows, event payloads) that stay alive until the batch ends and are then freed by reference counting. With
the collector running, those allocations trigger many young-generation passes and, as the survivors are promoted,
full passes over every object of the process: a fifth or more of the batch's time, for no garbage found.
``paused_gc`` disables the collector for the duration of a batch and restores it afterwards. Pauses nest and
overlap across threads (the collector comes back when the last one ends); if overlapping batches kept it paused
for longer than ``MAX_PAUSE_S``, the batch that ends then runs one full collection, so cyclic garbage made by other
threads meanwhile cannot pile up under constant load.
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
