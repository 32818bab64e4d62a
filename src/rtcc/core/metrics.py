"""Prometheus metrics of this process (served at /metrics): ingest, matching, alerts, dead letters, latencies; with
those of its helper processes added (``relayed``, ``exposed``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric

REGISTRY = CollectorRegistry(auto_describe=True)

READS_INGESTED = Counter("rtcc_reads_ingested_total", "Reads durably stored, by source.", ["source"], registry=REGISTRY)
READS_DUPLICATE = Counter(
    "rtcc_reads_duplicate_total",
    "Reads received again and ignored (idempotent).",
    ["source"],
    registry=REGISTRY,
)
READS_REJECTED = Counter("rtcc_reads_rejected_total", "Reads refused, by reason.", ["reason"], registry=REGISTRY)
MATCHES = Counter("rtcc_matches_total", "Hotlist matches, by kind (exact, ocr, fuzzy).", ["kind"], registry=REGISTRY)
ALERTS = Counter("rtcc_alerts_total", "Alerts created, by kind.", ["kind"], registry=REGISTRY)
ALERTS_UPDATED = Counter("rtcc_alerts_updated_total", "Repeat reads folded into an open alert.", registry=REGISTRY)
DEAD_LETTERS = Counter(
    "rtcc_dead_letters_total", "Inputs put into dead letters, by source.", ["source"], registry=REGISTRY
)
INGEST_SECONDS = Histogram(
    "rtcc_ingest_batch_seconds", "Time to validate, store and commit one batch.", registry=REGISTRY
)
MATCH_SECONDS = Histogram("rtcc_match_batch_seconds", "Time to match one batch of reads.", registry=REGISTRY)
READ_TO_ALERT_SECONDS = Histogram(
    "rtcc_read_to_alert_seconds",
    "From a read being received to its alert being committed.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


# --- metrics of helper processes --------------------------------------------------------------------------------------

#: One sample's identity: (sample name, its labels as sorted pairs).
SampleKey = tuple[str, tuple[tuple[str, str], ...]]


class Relayed:
    """Counters and histograms counted in a helper process (the ingest writer process, ``rtcc.alpr.writerproc``),
    added to this process's own in ``/metrics`` (``exposed``). A helper sends ``snapshot()`` now and then; this
    process keeps each helper's latest (``absorb``) and, when a helper ends, adds its last one to what ended helpers
    counted (``retire``), so that totals never go back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[str, dict[SampleKey, float]] = {}
        self._retired: dict[SampleKey, float] = {}

    @staticmethod
    def snapshot() -> dict[SampleKey, float]:
        """This process's counter and histogram samples (no ``_created`` timestamps)."""
        out: dict[SampleKey, float] = {}
        for family in REGISTRY.collect():
            if family.type not in ("counter", "histogram"):
                continue
            for sample in family.samples:
                if not sample.name.endswith("_created"):
                    out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return out

    def absorb(self, origin: str, snapshot: dict[SampleKey, float]) -> None:
        with self._lock:
            self._live[origin] = snapshot

    def retire(self, origin: str) -> None:
        with self._lock:
            for key, value in self._live.pop(origin, {}).items():
                self._retired[key] = self._retired.get(key, 0.0) + value

    def totals(self) -> dict[SampleKey, float]:
        """What every helper has counted, live and ended."""
        with self._lock:
            out = dict(self._retired)
            for snapshot in self._live.values():
                for key, value in snapshot.items():
                    out[key] = out.get(key, 0.0) + value
        return out


relayed = Relayed()


class _Exposed:
    """``REGISTRY``'s families with the helpers' counts added (the ``collect`` that ``generate_latest`` calls)."""

    def collect(self) -> Iterator[Metric]:
        extra = relayed.totals()
        for family in REGISTRY.collect():
            if not extra or family.type not in ("counter", "histogram"):
                yield family
                continue
            merged = Metric(family.name, family.documentation, family.type, family.unit)
            seen: set[SampleKey] = set()
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                seen.add(key)
                merged.samples.append(sample._replace(value=sample.value + extra.get(key, 0.0)))
            names = {family.name + suffix for suffix in ("", "_total", "_bucket", "_count", "_sum")}
            for (name, labels), value in extra.items():
                if name in names and (name, labels) not in seen:
                    merged.add_sample(name, dict(labels), value)
            yield merged


def exposed() -> _Exposed:
    """What ``/metrics`` shows: this process's metrics plus those of its helper processes."""
    return _Exposed()
