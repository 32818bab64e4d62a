"""The telemetry writer shared by the MAVLink UDP listener and the MQTT subscriber: network threads put fixes on a
bounded queue; one worker thread stores what is waiting through the ingest path (``rtcc.drones.ingest``), one
transaction per batch. A fix is worth little once a newer one exists, so a full queue drops (and counts) rather than
block the network thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from rtcc.drones.ingest import ingest
from rtcc.drones.telemetry import TelemetryFix
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

_QUEUE_SIZE = 20_000
_BATCH = 1_000


@dataclass
class WriterStats:
    """Counters of a writer (tests, logs, the bench)."""

    queued: int = 0
    dropped: int = 0
    stored: int = 0
    geofence_checks: int = 0
    breaches: int = 0
    without_flight: int = 0
    rejected: int = 0
    batches: int = 0


class TelemetryWriter:
    """Stores fixes in batches on its own thread (``put`` from any thread)."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        self.runtime = runtime
        self.stats = WriterStats()
        self._queue: queue.Queue[TelemetryFix | None] = queue.Queue(_QUEUE_SIZE)
        self._thread = threading.Thread(target=self._run, name=f"rtcc-drone-telemetry-{name}", daemon=True)
        self._idle = threading.Condition()

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def put(self, fix: TelemetryFix) -> None:
        """Queue one fix (dropped and counted when the queue is full)."""
        try:
            self._queue.put_nowait(fix)
            self.stats.queued += 1
        except queue.Full:
            self.stats.dropped += 1

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued fix is stored or dropped (tests, the bench); False on timeout."""
        with self._idle:
            return self._idle.wait_for(
                lambda: self.stats.stored + self.stats.rejected + self.stats.without_flight >= self.stats.queued,
                timeout,
            )

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < _BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._store(batch)
            if stop:
                return

    def _store(self, batch: list[TelemetryFix]) -> None:
        try:
            with self.runtime.db.uow() as session:
                result = ingest(session, self.runtime.bus, batch, self.runtime.settings)
            self.stats.stored += result.stored
            self.stats.geofence_checks += result.geofence_checks
            self.stats.breaches += result.breaches
            self.stats.without_flight += result.without_flight
            self.stats.rejected += len(result.rejected)
            for why in result.rejected[:5]:
                logger.warning("drone telemetry refused: %s", why)
        except Exception:
            self.stats.rejected += len(batch)
            logger.exception("could not store a batch of %d drone fixes", len(batch))
        finally:
            self.stats.batches += 1
            with self._idle:
                self._idle.notify_all()
