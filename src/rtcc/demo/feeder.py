"""The demo's camera simulator: turns ``TrafficModel`` output into real HTTP ingest calls, like real cameras would.

Every tick it asks the model for the reads of the elapsed (optionally compressed) time, adds the scripted hotlisted
vehicles whose time has come, and POSTs them as one native batch to ``/api/v1/reads`` with the simulator's API key.
The model follows the city's hour of day (about 15 reads a minute over the 19 cameras at 3-4 am, hundreds at rush
hour); so that a demo started at night is not nearly still, the feeder compresses time whenever the modelled rate is
below ``min_per_minute`` (the reads keep their own times: only more of them arrive).
It runs in a background thread next to the server, so the whole loop (ingest -> store -> match -> alert -> SSE) is
the production path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np

from rtcc.demo import crops, world
from rtcc.demo.traffic import DemoHotlistEntry, DemoRead, TrafficModel

logger = logging.getLogger(__name__)

#: The fewest background reads a minute the demo shows (the night is compressed up to this rate).
MIN_READS_PER_MINUTE = 120


def read_json(read: DemoRead) -> dict[str, Any]:
    """The native REST shape of one simulated read. Its ``crop_ref`` is the relative URL of the simulated crop of the
    plate the car really carries (``true_plate``), so a misread's crop shows a plate that differs from the OCR text."""
    cam = world.camera(read.camera_code)
    return {
        "plate": read.plate,
        "region": read.region,
        "confidence": round(read.confidence, 1),
        "observed_at": read.observed_at.isoformat(),
        "camera": read.camera_code,
        "lat": cam.lat,
        "lon": cam.lon,
        "vehicle": {"make": read.make, "model": read.model, "color": read.color, "type": read.vehicle_type},
        "candidates": [{"plate": p, "confidence": round(c, 1)} for p, c in read.candidates],
        "crop_ref": crops.crop_ref(read.true_plate, read.region),
    }


class Feeder:
    """Posts simulated reads to a running server until stopped."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        hotlist: Sequence[DemoHotlistEntry] = (),
        seed: int = 7,
        speedup: float = 1.0,
        tick_s: float = 1.0,
        min_per_minute: float = MIN_READS_PER_MINUTE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.speedup = speedup
        self.min_per_minute = min_per_minute
        self.tick_s = tick_s
        self.model = TrafficModel(np.random.default_rng(seed), world.cameras(), hotlist=hotlist, circulating=4)
        self.sent = 0  #: reads accepted by the server, background and scripted
        self.background_sent = 0  #: of which background traffic (its rate follows the hour: low at night)
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start posting in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="demo-feeder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def effective_speedup(self, start: datetime, end: datetime) -> float:
        """The speedup for [start, end): the configured one, raised when the modelled rate is below the floor."""
        minutes = (end - start).total_seconds() / 60.0
        if minutes <= 0:
            return self.speedup
        rate = float(self.model.expected_count(start, end, speedup=self.speedup).sum()) / minutes
        if rate <= 0 or rate >= self.min_per_minute:
            return self.speedup
        return self.speedup * self.min_per_minute / rate

    def _wait_ready(self, client: httpx.Client) -> None:
        while not self._stop.is_set():
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, headers={"X-API-Key": self.api_key}, timeout=30) as client:
            self._wait_ready(client)
            start = datetime.now(UTC)
            scheduled = sorted(self.model.schedule_hotlisted(start), key=lambda r: r.observed_at)
            cursor = start
            while not self._stop.wait(self.tick_s):
                now = datetime.now(UTC)
                reads = self.model.reads_between(cursor, now, speedup=self.effective_speedup(cursor, now))
                due = [r for r in scheduled if r.observed_at <= now]
                scheduled = [r for r in scheduled if r.observed_at > now]
                cursor = now
                batch = [read_json(r) for r in reads + due]
                if not batch:
                    continue
                try:
                    resp = client.post("/api/v1/reads", json={"reads": batch})
                    resp.raise_for_status()
                    self.sent += len(batch)
                    self.background_sent += len(reads)
                except httpx.HTTPError as exc:
                    self.failures += 1
                    logger.warning("demo feeder: batch of %d not accepted: %s", len(batch), exc)
            logger.info("demo feeder stopped after %d reads", self.sent)
