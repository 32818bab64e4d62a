"""``rtcc bench ingest`` in every variant at a tiny size (so none can rot): the batch mode with the driver's own
baselines, the live HTTP variant over a real uvicorn server, and the MQTT variant through the real broker. Figures
are not asserted (benchmarks assert nothing about time); keys are, and every acknowledged read must be stored."""

from __future__ import annotations

import os

from rtcc.bench import ingest
from rtcc_testing import require_service

LIVE_KEYS = {"reads_per_request", "clients", "reads_per_s", "ack_p99_ms", "ceiling_reads_per_s", "ceiling_ratio"}


def _server() -> str | None:
    return os.environ.get("RTCC_TEST_DATABASE_URL") or None


def _dialect() -> str:
    return "postgresql" if _server() else "sqlite"


def test_batch_mode_reports_the_driver_baselines() -> None:
    out = ingest.run(rows=1500, database_url=_server())
    assert {"reads_per_s", "raw_insert_per_s", "raw_executemany_per_s", "ratio", "database"} <= set(out)
    assert out["stored"] == 1500 and out["database"] == _dialect()
    if _dialect() == "postgresql":
        assert out["raw_insert_per_s"] == max(out["raw_executemany_per_s"], out["raw_copy_per_s"])
    else:
        assert "raw_copy_per_s" not in out and out["raw_insert_per_s"] == out["raw_executemany_per_s"]


def test_http_variant_stores_every_acknowledged_read() -> None:
    per_request = 2  # several reads a request, so that the check of each response's count means something
    out = ingest.run(rows=400, database_url=_server(), reads_per_request=per_request, clients=8)
    assert set(out) >= LIVE_KEYS
    assert out["reads_per_request"] == per_request and out["clients"] == 8 and out["database"] == _dialect()
    assert out["errors"] == 0, out["error_samples"]
    # the group-commit server, then the one-transaction-per-request one, each with its warm-up
    assert out["acknowledged"] == out["stored"] == 2 * (400 + warmup(400 // per_request) * per_request)
    assert out["per_request_tx_reads_per_s"] > 0
    assert out["reads_per_s"] > 0 and out["ceiling_reads_per_s"] > 0 and out["ceiling_ratio"] > 0


def warmup(n: int) -> int:
    """Requests (messages) the live variants send first to warm the server up: stored and counted too."""
    from rtcc.bench import _ingest_live as ingest_live

    return min(ingest_live.WARMUP, max(20, n // 10))


def test_mqtt_variant_stores_every_acknowledged_read() -> None:
    require_service("MQTT", "127.0.0.1", 1883)
    out = ingest.run(rows=300, database_url=_server(), mqtt=True, clients=8)
    assert set(out) >= LIVE_KEYS and out["reads_per_request"] == 1
    assert out["errors"] == 0
    assert out["acknowledged"] == out["stored"] == 300 + warmup(300)
    assert out["ceiling_reads_per_s"] > 0 and out["ack_p99_ms"] > 0
