"""How much OCR tolerance a hotlist may have, and what that tolerance costs in false hits.

Every list matches a read whose plate equals an entry's plate or differs from it only by characters a camera
confuses (``rtcc.core.plates.ocr_class``: 0/O/D/Q, 1/I, 2/Z, 5/S, 8/B, 6/G); that is ``max_diff`` (k) = 0, the
default. k = 1 or 2 additionally tolerates one or two *arbitrary* differing positions, and the number of unlisted
plates that lie that close to some entry grows with the list: one tolerated position on a 1,000,000-entry list of
California-style plates flags about half of all ordinary traffic. So edit-distance tolerance is for small BOLO lists:

* ``FUZZY_MAX_ENTRIES``: the largest list that may use k = 1 (1,000 entries) or k = 2 (25 entries) without an explicit
  choice. The limits are where the estimate below reaches about 0.1 % of reads (one false alert per thousand reads)
  for plates in California's common ``#@@@###`` format: q1 ~ 1e-6 and q2 ~ 4e-5 (per entry, see below).
* Lists fed from state or federal extracts (NCIC fixed width, CA DOJ CLEW) are large in production whatever their size
  today, so k >= 1 on them (or an import of such a file into a k >= 1 list) also needs the explicit choice
  (``allow_large_fuzzy`` on the list).

``estimate_false_hits`` says what a tolerance costs for a given list, from the list's own plates: reads of unlisted
vehicles are modelled as plates of the list's own formats (letter/digit pattern and length, in the list's shares)
with the list's per-position character frequencies, smoothed towards uniform letters or digits (``PRIOR_PLATES``
pseudo-plates a format, so a small list is not taken to be all the traffic there is). For a read format ``a`` and
an entry format ``b`` of the same length, position ``i`` agrees in OCR class with probability
``p_i = sum_c f_ai(c) f_bi(c)``; the number of disagreeing positions is Poisson-binomial, so the chance that a random
pair is within k is a short convolution; pairs that are the very same plate (a listed vehicle, not a false hit)
are taken out. The expected number of entries a read falsely matches is ``lam = sum_a w_a sum_b N_b P_ab(<= k)`` and
the share of reads with at least one false hit is ``1 - exp(-lam)`` (hits on different entries are nearly
independent). ``rtcc bench match`` prints this estimate beside the false-hit rate it measures with the real kernel.
Pure numpy; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
from numpy.typing import NDArray

from rtcc.core.plates import MAX_PLATE_LEN, ocr_class

#: The largest tolerance the matcher supports.
MAX_DIFF_LIMIT: Final = 2
#: k -> the most entries a list may hold at that tolerance without an explicit choice (see the module docstring).
FUZZY_MAX_ENTRIES: Final[Mapping[int, int]] = MappingProxyType({1: 1_000, 2: 25})
#: File formats of state and federal extracts: such lists are large in production, whatever their size today.
BULK_FORMATS: Final = frozenset({"ncic", "clew"})
#: Plate formats modelled one by one; rarer formats are pooled by length.
MAX_FORMATS: Final = 64
#: Weight (in plates) of the uniform letters-or-digits prior mixed into each format's character frequencies.
PRIOR_PLATES: Final = 50.0

_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_N_CHARS: Final = len(_ALPHABET)


@dataclass(frozen=True, slots=True)
class FalseHitEstimate:
    """The expected cost of tolerance k on a list of ``entries`` plates.

    ``false_matches_per_read`` is the expected number of entries an unlisted read matches; ``false_hit_rate`` the
    expected share of unlisted reads that raise at least one alert.
    """

    max_diff: int
    entries: int
    false_matches_per_read: float
    false_hit_rate: float


def fuzzy_limit(max_diff: int) -> int | None:
    """The largest list that may use tolerance ``max_diff`` without an explicit choice (None: no limit, k = 0)."""
    return FUZZY_MAX_ENTRIES.get(max_diff) if max_diff > 0 else None


def confirmation_needed(max_diff: int, entries: int, formats: Iterable[str | None] = ()) -> str | None:
    """Why tolerance ``max_diff`` on a list of ``entries`` (fed from files of ``formats``) needs an explicit
    choice, or None when it does not. The reason is a sentence for the user."""
    if max_diff <= 0:
        return None
    bulk = sorted({f for f in formats if f in BULK_FORMATS})
    if bulk:
        return (
            f"a list fed from {'/'.join(f.upper() for f in bulk)} extracts is a state or federal list; those match "
            "exactly and by OCR class (tolerance 0) unless fuzzy matching is explicitly allowed"
        )
    limit = FUZZY_MAX_ENTRIES.get(max_diff, 0)
    if entries > limit:
        return (
            f"tolerating {max_diff} differing character{'s' if max_diff > 1 else ''} is meant for lists of at most "
            f"{limit:,} entries; this one has {entries:,}"
        )
    return None


def _encode(plates: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(n x MAX_PLATE_LEN character indices, 36 for padding; lengths) of the valid A-Z0-9 plates."""
    lut = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(_ALPHABET):
        lut[ord(ch)] = i
    lut[0] = _N_CHARS
    kept = [p for p in plates if 0 < len(p) <= MAX_PLATE_LEN and p.isascii()]
    if not kept:
        return np.zeros((0, MAX_PLATE_LEN), dtype=np.int64), np.zeros(0, dtype=np.int64)
    raw = np.array(kept, dtype=f"S{MAX_PLATE_LEN}").view(np.uint8).reshape(len(kept), MAX_PLATE_LEN)
    chars = lut[raw]
    ok = ~(chars < 0).any(axis=1)
    chars = chars[ok]
    return chars, (chars != _N_CHARS).sum(axis=1)


