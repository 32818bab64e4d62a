"""The OCR-tolerant hotlist matching kernel: an immutable in-memory index of hotlist entries and a batch matcher.

Pure numpy (imports only ``rtcc.core.plates``). Each plate is encoded as a uint64: its OCR-class form (confusion
classes collapsed, see ``rtcc.core.plates.ocr_class``) at 5 bits a character plus its length in bits 50..53. An entry
whose list tolerates ``k`` differing positions is stored under every "masked" code obtained by replacing ``min(k, L)``
of its ``L`` positions with a wildcard symbol (k=0: the code itself; k=1: L codes; k=2: L*(L-1)/2 codes). Two plates
of equal length whose OCR-class forms differ in at most ``k`` positions share at least one such masked code, and
only those do, so a lookup is exact: no false candidates, only duplicates (removed). Each tier (k=0, 1, 2) is a
bucketed hash table of its masked codes with a parallel array of entry rows, behind a bit filter that rejects most
absent codes with one memory access. A batch of reads is encoded, masked, filtered and looked up with numpy array
operations, never a Python loop per read; the candidate (read, entry) pairs are then checked for state/region
agreement and classified as ``exact`` (normalised forms equal), ``ocr`` (OCR-class forms equal, normalised forms
not) or ``fuzzy`` (1..k OCR-class positions differ), with the positions where the normalised forms differ. The
index is read-only after ``build`` and safe to share between threads.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import combinations, repeat
from typing import Any, Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from rtcc.core.plates import MAX_PLATE_LEN, ocr_class

logger = logging.getLogger(__name__)

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
Bool = NDArray[np.bool_]

_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INVALID: Final = 255
_OCR_BITS: Final = 5
_NORM_BITS: Final = 6
_WILD: Final = (1 << _OCR_BITS) - 1  # wildcard symbol: all bits set, so masking a position is a bitwise OR
_LEN_SHIFT: Final = _OCR_BITS * MAX_PLATE_LEN
_MAX_K: Final = 2
_HASH_MULT: Final = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier (odd, 2**64 / golden ratio)
_MIN_LOG2: Final = 10  # smallest table: 2**10 keys
_BUCKET_LOG2_OFFSET: Final = -1  # about two keys a bucket: buckets are scanned only after the filter passed
_FILTER_LOG2_OFFSET: Final = 4  # 16 filter bits a key: about 6% of absent codes get past the filter
_KINDS: Final = ("exact", "ocr", "fuzzy")
_PACKED_SORT_MAX_LOG2 = 32  # filter bits that fit beside a 32-bit position in one uint64 sort key
_UNSEEN: Final = -2  # region id placeholder: raw region not memoised yet
_REGION_MEMO_MAX: Final = 4096  # distinct raw region strings remembered (states, provinces, their spellings)
_BUILD_CHUNK: Final = 1 << 18  # entries encoded at a time while building (bounds temporary memory)

if _LEN_SHIFT + 4 > 64 or _NORM_BITS * MAX_PLATE_LEN > 64:
    raise RuntimeError("MAX_PLATE_LEN is too large for the 64-bit plate codes of the matching kernel")


def _luts() -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Byte -> symbol tables: normalised symbols 1..36 and OCR-class symbols 1..n_classes; 255 for anything else."""
    norm = np.full(256, _INVALID, dtype=np.uint8)
    ocr = np.full(256, _INVALID, dtype=np.uint8)
    reps = sorted({ocr_class(ch) for ch in _ALPHABET})
    rep_code = {rep: i + 1 for i, rep in enumerate(reps)}
    if len(reps) >= _WILD:
        raise RuntimeError("too many OCR classes for the code width")
    for i, ch in enumerate(_ALPHABET):
        norm[ord(ch)] = i + 1
        ocr[ord(ch)] = rep_code[ocr_class(ch)]
    return norm, ocr


