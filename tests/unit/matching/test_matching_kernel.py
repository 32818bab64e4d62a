"""The hotlist matching kernel against hand-made cases and a brute-force reference on seeded random data."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from rtcc.core.plates import CONFUSION_CLASSES, differing_positions, ocr_class
from rtcc.matching import kernel
from rtcc.matching.kernel import HotlistIndex, KernelHit, ListParams


def _index(
    plates: Sequence[str],
    regions: Sequence[str | None] | None = None,
    lists: Sequence[int] | None = None,
    params: Mapping[int, ListParams] | None = None,
) -> HotlistIndex:
    return HotlistIndex.build(
        plates,
        regions if regions is not None else [None] * len(plates),
        lists if lists is not None else [1] * len(plates),
        params if params is not None else {1: ListParams(max_diff=1)},
    )


def _match(index: HotlistIndex, reads: Sequence[str], regions: Sequence[str | None] | None = None) -> list[KernelHit]:
    return index.match(reads, regions if regions is not None else [None] * len(reads))


def _region_key(region: str | None) -> str | None:
    if region is None or not region.strip():
        return None
    return region.strip().upper()


def _reference(
    entries: Sequence[str],
    entry_regions: Sequence[str | None],
    lists: Sequence[int],
    params: Mapping[int, ListParams],
    reads: Sequence[str],
    read_regions: Sequence[str | None],
) -> list[KernelHit]:
    """Brute force straight from the rules, one pair at a time."""
    by_len: dict[int, list[int]] = {}
    for row, plate in enumerate(entries):
        by_len.setdefault(len(plate), []).append(row)
    entry_ocr = [ocr_class(p) for p in entries]
    hits: list[KernelHit] = []
    for ri, (read, rreg) in enumerate(zip(reads, read_regions, strict=True)):
        read_ocr = ocr_class(read)
        for row in by_len.get(len(read), []):
            prm = params.get(lists[row], ListParams())
            distance = sum(a != b for a, b in zip(read_ocr, entry_ocr[row], strict=True))
            if distance > prm.max_diff:
                continue
            if prm.require_state:
                rk, ek = _region_key(rreg), _region_key(entry_regions[row])
                if rk is None or (ek is not None and ek != rk):
                    continue
            plate = entries[row]
            kind = "exact" if read == plate else "ocr" if distance == 0 else "fuzzy"
            hits.append(KernelHit(ri, row, kind, tuple(differing_positions(read, plate))))
    return hits


# --- hand-made cases --------------------------------------------------------------------------------------------


def test_exact_match() -> None:
    index = _index(["7ABC123", "8XYZ999"])
    hits = _match(index, ["8XYZ999"])
    assert hits == [KernelHit(0, 1, "exact", ())]
    assert hash(hits[0]) == hash(KernelHit(0, 1, "exact", ()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        hits[0].kind = "ocr"  # type: ignore[misc]


@pytest.mark.parametrize("group", CONFUSION_CLASSES)
def test_every_confusion_class_matches_as_ocr(group: str) -> None:
    for entry_char in group:
        for read_char in group:
            if read_char == entry_char:
                continue
            entry, read = f"7A{entry_char}C12", f"7A{read_char}C12"
            hits = _match(_index([entry], params={1: ListParams(max_diff=0)}), [read])
            assert hits == [KernelHit(0, 0, "ocr", (2,))], (entry, read)


def test_confusion_in_several_positions_is_still_ocr() -> None:
    hits = _match(_index(["0I2S8G"], params={1: ListParams(max_diff=0)}), ["O1Z5B6"])
    assert hits == [KernelHit(0, 0, "ocr", (0, 1, 2, 3, 4, 5))]


def test_non_confusable_characters_do_not_match_at_k0() -> None:
    index = _index(["7ABC123"], params={1: ListParams(max_diff=0)})
    assert _match(index, ["7ABC124", "7XBC123", "7ABC12"]) == []


def test_by_default_a_list_matches_exactly_and_by_ocr_class_only() -> None:
    # k = 0 is the default: a confusable misread still matches, an arbitrary substitution does not.
    assert ListParams().max_diff == 0
    index = HotlistIndex.build(["7ABC123"], [None], [1], {})
    assert _match(index, ["7ABC123", "7A8C123", "7ABX123"]) == [
        KernelHit(0, 0, "exact", ()),
        KernelHit(1, 0, "ocr", (2,)),
    ]


def test_one_substitution_is_fuzzy_with_its_position() -> None:
    index = _index(["7ABC123"])
    assert _match(index, ["7ABX123"]) == [KernelHit(0, 0, "fuzzy", (3,))]


def test_fuzzy_diff_positions_include_confused_characters() -> None:
    # Position 1 is an O/0 confusion (same OCR class), position 5 a real substitution.
    index = _index(["7OBC123"])
    assert _match(index, ["70BC193"]) == [KernelHit(0, 0, "fuzzy", (1, 5))]


def test_k0_k1_k2_lists() -> None:
    params = {0: ListParams(max_diff=0), 1: ListParams(max_diff=1), 2: ListParams(max_diff=2)}
    index = _index(["7ABC123"] * 3, lists=[0, 1, 2], params=params)
    reads = ["7ABC123", "7ABC12X", "7AXC12X", "XAXC12X"]
    hits = _match(index, reads)
    assert hits == [
        KernelHit(0, 0, "exact", ()),
        KernelHit(0, 1, "exact", ()),
        KernelHit(0, 2, "exact", ()),
        KernelHit(1, 1, "fuzzy", (6,)),
        KernelHit(1, 2, "fuzzy", (6,)),
        KernelHit(2, 2, "fuzzy", (2, 6)),
    ]


def test_k2_on_short_plates() -> None:
    # Length 1 and 2 plates: at most min(k, L) positions can differ; every same-length plate is within k=2.
    index = _index(["A", "AB"], params={1: ListParams(max_diff=2)})
    assert _match(index, ["X", "XY", "XYZ"]) == [KernelHit(0, 0, "fuzzy", (0,)), KernelHit(1, 1, "fuzzy", (0, 1))]


def test_require_state() -> None:
    params = {1: ListParams(require_state=True), 2: ListParams(require_state=False)}
    index = _index(["7ABC123", "7ABC123", "9XYZ999"], regions=["CA", "CA", None], lists=[1, 2, 1], params=params)
    # Same region (case-insensitive, blanks trimmed): both lists.
    assert {h.entry_row for h in _match(index, ["7ABC123"], [" ca "])} == {0, 1}
    # Different region: only the list that does not require the state.
    assert {h.entry_row for h in _match(index, ["7ABC123"], ["NV"])} == {1}
    # Read without region: rejected by require_state lists.
    assert {h.entry_row for h in _match(index, ["7ABC123"], [None])} == {1}
    assert {h.entry_row for h in _match(index, ["7ABC123"], [""])} == {1}
    # Entry without region on a require_state list: any read region, but not a read without one.
    assert [h.entry_row for h in _match(index, ["9XYZ999"], ["AZ"])] == [2]
    assert _match(index, ["9XYZ999"], [None]) == []


def test_state_ignored_when_not_required() -> None:
    index = _index(["7ABC123"], regions=["CA"])
    assert len(_match(index, ["7ABC123"], ["TX"])) == 1


def test_different_lengths_never_match() -> None:
    index = _index(["7ABC123", "ABC12"], params={1: ListParams(max_diff=2)})
    assert _match(index, ["7ABC1234", "7ABC12", "ABC123", "ABC1"]) == []


def test_duplicate_plate_on_several_lists_hits_each_entry_once() -> None:
    params = {1: ListParams(max_diff=2), 2: ListParams(max_diff=1), 3: ListParams(max_diff=0)}
    index = _index(["7ABC123", "7ABC123", "7ABC123", "7ABC123"], lists=[1, 2, 3, 2], params=params)
    hits = _match(index, ["7ABC123", "7A8C123"])
    # Each pair exactly once even though a k=1/k=2 entry is found through every one of its masked codes.
    assert hits == [KernelHit(0, row, "exact", ()) for row in range(4)] + [
        KernelHit(1, row, "ocr", (2,)) for row in range(4)
    ]


def test_hits_are_ordered_by_read_then_entry() -> None:
    index = _index(["BBB", "AAA", "AAB"])
    hits = _match(index, ["AAB", "BBB", "AAA"])
    keys = [(h.read_index, h.entry_row) for h in hits]
    assert keys == sorted(keys)
    assert keys == [(0, 1), (0, 2), (1, 0), (2, 1), (2, 2)]


def test_empty_index_and_empty_batch() -> None:
    empty = _index([])
    assert len(empty) == 0
    assert _match(empty, ["7ABC123"]) == []
    assert empty.nbytes >= 0
    index = _index(["7ABC123"])
    assert _match(index, []) == []


def test_invalid_reads_and_entries_do_not_match_or_crash() -> None:
    index = _index(["7ABC123", "", "TOOLONGPLATE1", "7abc123", "7ÄBC123"])
    assert index.skipped == 4
    assert len(index) == 5
    reads = ["", "7abc123", "7ÄBC123", "TOOLONGPLATE1", "7AB-123", "7ABC123"]
    assert _match(index, reads) == [KernelHit(5, 0, "exact", ())]


def test_read_with_a_newline_does_not_shift_its_neighbours() -> None:
    # The encoder splits a batch on newlines; a plate containing one must not move the other plates.
    index = _index(["7ABC123", "8XYZ999"])
    reads = ["7ABC123", "8XYZ\n999", "8XYZ999", "\n", "7ABC123"]
    assert [(h.read_index, h.entry_row, h.kind) for h in _match(index, reads)] == [
        (0, 0, "exact"),
        (2, 1, "exact"),
        (4, 0, "exact"),
    ]
    single = _index(["AB\nC"])
    assert single.skipped == 1
    assert _match(single, ["AB\nC"]) == []


def test_max_length_plates() -> None:
    index = _index(["ABCDEFGH12", "0123456789"], params={1: ListParams(max_diff=2)})
    hits = _match(index, ["ABCDEFGHIZ", "O123456X8Y"])
    assert hits == [KernelHit(0, 0, "ocr", (8, 9)), KernelHit(1, 1, "fuzzy", (0, 7, 9))]


def test_list_params_validation_and_default() -> None:
    with pytest.raises(ValueError):
        ListParams(max_diff=3)
    with pytest.raises(ValueError):
        ListParams(max_diff=-1)
    # A list missing from params gets ListParams(): k=0, state not required.
    index = HotlistIndex.build(["7ABC123"], ["CA"], [42], {})
    assert _match(index, ["7ABC12X"], ["NV"]) == []
    assert _match(index, ["7ABC1Z3"], ["NV"]) == [KernelHit(0, 0, "ocr", (5,))]


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        HotlistIndex.build(["A"], [], [1], {})
    with pytest.raises(ValueError):
        _index(["A"]).match(["A"], [])


def test_nbytes_counts_the_arrays() -> None:
    small = _index(["7ABC123"] * 10)
    large = _index([f"7ABC{i:03d}" for i in range(5000)])
    assert 0 < small.nbytes < large.nbytes


# --- randomized comparison with the brute-force reference ------------------------------------------------------


def _random_plates(rng: np.random.Generator, n: int, alphabet: str, lengths: Sequence[int]) -> list[str]:
    chars = np.array(list(alphabet))
    return ["".join(rng.choice(chars, size=int(rng.choice(lengths)))) for _ in range(n)]


def _mutate(rng: np.random.Generator, plate: str, alphabet: str) -> str:
    """Up to three random edits, each either a confusion-class swap or a free substitution."""
    chars = list(plate)
    for _ in range(int(rng.integers(0, 4))):
        pos = int(rng.integers(0, len(chars)))
        group = next((g for g in CONFUSION_CLASSES if chars[pos] in g), None)
        if group is not None and rng.random() < 0.5:
            chars[pos] = group[int(rng.integers(0, len(group)))]
        else:
            chars[pos] = alphabet[int(rng.integers(0, len(alphabet)))]
    return "".join(chars)


@pytest.mark.parametrize(
    ("seed", "alphabet", "lengths"),
    [
        (1, "0ODQ1I2Z5S8B6GAX", (3, 4, 5, 6)),  # tiny space: many exact/ocr/fuzzy collisions
        (2, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", (5, 6, 7, 8, 9, 10)),  # realistic lengths via mutations
    ],
)
def test_kernel_equals_brute_force_reference(seed: int, alphabet: str, lengths: Sequence[int]) -> None:
    rng = np.random.default_rng(seed)
    n_entries, n_reads = 2500, 2500
    entries = _random_plates(rng, n_entries, alphabet, lengths)
    # Duplicate some plates onto other lists.
    for i in rng.integers(0, n_entries, size=200):
        entries[int(rng.integers(0, n_entries))] = entries[int(i)]
    states = ["CA", "ca", "NV", None]
    entry_regions = [states[int(i)] for i in rng.integers(0, len(states), size=n_entries)]
    params = {
        10: ListParams(max_diff=0),
        11: ListParams(max_diff=1),
        12: ListParams(max_diff=2),
        20: ListParams(max_diff=0, require_state=True),
        21: ListParams(max_diff=1, require_state=True),
        22: ListParams(max_diff=2, require_state=True),
    }
    list_ids = [int(x) for x in rng.choice([*params, 99], size=n_entries)]  # 99: not in params -> default
    reads = [_mutate(rng, entries[int(i)], alphabet) for i in rng.integers(0, n_entries, size=n_reads // 2)]
    reads += _random_plates(rng, n_reads - len(reads), alphabet, lengths)
    reads[::97] = ["", "7abc1", "X" * 11] * (len(reads[::97]) // 3) + [""] * (len(reads[::97]) % 3)
    read_states = ["CA", "Ca ", "NV", "TX", None, ""]
    read_regions = [read_states[int(i)] for i in rng.integers(0, len(read_states), size=n_reads)]

    index = HotlistIndex.build(entries, entry_regions, list_ids, params)
    got: list[KernelHit] = []
    for lo in range(0, n_reads, 700):  # several batches: read indices are per batch
        batch = index.match(reads[lo : lo + 700], read_regions[lo : lo + 700])
        got += [KernelHit(h.read_index + lo, h.entry_row, h.kind, h.diff_positions) for h in batch]
    want = _reference(entries, entry_regions, list_ids, params, reads, read_regions)

    assert got == want
    kinds = {h.kind for h in want}
    assert kinds == {"exact", "ocr", "fuzzy"}, "the random data must exercise every kind"
    assert len(want) > 500


def test_argsort_fallback_builds_the_same_index(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    entries = _random_plates(rng, 3000, "0ODQ1I2Z5S8B6GAX", (4, 5, 6))
    reads = [_mutate(rng, p, "0ODQ1I2Z5S8B6GAX") for p in entries[:1500]]
    regions: list[str | None] = [None] * len(reads)
    lists = [int(x) for x in rng.integers(0, 3, size=len(entries))]
    params = {k: ListParams(max_diff=k) for k in range(3)}
    packed = HotlistIndex.build(entries, [None] * len(entries), lists, params).match(reads, regions)
    monkeypatch.setattr(kernel, "_PACKED_SORT_MAX_LOG2", 0)
    fallback = HotlistIndex.build(entries, [None] * len(entries), lists, params).match(reads, regions)
    assert packed == fallback
    assert len(packed) > 100


def test_benchmark_stream_finds_every_planted_read_and_counts_false_hits() -> None:
    # The benchmark's realistic stream (generated plates, misreads, regions, require_state lists), small: every read
    # planted from a hotlist entry must find that entry, in the default configuration and at 1, 50 and 10,000 reads
    # a batch; the false-hit rate on unlisted traffic is measured. Nothing about time is asserted.
    from rtcc.bench.match import run

    result = run(rows=20_000)
    assert result["max_diff"] == 0, "the bench measures the default configuration"
    assert result["hotlist_size"] == 20_000
    assert result["planted"] == 100
    assert result["hits"] == sum(result["hits_by_kind"].values())
    assert result["hits_by_kind"]["fuzzy"] == 0
    assert result["hits_by_kind"]["exact"] >= result["baseline_exact_dict_hits"] * 0.5
    assert result["hotlist_mb"] > 0
    assert result["unlisted_reads"] > 19_000
    assert result["false_hits"] == round(result["false_hit_rate"] * result["unlisted_reads"])
    for suffix in ("", "_batch_1", "_batch_50"):
        assert result[f"planted_recall{suffix}"] == 1.0
        # 20,000 entries: about 1e-4 of unlisted reads share an OCR class with one (a few reads, not none, not many).
        assert 0 < result[f"false_hit_rate{suffix}"] <= 0.001
        assert result[f"reads_per_s{suffix}"] > 0
    for b in (1, 50):
        assert 0 < result[f"batch_{b}_ms_p50"] <= result[f"batch_{b}_ms_p99"]
    # The estimate agrees with the measurement within a factor of 3, and the old default (k = 1) costs far more.
    assert result["false_hit_rate"] / 3 <= result["estimated_false_hit_rate"] <= result["false_hit_rate"] * 3
    assert result["k1_false_hit_rate"] > 10 * result["false_hit_rate"]
    assert result["k1_planted_recall"] == 1.0
    assert result["baseline_exact_dict_reads_per_s"] > 0
