"""``rtcc bench dispatch`` at a tiny size: the recommendation's figures with its same-run baseline and an agreement
check, and calls reaching a dispatcher's live stream while the fleet reports positions (every call arrives)."""

from __future__ import annotations

from rtcc.bench import dispatch as bench


def test_recommendation_figures_agree_with_the_baseline() -> None:
    out = bench.recommend_figures(nodes=900)
    assert {"units", "nodes", "recommend_p95_ms", "baseline_p95_ms", "recommend_correct"} <= set(out)
    assert out["units"] == 500 and out["nodes"] == 900 and out["recommend_correct"] is True
    assert 0 < out["eligible_share"] < 1  # busy units and guards drop out; the rest are ranked


def test_calls_reach_the_screen_while_units_report_positions() -> None:
    out = bench.screen_figures(calls=8, database_url=None)
    assert out["call_to_screen_missing"] == 0 and out["call_to_screen_refused"] == 0
    assert out["call_to_screen_p99_ms"] is not None and out["avl_failed"] == 0
    assert out["avl_msgs_per_s"] > 0 and out["database"] == "sqlite"


def test_the_whole_bench_at_a_tiny_size_includes_the_import() -> None:
    out = bench.run(rows=3, nodes=400, history=500)
    assert out["import_correct"] is True and out["import_calls"] == 500 and out["import_calls_per_s"] > 0
    assert out["recommend_correct"] is True and out["call_to_screen_missing"] == 0