_NORM_LUT, _OCR_LUT = _luts()
_POS: Final = np.arange(MAX_PLATE_LEN, dtype=np.int64)
_OCR_WEIGHTS: Final = (2.0**_OCR_BITS) ** _POS.astype(np.float64)
_NEWLINE: Final = ord("\n")
_PAD: Final = b"\n" * (MAX_PLATE_LEN + 1)
_NORM_SHIFTS: Final = (_POS * _NORM_BITS).astype(np.uint64)
#: 10-bit difference mask -> tuple of positions.
_POS_TUPLES: Final = tuple(
    tuple(i for i in range(MAX_PLATE_LEN) if mask >> i & 1) for mask in range(1 << MAX_PLATE_LEN)
)


def _object_array(items: Sequence[object]) -> NDArray[np.object_]:
    """A 1-d object array of the given items (tuples stay whole)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


_KIND_OBJ: Final = _object_array(_KINDS)
_POS_TUPLE_OBJ: Final = _object_array(_POS_TUPLES)


@dataclass(frozen=True)
class ListParams:
    """Matching parameters of one hotlist: how many positions may differ beyond OCR-class equality (0..2; 0, exact and
    OCR-class matching, by default, see ``rtcc.hotlists.tolerance``) and whether the state must agree."""

    max_diff: int = 0
    require_state: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.max_diff <= _MAX_K:
            raise ValueError(f"max_diff must be between 0 and {_MAX_K}, got {self.max_diff}")


@dataclass(frozen=True, slots=True)
class KernelHit:
    """One (read, entry) match: ``kind`` is exact | ocr | fuzzy; positions where the normalised plates differ."""

    read_index: int
    entry_row: int
    kind: str
    diff_positions: tuple[int, ...]


@dataclass(frozen=True)
class _MaskSet:
    """Wildcard patterns of one tier: ``wild[m]`` is ORed into a code; ``valid[L, m]``: applies to length L."""

    wild: U64
    valid: Bool


def _mask_set(k: int) -> _MaskSet:
    """Wildcard patterns for tier k: every choice of min(k, L) positions of a plate of length L."""
    combos: list[tuple[int, ...]] = []
    for size in range(k, -1, -1):
        combos.extend(combinations(range(MAX_PLATE_LEN), size))
    wild = np.array([sum(_WILD << (_OCR_BITS * p) for p in c) for c in combos], dtype=np.uint64)
    valid = np.zeros((MAX_PLATE_LEN + 1, len(combos)), dtype=np.bool_)
    for length in range(1, MAX_PLATE_LEN + 1):
        size = min(k, length)
        for m, c in enumerate(combos):
            valid[length, m] = len(c) == size and all(p < length for p in c)
    return _MaskSet(wild=wild, valid=valid)


_MASKS: Final = tuple(_mask_set(k) for k in range(_MAX_K + 1))


@dataclass(frozen=True)
class _Encoded:
    """A batch of plates encoded: length, validity and OCR code of each; the bytes kept for lazy normalised codes."""

    lens: I64
    valid: Bool
    ocr: U64
    data: NDArray[np.uint8]
    starts: I64


def _encode(plates: Sequence[str]) -> _Encoded:
    """Encode normalised plates; a plate that is empty, too long or not A-Z0-9 only is marked invalid."""
    n = len(plates)
    joined = "\n".join(plates).encode("ascii", "replace")  # one byte a character: "?" for non-ASCII
    data = np.frombuffer(joined + _PAD, dtype=np.uint8)
    seps = np.flatnonzero(data[: len(joined)] == _NEWLINE)
    if n and len(seps) == n - 1:  # plates located by their separators, at C speed
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = seps + 1
        lens = np.empty(n, dtype=np.int64)
        lens[:-1] = seps
        lens[-1] = len(joined)
        lens -= starts
    else:  # a plate contains a newline (so it is invalid): locate the plates by their lengths instead
        lens = np.fromiter(map(len, plates), dtype=np.int64, count=n)
        starts = np.cumsum(lens + 1) - (lens + 1)
    ok_len = (lens >= 1) & (lens <= MAX_PLATE_LEN)
    inpos = _POS[None, :] < np.where(ok_len, lens, 0)[:, None]
    sym = sliding_window_view(np.take(_OCR_LUT, data), MAX_PLATE_LEN)[starts] * inpos
    valid = ok_len & ~(sym == _INVALID).any(axis=1)
    # Exact in float64: the OCR code without its length has 50 bits; a BLAS product beats ten shifts.
    ocr = (sym @ _OCR_WEIGHTS).astype(np.uint64)
    ocr |= np.where(valid, lens, 0).astype(np.uint64) << np.uint64(_LEN_SHIFT)
    return _Encoded(lens=np.where(valid, lens, 0), valid=valid, ocr=ocr, data=data, starts=starts)


def _norm_codes(enc: _Encoded, rows: I64) -> U64:
    """Normalised-form codes (6 bits a character) of the given (valid) plates of an encoded batch."""
    inpos = _POS[None, :] < enc.lens[rows][:, None]
    sym = np.take(_NORM_LUT, sliding_window_view(enc.data, MAX_PLATE_LEN)[enc.starts[rows]]) * inpos
    out: U64 = (sym.astype(np.uint64) << _NORM_SHIFTS).sum(axis=1, dtype=np.uint64)
    return out


def _masked(ocr: U64, lens: I64, k: int) -> tuple[I64, U64]:
    """All masked codes of tier k for valid plates (``lens`` 0 marks invalid): (plate position, code) pairs."""
    ms = _MASKS[k]
    which, m = np.nonzero(ms.valid[lens])
    return which.astype(np.int64), ocr[which] | ms.wild[m]


@dataclass(frozen=True)
class _Tier:
    """The entries of one tolerance tier k, stored under every masked code, as a bucketed hash table.

    Masked codes are hashed with a bijective multiplicative hash and kept sorted (``hashed``, with the entry row of
    each in ``rows``); ``starts[b]`` is where bucket ``b`` (the top ``bucket_log2`` bits) begins. A bit filter over the
    top ``filter_log2`` bits rejects most absent codes with one memory access before a bucket is scanned.
    """

    k: int
    hashed: U64
    rows: I32
    starts: I32
    bucket_log2: int
    filter_words: U64
    filter_log2: int

    @classmethod
    def build(cls, k: int, ocr: U64, lens: I64, entry_rows: I64) -> _Tier:
        """Index entries (their OCR codes and lengths) under every masked code of tier k."""
        hash_parts: list[U64] = []
        row_parts: list[I32] = []
        chunk = max(1, 4_000_000 // len(_MASKS[k].wild))  # bounds the temporary (chunk x masks) arrays
        for lo in range(0, len(ocr), chunk):
            which, codes = _masked(ocr[lo : lo + chunk], lens[lo : lo + chunk], k)
            hash_parts.append(codes * _HASH_MULT)
            row_parts.append(entry_rows[lo : lo + chunk][which].astype(np.int32))
        hashed = np.concatenate(hash_parts)
        flat_rows = np.concatenate(row_parts)
        del hash_parts, row_parts
        n = len(hashed)
        log2n = max(_MIN_LOG2, int(np.ceil(np.log2(max(1, n)))))
        bucket_log2 = log2n + _BUCKET_LOG2_OFFSET
        filter_log2 = log2n + _FILTER_LOG2_OFFSET
        # Order by filter bit (which refines the bucket). Sorting (bit, position) packed in one uint64 is several
        # times faster than an argsort; tables too large to pack (over 2**28 codes) fall back to the argsort.
        bit = hashed >> np.uint64(64 - filter_log2)
        if filter_log2 <= _PACKED_SORT_MAX_LOG2 and n < 1 << 32:
            packed = bit << np.uint64(32)
            del bit
            packed |= np.arange(n, dtype=np.uint64)
            packed.sort()
            order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
            bit = packed >> np.uint64(32)
            del packed
        else:
            order = np.argsort(bit, kind="stable")
            bit = bit[order]
        hashed = hashed[order]
        rows = flat_rows[order]
        del order, flat_rows
        bucket = (bit >> np.uint64(filter_log2 - bucket_log2)).astype(np.int64)
        starts = np.zeros((1 << bucket_log2) + 1, dtype=np.int32)
        np.cumsum(np.bincount(bucket, minlength=1 << bucket_log2), out=starts[1:])
        del bucket
        word = (bit >> np.uint64(6)).astype(np.int64)
        words = np.zeros(1 << (filter_log2 - 6), dtype=np.uint64)
        if n:
            # ``word`` is sorted: OR together the bits of each run of equal words.
            first = np.flatnonzero(np.concatenate(([True], word[1:] != word[:-1])))
            words[word[first]] = np.bitwise_or.reduceat(np.uint64(1) << (bit & np.uint64(63)), first)
        return cls(k, hashed, rows, starts, bucket_log2, words, filter_log2)

    @property
    def nbytes(self) -> int:
        """Bytes held by the tier's arrays."""
        return int(self.hashed.nbytes + self.rows.nbytes + self.starts.nbytes + self.filter_words.nbytes)

    def lookup(self, ocr: U64, lens: I64) -> tuple[I64, I64]:
        """Candidate (read position, entry row) pairs for encoded reads (``lens`` 0 = invalid); may repeat pairs."""
        which, codes = _masked(ocr, lens, self.k)
        h = codes * _HASH_MULT
        bit = h >> np.uint64(64 - self.filter_log2)
        word = self.filter_words[(bit >> np.uint64(6)).astype(np.int64)]
        keep = ((word >> (bit & np.uint64(63))) & np.uint64(1)).astype(np.bool_)
        which, h = which[keep], h[keep]
        bucket = (h >> np.uint64(64 - self.bucket_log2)).astype(np.int64)
        lo = self.starts[bucket].astype(np.int64)
        counts = self.starts[bucket + 1] - lo
        total = int(counts.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        # Expand each bucket range [lo, lo + count) into its positions without a Python loop.
        offsets = np.cumsum(counts) - counts
        pos = np.arange(total, dtype=np.int64) + np.repeat(lo - offsets, counts)
        equal = self.hashed[pos] == np.repeat(h, counts)
        return np.repeat(which, counts)[equal], self.rows[pos[equal]].astype(np.int64)


def _region_key(region: str | None) -> str | None:
    """Case-insensitive region key; blank counts as absent."""
    if region is None:
        return None
    key = region.strip().upper()
    return key or None


class HotlistIndex:
    """Immutable index of hotlist entries answering "which entries does each read of a batch match, and how"."""

    def __init__(
        self,
        *,
        size: int,
        entry_ocr: U64,
        entry_norm: U64,
        entry_region: I32,
        entry_require_state: Bool,
        tiers: tuple[_Tier, ...],
        region_ids: dict[str, int],
        region_memo: Mapping[str | None, int],
        skipped: int,
    ) -> None:
        self._size = size
        self._entry_ocr = entry_ocr
        self._entry_norm = entry_norm
        self._entry_region = entry_region
        self._entry_require_state = entry_require_state
        self._tiers = tiers
        self._region_ids = region_ids
        self._region_memo: dict[str | None, int] = dict(region_memo)
        self._skipped = skipped

    @classmethod
    def build(
        cls,
        plates_norm: Sequence[str],
        regions: Sequence[str | None],
        list_ids: Sequence[int],
        params: Mapping[int, ListParams],
    ) -> HotlistIndex:
        """Index entries; entry_row = position in the sequences; lists missing from ``params`` get ListParams()."""
        n = len(plates_norm)
        if len(regions) != n or len(list_ids) != n:
            raise ValueError("plates_norm, regions and list_ids must have the same length")
        if n >= 1 << 31:
            raise ValueError("a hotlist index holds fewer than 2**31 entries (entry rows are int32)")
        lists = np.fromiter(list_ids, dtype=np.int64, count=n)
        uniq, inverse = np.unique(lists, return_inverse=True)
        list_params = [params.get(int(lid), ListParams()) for lid in uniq]
        entry_k = np.array([p.max_diff for p in list_params], dtype=np.int64)[inverse]
        entry_req = np.array([p.require_state for p in list_params], dtype=np.bool_)[inverse]

        # Regions repeat a lot: normalise each distinct value once, then map all of them at C speed.
        region_ids: dict[str, int] = {}
        raw_to_id: dict[str | None, int] = {}
        for raw in dict.fromkeys(regions):
            key = _region_key(raw)
            raw_to_id[raw] = 0 if key is None else region_ids.setdefault(key, len(region_ids) + 1)
        entry_region = np.fromiter(map(raw_to_id.__getitem__, regions), dtype=np.int32, count=n)

        ocr_parts: list[U64] = []
        len_parts: list[I64] = []
        norm_parts: list[U64] = []
        for lo in range(0, n, _BUILD_CHUNK):
            enc = _encode(plates_norm[lo : lo + _BUILD_CHUNK])
            ocr_parts.append(enc.ocr)
            len_parts.append(enc.lens)
            norm_parts.append(_norm_codes(enc, np.arange(len(enc.lens), dtype=np.int64)))
        entry_ocr = np.concatenate(ocr_parts) if n else np.zeros(0, dtype=np.uint64)
        lens = np.concatenate(len_parts) if n else np.zeros(0, dtype=np.int64)
        entry_norm = np.concatenate(norm_parts) if n else np.zeros(0, dtype=np.uint64)
        valid = lens > 0
        skipped = int(n - np.count_nonzero(valid))
        if skipped:
            logger.warning(
                "hotlist index: %s entries are not normalised plates of 1..%s characters; skipped",
                skipped,
                MAX_PLATE_LEN,
            )
        all_rows = np.arange(n, dtype=np.int64)
        tiers: list[_Tier] = []
        for k in range(_MAX_K + 1):
            sel = valid & (entry_k == k)
            if np.any(sel):
                tiers.append(_Tier.build(k, entry_ocr[sel], lens[sel], all_rows[sel]))
        index = cls(
            size=n,
            entry_ocr=entry_ocr,
            entry_norm=entry_norm,
            entry_region=entry_region,
            entry_require_state=entry_req,
            tiers=tuple(tiers),
            region_ids=region_ids,
            region_memo=raw_to_id if len(raw_to_id) <= _REGION_MEMO_MAX else {},
            skipped=skipped,
        )
        logger.debug("hotlist index built: %s entries, %s tiers, %s bytes", n, len(tiers), index.nbytes)
        return index

    def __len__(self) -> int:
        return self._size

    @property
    def skipped(self) -> int:
        """Entries that could not be indexed (not a normalised plate of 1..MAX_PLATE_LEN characters)."""
        return self._skipped

    @property
    def nbytes(self) -> int:
        """Total bytes of the numpy arrays the index holds."""
        own = (self._entry_ocr, self._entry_norm, self._entry_region, self._entry_require_state)
        return int(sum(a.nbytes for a in own) + sum(t.nbytes for t in self._tiers))

    def match(self, plates_norm: Sequence[str], regions: Sequence[str | None]) -> list[KernelHit]:
        """All (read, entry) matches of a batch of normalised reads, ordered by read index then entry row."""
        n = len(plates_norm)
        if len(regions) != n:
            raise ValueError("plates_norm and regions must have the same length")
        if n == 0 or not self._tiers:
            return []
        enc = _encode(plates_norm)
        parts = [t.lookup(enc.ocr, enc.lens) for t in self._tiers]
        reads = np.concatenate([p[0] for p in parts])
        rows = np.concatenate([p[1] for p in parts])
        if reads.size == 0:
            return []
        # Deduplicate pairs found through several masks; sorting also orders the output (sort + neighbour compare
        # is several times faster than np.unique here).
        pair = np.sort(reads * np.int64(self._size) + rows)
        first = np.empty(len(pair), dtype=np.bool_)
        first[0] = True
        np.not_equal(pair[1:], pair[:-1], out=first[1:])
        pair = pair[first]
        reads, rows = pair // np.int64(self._size), pair % np.int64(self._size)
        reads, rows = self._state_filter(reads, rows, regions)
        if reads.size == 0:
            return []
        return self._classify(enc, reads, rows)

    def _state_filter(self, reads: I64, rows: I64, regions: Sequence[str | None]) -> tuple[I64, I64]:
        """Drop pairs whose entry's list requires the state and the read's region is absent or different."""
        req = self._entry_require_state[rows]
        if not np.any(req):
            return reads, rows
        need = np.unique(reads[req])
        raw = [regions[i] for i in need.tolist()]
        # Region id of each read: 0 absent, -1 a region no entry has; raw strings are memoised after first sight.
        ids = np.fromiter(map(self._region_memo.get, raw, repeat(_UNSEEN)), dtype=np.int64, count=len(raw))
        for j in np.flatnonzero(ids == _UNSEEN).tolist():
            ids[j] = self._read_region_id(raw[j])
        read_region = np.zeros(len(reads), dtype=np.int64)
        read_region[req] = ids[np.searchsorted(need, reads[req])]
        entry_region = self._entry_region[rows]
        ok = ~req | ((read_region != 0) & ((entry_region == 0) | (entry_region == read_region)))
        return reads[ok], rows[ok]

    def _read_region_id(self, raw: str | None) -> int:
        """Region id of a read's raw region (0 absent, -1 unknown to the index), memoised up to a bound."""
        key = _region_key(raw)
        rid = 0 if key is None else self._region_ids.get(key, -1)
        if len(self._region_memo) < _REGION_MEMO_MAX:
            self._region_memo[raw] = rid
        return rid

    def _classify(self, enc: _Encoded, reads: I64, rows: I64) -> list[KernelHit]:
        """Kind and normalised-form difference positions of verified pairs, as KernelHit objects."""
        read_norm = _norm_codes(enc, reads)
        xor = read_norm ^ self._entry_norm[rows]
        diff = np.zeros(len(reads), dtype=np.int64)
        for i in range(MAX_PLATE_LEN):
            nonzero = (xor >> np.uint64(_NORM_BITS * i)) & np.uint64((1 << _NORM_BITS) - 1)
            diff |= (nonzero != 0).astype(np.int64) << i
        kind = np.where(xor == 0, 0, np.where(enc.ocr[reads] == self._entry_ocr[rows], 1, 2))
        return _make_hits(reads.tolist(), rows.tolist(), _KIND_OBJ[kind].tolist(), _POS_TUPLE_OBJ[diff].tolist())


_HIT_SETTERS: Final = tuple(getattr(KernelHit, f.name).__set__ for f in fields(KernelHit))


def _make_hits(*columns: list[Any]) -> list[KernelHit]:
    """KernelHit objects from field columns, built by C-level loops.

    A batch can yield a hit for most of its reads, and the frozen dataclass's ``__init__`` (four
    ``object.__setattr__`` calls in Python) then dominates the batch. Allocating the instances and filling each slot
    through its descriptor with ``map`` does the same work in C, about twice as fast; the instances are ordinary
    frozen KernelHits (equal, hashable and immutable like any other).
    """
    hits: list[KernelHit] = list(map(object.__new__, repeat(KernelHit, len(columns[0]))))
    for setter, values in zip(_HIT_SETTERS, columns, strict=True):
        deque(map(setter, hits, values), maxlen=0)
    return hits
