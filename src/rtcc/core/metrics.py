"""Prometheus metrics of this process (served at /metrics): ingest, matching, alerts, dead letters, latencies."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

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
