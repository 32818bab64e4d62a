"""Benchmark of the OCR-tolerant hotlist matching kernel (``rtcc bench match``), in the default configuration.

Builds a hotlist of realistic generated plates (default 1,000,000 entries on four lists, the two stolen-vehicle lists
requiring the state to agree) with the tolerance a new list gets by default (``HotlistCreate.max_diff``: 0, exact
and OCR-class matching), streams as many generated reads through ``HotlistIndex.match`` in batches of 10,000, and
reports reads per second, index size, build time and hits by kind; then the same at 1 and at 50 reads per batch
(``reads_per_s_batch_1``, ``reads_per_s_batch_50``, over the first ``SMALL_BATCH_READS`` reads), the size a camera
sends and a small group commit; those calls run with the garbage collector paused around each, as the matcher's unit
of work runs (one call at a time pays for a full collection over the millions of generated strings otherwise).

What the hits are worth: about 0.5 % of the reads are planted hotlisted plates, a third of those misread through a
confusion class; ``planted_recall`` is the share of planted reads that find the entry they came from (target 1.0).
The other reads are ordinary traffic generated like the entries; those whose plate is not on the list are the
``unlisted_reads``, and ``false_hit_rate`` is the share of them that hit anything (target <= 0.005 on a 1M list).
``estimated_false_hit_rate`` is what ``hotlists.tolerance`` predicts for the list and tolerance (it ignores the
state filter, so it should be a little above the measured rate), and ``k1_false_hit_rate`` is measured on the
first ``SMALL_BATCH_READS`` reads with the previous default (every list tolerating one differing position), the
configuration that raised alerts for half of ordinary traffic.

The baseline is a plain Python dict lookup of the exact normalised plates over the same reads in the same run, so
the ratio between the two holds on a noisy machine. ``rss_mb`` is the growth of the resident set over the build,
after garbage collection and returning freed heap memory to the OS; ``peak_rss_build_mb`` the growth of the peak,
temporaries included. It asserts nothing about time: it returns figures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtcc.bench import _gen
from rtcc.core.gcpause import paused_gc
from rtcc.hotlists.schemas import HotlistCreate
from rtcc.hotlists.tolerance import estimate_false_hits
from rtcc.matching.kernel import HotlistIndex, KernelHit, ListParams

logger = logging.getLogger(__name__)

DEFAULT_ROWS = 1_000_000
MIN_READS = 10_000
BATCH = 10_000
SMALL_BATCHES = (1, 50)
SMALL_BATCH_READS = 20_000  # reads timed at 1 and 50 a batch (a million one-read calls would take minutes)
PLANTED_SHARE = 0.005
PLANTED_MISREAD_SHARE = 1 / 3
SEED = 20240607

#: The tolerance every list gets unless someone chooses otherwise: the product's default.
DEFAULT_K: int = HotlistCreate.model_fields["max_diff"].default
#: list id -> (share of entries, parameters): stolen vehicles and plates need the state to agree.
LISTS: dict[int, tuple[float, ListParams]] = {
    1: (0.55, ListParams(max_diff=DEFAULT_K, require_state=True)),  # stolen vehicles
    2: (0.25, ListParams(max_diff=DEFAULT_K, require_state=True)),  # stolen plates
    3: (0.15, ListParams(max_diff=DEFAULT_K)),  # wanted persons / felony vehicles
    4: (0.05, ListParams(max_diff=DEFAULT_K)),  # local BOLO
}
#: state -> share of hotlist entries and of reads (a California city near its neighbours).
STATE_MIX: dict[str, float] = {"CA": 0.88, "NV": 0.05, "AZ": 0.04, "OR": 0.03}
ENTRY_NO_REGION = 0.10  # entries whose state is unknown
READ_NO_REGION = 0.15  # reads where the camera did not infer a state
DUPLICATE_SHARE = 0.02  # entries repeating a plate of another entry (same plate on several lists)


def _mixed_plates(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """``n`` plates drawn from the state mix, shuffled, with their states."""
    counts = rng.multinomial(n, list(STATE_MIX.values()))
    plates: list[str] = []
    states: list[str] = []
    for state, count in zip(STATE_MIX, counts.tolist(), strict=True):
        plates += _gen.plates(rng, count, state)
        states += [state] * count
    order = rng.permutation(n).tolist()
    return [plates[i] for i in order], [states[i] for i in order]


def _hotlist(rng: np.random.Generator, size: int) -> tuple[list[str], list[str | None], list[int]]:
    """Entries: plates, regions (some unknown) and list ids, with some plates on several lists."""
    plates, states = _mixed_plates(rng, size)
    regions: list[str | None] = list(states)
    for i in np.flatnonzero(rng.random(size) < ENTRY_NO_REGION).tolist():
        regions[i] = None
    shares = np.array([share for share, _ in LISTS.values()])
    list_ids: list[int] = np.array(list(LISTS))[rng.choice(len(LISTS), size=size, p=shares / shares.sum())].tolist()
    n_dup = int(size * DUPLICATE_SHARE)
    for dst, src in zip(rng.integers(0, size, n_dup).tolist(), rng.integers(0, size, n_dup).tolist(), strict=True):
        plates[dst], regions[dst] = plates[src], regions[src]
    return plates, regions, list_ids


def _reads(
    rng: np.random.Generator, n: int, entries: list[str], entry_regions: list[str | None]
) -> tuple[list[str], list[str | None], dict[int, int]]:
    """Reads with their regions, and the planted ones: read position -> entry row."""
    plates, states = _mixed_plates(rng, n)
    regions: list[str | None] = list(states)
    for i in np.flatnonzero(rng.random(n) < READ_NO_REGION).tolist():
        regions[i] = None
    planted: dict[int, int] = {}
    positions = rng.choice(n, size=max(1, int(n * PLANTED_SHARE)), replace=False).tolist()
    rows = rng.integers(0, len(entries), size=len(positions)).tolist()
    for pos, row in zip(positions, rows, strict=True):
        plate = entries[row]
        plates[pos] = _gen.misread(rng, plate) if rng.random() < PLANTED_MISREAD_SHARE else plate
        # A camera in the entry's state reads the entry's state (or some state when the entry has none).
        regions[pos] = entry_regions[row] or states[pos]
        planted[pos] = row
    return plates, regions, planted


def _trim_heap() -> None:
    """Give freed heap memory back to the OS (glibc only) so that RSS shows what is held, not what is cached."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        logger.debug("malloc_trim unavailable; RSS includes freed heap memory")


