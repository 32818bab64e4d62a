"""The demo's read history: about four weeks of simulated traffic before now, so that plate search, track, stakeout,
common plates and co-travel have something to show on the demo's first run.

Thinned so that ``rtcc demo`` stays quick: ``HISTORY_SCALE`` (3 %) of the modelled volume (about 5,000 reads a day,
150,000 in all), read by a proportionally smaller pool of regular vehicles, so each regular still passes its cameras
about twice a day and the same plates recur at the same cameras (what stakeout and common plates look for). A few
pairs of vehicles (``CONVOYS``) drive together once or twice a day, 10-45 s apart past two or three neighbouring
cameras (what co-travel looks for). Hotlisted plates are kept out: the history raises no alerts.

Stored through the ingest path (``rtcc.alpr.store.ingest``, one transaction per ``BATCH`` reads), so the reads are
exactly what cameras would have sent. Idempotent and cheap to repeat: each day's reads come from a generator seeded by
the seed and the date, and carry an id derived from both, so a second run stores only the days it lacks (a day's
earlier reads are duplicates). The days reach back ``HISTORY_DAYS`` (less than the read retention: older reads are
refused on ingest and purged), up to the time the history is seeded.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from rtcc.alpr import principals as alpr_principals
from rtcc.alpr import store as alpr_store
from rtcc.alpr.schemas import CandidateIn, ReadIn, VehicleIn
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import ocr_class
from rtcc.demo import crops, world
from rtcc.demo.traffic import DemoHotlistEntry, DemoRead, TrafficModel
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: Days of history (before today), capped below the read retention.
HISTORY_DAYS = 28
#: Share of the modelled volume the history carries.
HISTORY_SCALE = 0.03
#: Pairs of vehicles that travel together (co-travel).
CONVOYS = 3
#: Reads stored per ingest transaction.
BATCH = 5_000
#: The ingest source of history reads (so they can be told apart from live traffic).
SOURCE = "demo-history"
#: Share of history reads by regular vehicles (higher than live traffic's, so plates recur).
REGULAR_SHARE = 0.8

_ZONE = ZoneInfo(world.TIMEZONE)
_SPEED_MS = 13.0
_NAMESPACE = uuid.UUID("5d1f0c6e-7d1a-4a57-9c55-2f4b8c0a9e11")


@dataclass(frozen=True)
class HistoryResult:
    """What seeding the history did: reads generated, stored now, already there, refused, and the time it took."""

    days: int
    generated: int
    accepted: int
    duplicates: int
    rejected: int
    seconds: float


def _convoy_plates(model: TrafficModel, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Pairs of plates from the regular pool (so they also drive alone, like real neighbours)."""
    pool = model.regular_plates()
    picks = rng.choice(len(pool), size=min(len(pool), 2 * CONVOYS), replace=False).tolist()
    return [(pool[picks[2 * i]], pool[picks[2 * i + 1]]) for i in range(len(picks) // 2)]


def _convoy_reads(rng: np.random.Generator, pairs: Sequence[tuple[str, str]], day_start: datetime) -> list[DemoRead]:
    """One or two joint trips per pair during the day: the leader, then the follower 10-45 s behind, past two or
    three neighbouring cameras."""
    cams = world.cameras()
    out: list[DemoRead] = []
    for lead, follow in pairs:
        for _ in range(int(rng.integers(1, 3))):
            first = cams[int(rng.integers(len(cams)))]
            near = sorted(cams, key=lambda c: world.distance_m(first.lat, first.lon, c.lat, c.lon))
            route = near[: int(rng.integers(2, 4))]
            at = day_start + timedelta(hours=float(rng.uniform(7.0, 21.0)))
            gap = float(rng.uniform(10.0, 45.0))
            for n, cam in enumerate(route):
                if n:
                    prev = route[n - 1]
                    at += timedelta(seconds=world.distance_m(prev.lat, prev.lon, cam.lat, cam.lon) / _SPEED_MS + 15)
                for plate, delay in ((lead, 0.0), (follow, gap)):
                    conf = round(float(rng.uniform(88.0, 97.0)), 1)
                    out.append(
                        DemoRead(
                            camera_code=cam.code, plate=plate, region="CA", confidence=conf,
                            observed_at=at + timedelta(seconds=delay), make=None, model=None, color="unknown",
                            vehicle_type="unknown", candidates=((plate, conf),), true_plate=plate,
                        )
                    )  # fmt: skip
    return out


def _near_listed(hotlist: Sequence[DemoHotlistEntry]) -> Callable[[Sequence[str]], list[bool]]:
    """A test over many plates: is each within one OCR-class position of a listed plate (what a list that tolerates
    one differing character would match)? Vectorised per plate length."""
    by_len: dict[int, NDArray[np.uint8]] = {}
    for n in {len(e.plate) for e in hotlist}:
        listed = [ocr_class(e.plate) for e in hotlist if len(e.plate) == n]
        by_len[n] = np.frombuffer("".join(listed).encode(), dtype=np.uint8).reshape(len(listed), n)

    def test(plates: Sequence[str]) -> list[bool]:
        out = [False] * len(plates)
        for n, listed in by_len.items():
            rows = [i for i, p in enumerate(plates) if len(p) == n]
            if not rows:
                continue
            text = "".join(ocr_class(plates[i]) for i in rows).encode()
            mine = np.frombuffer(text, dtype=np.uint8).reshape(len(rows), n)
            near = ((mine[:, None, :] != listed[None, :, :]).sum(axis=2) <= 1).any(axis=1)
            for i, hit in zip(rows, near.tolist(), strict=True):
                out[i] = hit
        return out

    return test


def day_reads(model: TrafficModel, pairs: Sequence[tuple[str, str]], day: date, seed_value: int) -> list[DemoRead]:
    """The history reads of one local day, the same on every run (a generator seeded by the seed and the date)."""
    rng = np.random.default_rng([seed_value, day.toordinal()])
    model.reseed(rng)
    start = datetime(day.year, day.month, day.day, tzinfo=_ZONE)
    end = start + timedelta(days=1)
    reads = model.reads_between(start.astimezone(UTC), end.astimezone(UTC))
    reads += _convoy_reads(rng, pairs, start)
    reads.sort(key=lambda r: r.observed_at)
    return reads


def _read_in(r: DemoRead, day: date, seed_value: int, n: int) -> ReadIn:
    """The native REST read a camera would have sent (built without re-validating what the simulator produced:
    this runs 150,000 times next to the live server), with an id fixed by the seed, the day and its position."""
    cam = world.camera(r.camera_code)
    return ReadIn.model_construct(
        plate=r.plate, region=r.region, confidence=r.confidence, observed_at=r.observed_at, camera=r.camera_code,
        lat=cam.lat, lon=cam.lon, heading=None,
        vehicle=VehicleIn.model_construct(make=r.make, model=r.model, color=r.color, type=r.vehicle_type),
        image_ref=None, crop_ref=crops.crop_ref(r.true_plate, r.region),
        candidates=[CandidateIn.model_construct(plate=p, confidence=c) for p, c in r.candidates],
        id=str(uuid.uuid5(_NAMESPACE, f"{seed_value}:{day.isoformat()}:{n}")),
    )  # fmt: skip


def history_model(hotlist: Sequence[DemoHotlistEntry], seed_value: int) -> TrafficModel:
    """The thinned traffic model of the history (no hotlisted plate circulates in it)."""
    return TrafficModel(
        np.random.default_rng([seed_value, 1]),
        world.cameras(),
        hotlist=hotlist,
        circulating=0,
        regular_share=REGULAR_SHARE,
        volume_scale=HISTORY_SCALE,
    )


def seed_history(
    db: Database,
    bus: Bus,
    settings: Settings,
    *,
    hotlist: Sequence[DemoHotlistEntry],
    days: int = HISTORY_DAYS,
    seed_value: int = 7,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> HistoryResult:
    """Store the history (each ``BATCH`` reads one transaction) from ``days`` local days ago up to ``now``; ``stop``
    ends it early between batches (the server is shutting down)."""
    started = time.perf_counter()
    now = now or utcnow()
    days = max(0, min(days, settings.retention_reads_days - 1))
    model = history_model(hotlist, seed_value)
    pairs = _convoy_plates(model, np.random.default_rng([seed_value, 2]))
    near_listed = _near_listed(hotlist)
    principal = alpr_principals.ingest_principal("demo history")
    today = now.astimezone(_ZONE).date()
    generated = accepted = duplicates = rejected = 0
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        every = day_reads(model, pairs, day, seed_value)
        listed_like = near_listed([r.plate for r in every])  # no look-alike of a listed plate either: no alerts
        reads = [
            _read_in(r, day, seed_value, n)
            for n, (r, skip) in enumerate(zip(every, listed_like, strict=True))
            if r.observed_at <= now and not skip
        ]
        generated += len(reads)
        for i in range(0, len(reads), BATCH):
            if stop is not None and stop.is_set():
                logger.info("demo history: stopped before %s", day.isoformat())
                return HistoryResult(days, generated, accepted, duplicates, rejected, time.perf_counter() - started)
            with db.uow() as session:
                res = alpr_store.ingest(
                    session, bus, reads[i : i + BATCH], source=SOURCE, principal=principal, settings=settings
                )
            accepted += res.accepted
            duplicates += res.duplicates
            rejected += len(res.rejected)
    seconds = time.perf_counter() - started
    logger.info(
        "demo history: %d days, %d reads (%d stored, %d already there, %d refused) in %.1f s",
        days, generated, accepted, duplicates, rejected, seconds,
    )  # fmt: skip
    return HistoryResult(days, generated, accepted, duplicates, rejected, round(seconds, 2))
