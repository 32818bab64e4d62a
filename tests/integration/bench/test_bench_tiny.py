"""Every benchmark runs at a tiny size in the suite so none can rot: ``rtcc bench <name> --json`` prints one JSON
object with its documented keys. Figures are never asserted (benchmarks assert nothing about time), but the
correctness counts they report are: a notify run has no unexplained duplicate and loses nothing, a search run's
answers all agree with the full scan (and a wrong answer makes the bench fail loudly), a live run's samples all add
up. ``search`` and ``retention`` run in ``tests/integration/investigations/test_search_bench.py``; ``ingest`` and
``match`` in their own domains' tests."""

from __future__ import annotations

import json
import os
import pkgutil
from typing import Any

import pytest
from typer.testing import CliRunner

import rtcc.bench
from rtcc.bench import _search_shared, canvass, live, notify, search
from rtcc.cli import BENCHMARKS, app


def _server() -> str | None:
    return os.environ.get("RTCC_TEST_DATABASE_URL") or None


def _cli(name: str, rows: int) -> dict[str, Any]:
    args = ["bench", name, "--json", "--rows", str(rows)]
    if _server():
        args += ["--database", str(_server())]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_every_bench_module_is_a_cli_benchmark() -> None:
    modules = {m.name for m in pkgutil.iter_modules(rtcc.bench.__path__) if not m.name.startswith("_")}
    assert modules == set(BENCHMARKS)


@pytest.mark.slow
def test_bench_notify_counts_duplicates_honestly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "BATCH", 20)
    monkeypatch.setattr(notify, "SEND_LATENCY_S", 0.1)  # 20 x 100 ms = 2 s per batch, longer than the lease
    monkeypatch.setattr(notify, "LEASE_S", 1.6)
    out = _cli("notify", 300)
    keys = {"subscribers", "enqueue_s", "raw_insert_s", "ratio", "refanout_added", "delivered", "duplicates",
            "duplicates_after_failed_delivery", "duplicates_unexplained", "duplicates_counting",
            "failed_after_delivery", "refused_before_delivery", "lost", "deliver_s", "lease_s", "send_latency_ms",
            "left_undelivered", "dead", "worker_errors", "database"}  # fmt: skip
    assert keys <= set(out)
    assert out["subscribers"] == 300 and out["delivered"] == 300 and out["lost"] == 0
    assert out["refanout_added"] == 0 and out["worker_errors"] == 0 and out["left_undelivered"] == 0
    assert out["duplicates_unexplained"] == 0, "the outbox sent a message twice by itself"
    # every failure after delivery is retried with the same id: each adds exactly one duplicate a receiver can drop
    assert out["duplicates"] == out["duplicates_after_failed_delivery"] == out["failed_after_delivery"] > 0
    assert out["refused_before_delivery"] > 0
    assert out["database"] == ("postgresql" if _server() else "sqlite")


@pytest.mark.slow
def test_bench_canvass_reports_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canvass, "QUERIES", 40)
    out = _cli("canvass", 500)
    keys = {"cameras", "p50_ms", "p95_ms", "build_ms", "brute_p50_ms", "brute_p95_ms", "mean_hits", "queries"}
    assert keys <= set(out) and out["cameras"] == 500 and out["queries"] == 40


@pytest.mark.slow
def test_bench_live_measures_from_send_and_counts_missing_samples() -> None:
    out = live.run(rows=20, database_url=_server(), background_rate=20)
    keys = {"samples", "arrived", "missing", "missing_refused", "missing_rate", "p50_ms", "p99_ms", "max_ms",
            "p99_ms_arrived", "latency_from", "target_p99_ms", "meets_target", "hit_ack_p99_ms",
            "background_reads_per_request", "background_reads_per_s", "background_failed",
            "background_skipped"}  # fmt: skip
    assert keys <= set(out)
    assert out["samples"] == 20 and out["arrived"] + out["missing"] == 20 and out["arrived"] > 0
    assert out["background_reads_per_request"] == 1 and out["background_reads_per_s"] > 0
    assert "send" in out["latency_from"]
    if out["missing"] == 0:
        assert out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]
    else:
        assert out["max_ms"] is None  # a missing sample is a failure, never left out of the figures


def test_live_percentiles_rank_missing_samples_as_failures() -> None:
    inf = float("inf")
    assert live._rank([5.0, 1.0, 3.0], 50) == 3.0
    assert live._rank([1.0] * 99 + [inf], 99) == 1.0  # 1 % missing: p99 still an arrival ...
    assert live._rank([1.0] * 98 + [inf, inf], 99) is None  # ... more than 1 % missing: p99 is a failure
    assert live._rank([1.0] * 99 + [inf], 100) is None
    assert live._rank([], 50) is None


@pytest.mark.slow
def test_bench_search_fails_loudly_when_a_search_answer_differs_from_the_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = search.service._page

    def drops_the_first_read(*args: Any, **kwargs: Any) -> Any:
        items, cursor = original(*args, **kwargs)
        return items[1:], cursor

    monkeypatch.setattr(search.service, "_page", drops_the_first_read)
    with pytest.raises(_search_shared.SearchMismatch, match="differ from the full scan"):
        search.run(rows=2000, database_url=_server())


def test_broad_patterns_include_two_digit_wildcards_digit_partials_and_short_prefixes() -> None:
    picks = ["7ABC123", "8XYZ456", "6DEF789", "5GHJ012", "4KLM345", "3NPR678", "2STU901", "1VWX234", "9YZA567"]
    broad = _search_shared.broad_patterns(picks)
    assert ("7*3", "wildcard") in broad and ("*123*", "wildcard") in broad
    assert ("123", "partial") in broad and ("5G*", "wildcard") in broad and ("2ST*", "wildcard") in broad