def _class_matrix() -> NDArray[np.float64]:
    """(37 x classes) 0/1 matrix: character (or padding) -> its OCR class."""
    reps = sorted({ocr_class(ch) for ch in _ALPHABET})
    out = np.zeros((_N_CHARS + 1, len(reps) + 1))
    for i, ch in enumerate(_ALPHABET):
        out[i, reps.index(ocr_class(ch))] = 1.0
    out[_N_CHARS, len(reps)] = 1.0
    return out


def _format_frequencies(
    chars: NDArray[np.int64], lens: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Formats of the plates: (length of each, plates of each, smoothed per-position character frequencies)."""
    is_digit = (chars < 10).astype(np.int64)
    key = lens * (1 << MAX_PLATE_LEN) + (is_digit << np.arange(MAX_PLATE_LEN)).sum(axis=1)
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    if len(uniq) > MAX_FORMATS:  # pool the rare formats by length (their letter/digit mix is then a blend)
        rare = np.argsort(-counts, kind="stable")[MAX_FORMATS:]
        pooled = uniq.copy()
        pooled[rare] = (uniq[rare] >> MAX_PLATE_LEN) * (1 << MAX_PLATE_LEN) + (1 << MAX_PLATE_LEN) - 1
        uniq, second = np.unique(pooled[inverse], return_inverse=True)
        inverse = second
        counts = np.bincount(inverse, minlength=len(uniq))
    n_formats = len(uniq)
    width = _N_CHARS + 1
    flat = (inverse[:, None] * MAX_PLATE_LEN + np.arange(MAX_PLATE_LEN)) * width + chars
    tally = np.bincount(flat.ravel(), minlength=n_formats * MAX_PLATE_LEN * width).astype(np.float64)
    tally = tally.reshape(n_formats, MAX_PLATE_LEN, width)
    # Prior: the format's letters or digits, uniformly (pooled formats: the observed letter/digit mix at the position).
    letters = tally[:, :, 10:_N_CHARS].sum(axis=2, keepdims=True)
    digits = tally[:, :, :10].sum(axis=2, keepdims=True)
    pad = tally[:, :, _N_CHARS:].sum(axis=2, keepdims=True)
    total = np.maximum(letters + digits + pad, 1.0)
    prior = np.concatenate(
        [np.repeat(digits / total / 10, 10, axis=2), np.repeat(letters / total / 26, 26, axis=2), pad / total], axis=2
    )
    freq = (tally + PRIOR_PLATES * prior) / (counts[:, None, None] + PRIOR_PLATES)
    return uniq >> MAX_PLATE_LEN, counts, freq


def estimate_false_hits(
    plates_norm: Sequence[str], ks: Iterable[int] = (0, 1, 2), *, entries: int | None = None
) -> list[FalseHitEstimate]:
    """The expected false-hit cost of each tolerance in ``ks`` for a list holding ``plates_norm`` (normalised).

    ``entries`` scales the list to another size with the same plates' make-up (default: ``len(plates_norm)``).
    """
    wanted = sorted(set(ks))
    chars, lens = _encode(plates_norm)
    n = len(lens)
    size = n if entries is None else entries
    if n == 0 or size == 0:
        return [FalseHitEstimate(k, size, 0.0, 0.0) for k in wanted]
    lengths, counts, freq = _format_frequencies(chars, lens)
    cls = freq @ _class_matrix()
    share = counts / n
    per_entry = counts * (size / n)
    top = max(wanted)
    lam = np.zeros(top + 1)
    for length in np.unique(lengths).tolist():
        sel = np.flatnonzero(lengths == length)
        f, c = freq[sel, :length], cls[sel, :length]
        agree = np.einsum("apc,bpc->abp", c, c)  # OCR-class agreement of each position, per (read, entry) format
        same = np.einsum("apc,bpc->abp", f, f).prod(axis=2)  # the very same plate: a listed vehicle, not a false hit
        dist = np.zeros((len(sel), len(sel), top + 1))  # P(j positions disagree so far), j = 0..top
        dist[:, :, 0] = 1.0
        for pos in range(length):
            a = agree[:, :, pos, None]
            shifted = np.concatenate([np.zeros_like(dist[:, :, :1]), dist[:, :, :-1]], axis=2)
            dist = dist * a + shifted * (1 - a)
        within = np.cumsum(dist, axis=2)  # P(at most j disagree)
        false_pair = np.clip(within - same[:, :, None], 0.0, None)
        lam += np.einsum("a,b,abj->j", share[sel], per_entry[sel], false_pair)
    return [FalseHitEstimate(k, size, float(lam[k]), float(-np.expm1(-lam[k]))) for k in wanted]
