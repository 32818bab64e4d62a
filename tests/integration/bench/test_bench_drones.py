"""``rtcc bench drones`` at a tiny size: one JSON object with its documented keys and a decision that agrees with
both baselines; the baselines themselves agree with the index zone by zone, and a lookup that misses zones would
be noticed (the decisions' signatures differ)."""

from __future__ import annotations

import json
import random

from typer.testing import CliRunner

from rtcc.bench import drones as bench
from rtcc.cli import app
from rtcc.drones import logic
from rtcc.drones.geofence import GeofenceIndex, Zone


def test_bench_drones_prints_its_figures_and_agrees() -> None:
    result = CliRunner().invoke(app, ["bench", "drones", "--json", "--rows", "12"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    keys = {"decision_p95_ms", "decision_pure_p95_ms", "baseline_naive_p95_ms", "baseline_scan_p95_ms", "ratio_naive",
            "decision_correct", "docks", "zones", "calls", "area", "baseline", "load_avg_1m"}  # fmt: skip
    assert keys <= set(out)
    assert out["docks"] == 50 and out["zones"] == 500 and out["calls"] == 12
    assert out["decision_correct"] is True and "synthetic" in out["area"]


def test_baselines_match_the_index_and_a_blind_lookup_is_caught() -> None:
    rng = random.Random(3)
    doc = bench.policy_document(rng, 120)
    zones = [
        Zone(str(i), f["properties"]["kind"], f["properties"]["name"], f["geometry"])
        for i, f in enumerate(doc["features"])
    ]
    index, naive, scan = GeofenceIndex(zones), bench.NaiveLookup.of(zones), bench.ScanLookup(zones)
    hits = 0
    for _ in range(200):
        a = bench._to_lonlat(rng.uniform(0, bench.SIDE_M), rng.uniform(0, bench.SIDE_M))
        b = bench._to_lonlat(rng.uniform(0, bench.SIDE_M), rng.uniform(0, bench.SIDE_M))
        want = index.zones_on_segment(*a, *b)
        hits += len(want)
        assert naive.zones_on_segment(*a, *b) == want == scan.zones_on_segment(*a, *b)
        assert naive.zones_at(*a) == index.zones_at(*a) == scan.zones_at(*a)
    assert hits > 0
    # A call inside a no-fly zone: the index refuses it; a lookup that sees no zones would not.
    no_fly = next(z for z in zones if z.kind == "no_fly")
    ring = no_fly.geometry["coordinates"][0]
    lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    assert no_fly in index.zones_at(lon, lat)
    policy = logic.PolicyFacts(1, frozenset({"SHOTS"}), {}, 10.0, None, False, 40.0, 20.0, 3200.0)
    limits = logic.LimitsFacts(1, 120.0, True, True)
    call = logic.CallFacts("SHOTS", lat, lon, bench.utcnow())
    pilots = (logic.PilotFacts("p", bench.utcnow().date()),)
    seen = logic.decide(call, policy, limits, (), index, pilots)
    blind = logic.decide(call, policy, limits, (), GeofenceIndex([]), pilots)
    assert seen.code is logic.Code.zone_no_fly and bench._signature(seen) != bench._signature(blind)