def _rss_bytes() -> int | None:
    """Current resident set size (Linux /proc), or None where unavailable."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _peak_rss_bytes() -> int:
    """Peak resident set size so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class _Tally:
    """What a stream of batches found: hits by kind, reads with hits, planted reads found, false hits."""

    kinds: dict[str, int] = field(default_factory=lambda: {"exact": 0, "ocr": 0, "fuzzy": 0})
    reads_with_hits: int = 0
    planted_found: int = 0
    planted: int = 0
    unlisted: int = 0
    false_hits: int = 0
    batch_s: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.batch_s)


def _stream(
    index: HotlistIndex,
    reads: list[str],
    regions: list[str | None],
    batch: int,
    planted: dict[int, int],
    unlisted: NDArray[np.bool_],
    *,
    pause_gc: bool = False,
) -> _Tally:
    """Match ``reads`` ``batch`` at a time, timing each call, and tally what was found.

    ``pause_gc`` pauses the cyclic garbage collector around each call, as the matcher's unit of work does
    (``matching.service.process_stored_reads`` runs under ``core.gcpause.paused_gc``); the pause is timed too.
    """
    tally = _Tally(planted=sum(1 for pos in planted if pos < len(reads)), unlisted=int(unlisted[: len(reads)].sum()))
    match = index.match
    perf = time.perf_counter
    for lo in range(0, len(reads), batch):
        chunk, chunk_regions = reads[lo : lo + batch], regions[lo : lo + batch]
        t0 = perf()
        if pause_gc:
            with paused_gc():
                hits = match(chunk, chunk_regions)
        else:
            hits = match(chunk, chunk_regions)
        tally.batch_s.append(perf() - t0)
        if not hits:
            continue
        hit_reads = {h.read_index + lo for h in hits}
        tally.reads_with_hits += len(hit_reads)
        tally.false_hits += sum(1 for pos in hit_reads if unlisted[pos])
        tally.planted_found += _count_planted(hits, lo, planted)
        for hit in hits:
            tally.kinds[hit.kind] += 1
    return tally


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Run the benchmark; ``rows`` is the hotlist size (and read count); ``database_url`` is unused (in memory)."""
    del database_url  # the kernel runs in memory; the argument keeps the common ``rtcc bench`` signature
    size = DEFAULT_ROWS if rows is None else max(1, rows)
    n_reads = max(size, MIN_READS)
    rng = np.random.default_rng(SEED)

    t0 = time.perf_counter()
    entries, entry_regions, list_ids = _hotlist(rng, size)
    reads, read_regions, planted = _reads(rng, n_reads, entries, entry_regions)
    listed = set(entries)
    unlisted = np.fromiter((r not in listed for r in reads), dtype=np.bool_, count=n_reads)
    unlisted[list(planted)] = False
    gen_s = time.perf_counter() - t0
    logger.info("bench match: generated %s entries and %s reads in %.1f s", size, n_reads, gen_s)

    params = {lid: p for lid, (_, p) in LISTS.items()}
    gc.collect()
    _trim_heap()
    rss_before, peak_before = _rss_bytes(), _peak_rss_bytes()
    t0 = time.perf_counter()
    index = HotlistIndex.build(entries, entry_regions, list_ids, params)
    build_s = time.perf_counter() - t0
    peak_after = _peak_rss_bytes()
    gc.collect()
    _trim_heap()
    rss_after = _rss_bytes()

    main = _stream(index, reads, read_regions, BATCH, planted, unlisted)
    match_s = main.seconds

    # Second pass with the generated data frozen out of the cyclic garbage collector, as a long-running matcher
    # would do after loading: full collections otherwise rescan millions of long-lived objects now and then.
    gc.collect()
    gc.freeze()
    try:
        t0 = time.perf_counter()
        for lo in range(0, n_reads, BATCH):
            index.match(reads[lo : lo + BATCH], read_regions[lo : lo + BATCH])
        frozen_s = time.perf_counter() - t0
    finally:
        gc.unfreeze()

    small_n = min(n_reads, SMALL_BATCH_READS)
    small = {
        b: _stream(index, reads[:small_n], read_regions[:small_n], b, planted, unlisted, pause_gc=True)
        for b in SMALL_BATCHES
    }
    index_mb = index.nbytes / 2**20
    del index
    gc.collect()
    k1_params = {lid: ListParams(max_diff=1, require_state=p.require_state) for lid, p in params.items()}
    k1_index = HotlistIndex.build(entries, entry_regions, list_ids, k1_params)
    k1 = _stream(k1_index, reads[:small_n], read_regions[:small_n], BATCH, planted, unlisted)
    del k1_index
    [estimate] = estimate_false_hits(entries, [DEFAULT_K])

    exact = _exact_dict_baseline(entries, reads)

    reads_per_s = n_reads / match_s if match_s else float("inf")
    result: dict[str, Any] = {
        "max_diff": DEFAULT_K,
        "reads_per_s": round(reads_per_s),
        "reads_per_s_gc_frozen": round(n_reads / frozen_s) if frozen_s else None,
        "reads": n_reads,
        "batch_size": BATCH,
        "batch_ms_p50": round(float(np.percentile(main.batch_s, 50)) * 1e3, 2),
        "batch_ms_p99": round(float(np.percentile(main.batch_s, 99)) * 1e3, 2),
        "false_hit_rate": _rate(main.false_hits, main.unlisted),
        "false_hits": main.false_hits,
        "unlisted_reads": main.unlisted,
        "estimated_false_hit_rate": round(estimate.false_hit_rate, 6),
        "planted": len(planted),
        "planted_recall": _rate(main.planted_found, main.planted),
        "hotlist_size": size,
        "hotlist_mb": round(index_mb, 1),
        "rss_mb": None if rss_before is None or rss_after is None else round((rss_after - rss_before) / 2**20, 1),
        "peak_rss_build_mb": round((peak_after - peak_before) / 2**20, 1),
        "build_s": round(build_s, 2),
        "hits": sum(main.kinds.values()),
        "hits_by_kind": main.kinds,
        "reads_with_hits": main.reads_with_hits,
    }
    for b, tally in small.items():
        result |= {
            f"reads_per_s_batch_{b}": round(small_n / tally.seconds) if tally.seconds else None,
            f"batch_{b}_ms_p50": round(float(np.percentile(tally.batch_s, 50)) * 1e3, 3),
            f"batch_{b}_ms_p99": round(float(np.percentile(tally.batch_s, 99)) * 1e3, 3),
            f"false_hit_rate_batch_{b}": _rate(tally.false_hits, tally.unlisted),
            f"planted_recall_batch_{b}": _rate(tally.planted_found, tally.planted),
        }
    result |= {
        "small_batch_reads": small_n,
        "k1_false_hit_rate": _rate(k1.false_hits, k1.unlisted),
        "k1_planted_recall": _rate(k1.planted_found, k1.planted),
        "baseline_exact_dict_reads_per_s": round(exact["reads_per_s"]),
        "baseline_exact_dict_hits": exact["hits"],
        "kernel_vs_exact_dict": round(reads_per_s / exact["reads_per_s"], 3),
    }
    return result


def _count_planted(hits: list[KernelHit], offset: int, planted: dict[int, int]) -> int:
    """How many planted reads of a batch (starting at read ``offset``) found the entry they were planted from."""
    return len({h.read_index + offset for h in hits if planted.get(h.read_index + offset) == h.entry_row})


def _exact_dict_baseline(entries: list[str], reads: list[str]) -> dict[str, float]:
    """Exact-only matching with a Python dict of normalised plates -> entry rows, over the same reads."""
    by_plate: dict[str, list[int]] = {}
    for row, plate in enumerate(entries):
        by_plate.setdefault(plate, []).append(row)
    get = by_plate.get
    hits = 0
    t0 = time.perf_counter()
    for plate in reads:
        found = get(plate)
        if found is not None:
            hits += len(found)
    elapsed = time.perf_counter() - t0
    return {"reads_per_s": len(reads) / elapsed if elapsed else float("inf"), "hits": hits}
