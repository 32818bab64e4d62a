"""The tolerance policy and the false-hit estimate of ``rtcc.hotlists.tolerance``, checked against the real matching
kernel on generated traffic (the estimate must predict what the kernel does) and against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.bench import _gen
from rtcc.hotlists import tolerance
from rtcc.matching.kernel import HotlistIndex, ListParams


def _measured(entries: list[str], reads: list[str], k: int) -> float:
    """Share of unlisted reads the kernel matches to some entry at tolerance k."""
    listed = set(entries)
    unlisted = [r for r in reads if r not in listed]
    index = HotlistIndex.build(entries, [None] * len(entries), [1] * len(entries), {1: ListParams(max_diff=k)})
    return len({h.read_index for h in index.match(unlisted, [None] * len(unlisted))}) / len(unlisted)


@pytest.mark.parametrize(("size", "k"), [(50_000, 0), (50_000, 1), (1_000, 1), (1_000, 2)])
def test_the_estimate_predicts_the_kernel_on_generated_traffic(size: int, k: int) -> None:
    rng = np.random.default_rng(7)
    entries = [p for state in ("CA", "NV", "AZ") for p in _gen.plates(rng, size // 3, state)]
    reads = [p for state in ("CA", "NV", "AZ") for p in _gen.plates(rng, 40_000, state)]
    [est] = tolerance.estimate_false_hits(entries, [k])
    measured = _measured(entries, reads, k)
    assert measured > 0
    assert measured / 1.5 <= est.false_hit_rate <= measured * 1.5, (measured, est)


def test_the_estimate_by_hand_for_one_format() -> None:
    # Plates of three letters without confusable ones (18 letters), every combination listed once (so the uniform
    # prior weighs little), scaled to one entry: a read of that format is within one position of the entry when
    # exactly two of its three letters agree.
    abc = "ACEFHJKLMNPRTUVWXY"
    letters = [a + b + c for a in abc for b in abc for c in abc]
    [k0, k1] = tolerance.estimate_false_hits(letters, [0, 1], entries=1)
    expected = 3 * (1 / 18) ** 2 * (17 / 18)
    assert k0.false_matches_per_read < 1e-4  # no confusable letter (but for the uniform prior): OCR class = plate
    assert k1.false_matches_per_read == pytest.approx(expected, rel=0.03)
    assert k1.false_hit_rate == pytest.approx(-math.expm1(-k1.false_matches_per_read))


def test_the_estimate_grows_with_the_list_and_the_tolerance() -> None:
    plates = _gen.plates(np.random.default_rng(3), 5_000, "CA")
    small = tolerance.estimate_false_hits(plates, entries=1_000)
    large = tolerance.estimate_false_hits(plates, entries=1_000_000)
    for s, big in zip(small, large, strict=True):
        assert s.false_hit_rate < big.false_hit_rate
    assert small[0].false_hit_rate < small[1].false_hit_rate < small[2].false_hit_rate
    # The documented limits hold the cost of k=1 and k=2 near 0.1 % of reads for California plates.
    [at_k1] = tolerance.estimate_false_hits(plates, [1], entries=tolerance.FUZZY_MAX_ENTRIES[1])
    [at_k2] = tolerance.estimate_false_hits(plates, [2], entries=tolerance.FUZZY_MAX_ENTRIES[2])
    assert 0.0003 < at_k1.false_hit_rate < 0.002 and 0.0003 < at_k2.false_hit_rate < 0.002
    # And the 1M-entry case of issue 10: k=1 flags about half of traffic; k=0 stays under 0.5 %.
    assert large[1].false_hit_rate > 0.4 and large[0].false_hit_rate < 0.005


def test_empty_and_odd_input() -> None:
    assert [e.false_hit_rate for e in tolerance.estimate_false_hits([])] == [0.0, 0.0, 0.0]
    assert tolerance.estimate_false_hits(["ÄBC1", "", "TOOLONGPLATE1"], [0])[0].false_hit_rate == 0.0


def test_confirmation_rules() -> None:
    assert tolerance.confirmation_needed(0, 10_000_000, ["ncic"]) is None
    assert tolerance.confirmation_needed(1, 1_000) is None
    assert tolerance.confirmation_needed(2, 25, ["csv", None]) is None
    assert "at most 1,000 entries; this one has 1,001" in (tolerance.confirmation_needed(1, 1_001) or "")
    assert "at most 25 entries" in (tolerance.confirmation_needed(2, 26) or "")
    assert "NCIC" in (tolerance.confirmation_needed(1, 3, ["ncic"]) or "")
    assert "CLEW" in (tolerance.confirmation_needed(2, 0, [None, "clew"]) or "")
    assert tolerance.fuzzy_limit(0) is None and tolerance.fuzzy_limit(1) == 1_000
