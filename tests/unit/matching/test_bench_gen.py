"""The realistic plate generator shared by the benchmarks and the demo: patterns, determinism, misreads."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rtcc.bench import _gen
from rtcc.core.plates import differing_positions, normalise, ocr_class

US_PATTERNS = Path(__file__).resolve().parents[4] / "shared" / "data" / "plate_patterns" / "us.patterns"


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join("[A-Z]" if ch == "@" else "[0-9]" for ch in pattern))


@pytest.mark.parametrize("state", _gen.states())
def test_plates_follow_the_state_patterns(state: str) -> None:
    rng = np.random.default_rng(11)
    plates = _gen.plates(rng, 20_000, state)
    assert len(plates) == 20_000
    assert all(isinstance(p, str) for p in plates)
    assert all(normalise(p) == p for p in plates)
    regexes = [(_regex(pattern), weight) for pattern, weight in _gen.PATTERNS[state]]
    counts: Counter[int] = Counter()
    for plate in plates:
        matching = [i for i, (rx, _) in enumerate(regexes) if rx.fullmatch(plate)]
        assert matching, plate
        counts[matching[0]] += 1
    # Patterns are drawn with their weights (patterns of equal length overlap rarely; 4-sigma tolerance).
    total = sum(w for _, w in regexes)
    for i, (_, weight) in enumerate(regexes):
        expected = 20_000 * weight / total
        assert abs(counts[i] - expected) <= 4 * np.sqrt(expected) + 0.01 * 20_000, (state, i, counts)


def test_plates_use_every_letter_and_digit() -> None:
    plates = _gen.plates(np.random.default_rng(5), 5_000)
    assert set("".join(plates)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def test_plates_are_seeded() -> None:
    a = _gen.plates(np.random.default_rng(42), 1000, "NV")
    b = _gen.plates(np.random.default_rng(42), 1000, "NV")
    c = _gen.plates(np.random.default_rng(43), 1000, "NV")
    assert a == b
    assert a != c


def test_state_is_case_insensitive_and_unknown_state_fails() -> None:
    assert _gen.plates(np.random.default_rng(1), 10, "ca") == _gen.plates(np.random.default_rng(1), 10, "CA")
    with pytest.raises(ValueError, match="TX"):
        _gen.plates(np.random.default_rng(1), 10, "TX")


def test_zero_plates() -> None:
    assert _gen.plates(np.random.default_rng(1), 0) == []


def test_misread_swaps_one_character_within_its_confusion_class() -> None:
    rng = np.random.default_rng(9)
    changed = 0
    for plate in _gen.plates(rng, 3000):
        read = _gen.misread(rng, plate)
        assert ocr_class(read) == ocr_class(plate)
        diff = differing_positions(read, plate)
        assert len(diff) <= 1
        changed += len(diff)
    assert changed > 2000  # most 7-character plates have a confusable character


def test_misread_without_confusable_character_is_unchanged() -> None:
    assert _gen.misread(np.random.default_rng(1), "ACE347") == "ACE347"
    rng = np.random.default_rng(2)
    assert {_gen.misread(rng, "AAO") for _ in range(200)} == {"AA0", "AAD", "AAQ"}


def test_pattern_table_matches_its_source() -> None:
    if not US_PATTERNS.exists():
        pytest.skip(f"shared data not available: {US_PATTERNS}")
    source: dict[str, list[str]] = {}
    for line in US_PATTERNS.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            source.setdefault(parts[0].upper(), []).append(parts[1])
    for state, table in _gen.PATTERNS.items():
        ours = [pattern for pattern, _ in table]
        # Same patterns, in the source's order (its duplicate lines collapsed).
        assert ours == list(dict.fromkeys(source[state])), state
        weights = [w for _, w in table]
        assert weights == sorted(weights, reverse=True), state
