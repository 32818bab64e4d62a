"""Realistic US licence-plate generator shared by the benchmarks and the demo's traffic simulator.

Plates follow the per-state format patterns (``@`` a letter, ``#`` a digit) of California and its neighbouring
states. The pattern table below is derived from OpenALPR's ``runtime_data/postprocess/us.patterns`` (commit
736ab0e608cf9b20d92f36a873bb1152240daa98; format facts only, see ``/work/shared/data/plate_patterns``): the patterns
of the regions ``ca``, ``nv``, ``az`` and ``or``, in the file's order, which that file documents as "ordered by
likelihood". The weights attached to them are ours, a decreasing prior, not measured frequencies. Generation is
vectorised with numpy so a million plates take well under a second; ``misread`` applies one OCR confusion
(``0/O/D/Q``, ``1/I``, ``2/Z``, ``5/S``, ``8/B``, ``6/G``) the way a camera would.
"""

from __future__ import annotations

import numpy as np

from rtcc.core.plates import CONFUSION_CLASSES

#: state -> ((pattern, weight), ...); derived from OpenALPR us.patterns (see the module docstring).
PATTERNS: dict[str, tuple[tuple[str, float], ...]] = {
    "CA": (("#@@@###", 0.85), ("#@#####", 0.07), ("#####@#", 0.05), ("###@@@", 0.03)),
    "NV": (("###@@@", 0.55), ("@#####", 0.15), ("@@####", 0.15), ("@@@###", 0.15)),
    "AZ": (("@@@####", 0.80), ("###@@@", 0.20)),
    "OR": (("###@@@", 0.60), ("@@@###", 0.40)),
}

_LETTERS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
#: character -> the other members of its confusion class (what a camera may read instead).
_CONFUSABLE: dict[str, str] = {ch: group.replace(ch, "") for group in CONFUSION_CLASSES for ch in group}


def states() -> tuple[str, ...]:
    """The state codes the generator knows."""
    return tuple(PATTERNS)


def _fill(rng: np.random.Generator, pattern: str, m: int) -> list[str]:
    """``m`` random plates of one pattern, as Python strings."""
    length = len(pattern)
    out = np.empty((m, length), dtype=np.uint8)
    for pos, sym in enumerate(pattern):
        pool = _LETTERS if sym == "@" else _DIGITS
        out[:, pos] = pool[rng.integers(0, len(pool), size=m)]
    fixed: list[str] = out.view(f"S{length}").ravel().astype(f"U{length}").tolist()
    return fixed


def plates(rng: np.random.Generator, n: int, state: str = "CA") -> list[str]:
    """``n`` random normalised plates following ``state``'s format patterns (raises ValueError if unknown)."""
    table = PATTERNS.get(state.upper())
    if table is None:
        raise ValueError(f"no plate patterns for state {state!r}; known: {', '.join(PATTERNS)}")
    if n <= 0:
        return []
    weights = np.array([w for _, w in table], dtype=np.float64)
    choice = rng.choice(len(table), size=n, p=weights / weights.sum())
    result = np.empty(n, dtype=object)
    for i, (pattern, _) in enumerate(table):
        where = np.flatnonzero(choice == i)
        if where.size:
            result[where] = _fill(rng, pattern, where.size)
    out: list[str] = result.tolist()
    return out


def misread(rng: np.random.Generator, plate: str) -> str:
    """``plate`` with one character replaced by another of its confusion class (unchanged if none is confusable)."""
    positions = [i for i, ch in enumerate(plate) if ch in _CONFUSABLE]
    if not positions:
        return plate
    pos = positions[int(rng.integers(0, len(positions)))]
    others = _CONFUSABLE[plate[pos]]
    return plate[:pos] + others[int(rng.integers(0, len(others)))] + plate[pos + 1 :]
