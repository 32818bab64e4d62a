"""Licence-plate text forms: the normalised form and the OCR-class form used for tolerant matching.

A plate is stored as read (``plate``), plus ``normalise(plate)`` (upper case, only A-Z and 0-9) and
``ocr_class(plate)``, where characters that ALPR engines confuse with each other are mapped to one representative
(0/O/D/Q -> 0, 1/I -> 1, 2/Z -> 2, 5/S -> 5, 8/B -> 8, 6/G -> 6). Two plates whose OCR-class forms are equal are
indistinguishable to a camera; the matcher additionally tolerates up to k differing positions per hotlist.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Confusion classes: every character of a group is mapped to the group's first character.
CONFUSION_CLASSES: tuple[str, ...] = ("0ODQ", "1I", "2Z", "5S", "8B", "6G")

_CLASS_MAP: dict[str, str] = {ch: group[0] for group in CONFUSION_CLASSES for ch in group}
_OCR_TABLE = str.maketrans(_CLASS_MAP)
_NON_ALNUM = re.compile(r"[^A-Z0-9]")

#: Longest plate we accept (US plates are at most 8 characters; some systems send a jurisdiction prefix).
MAX_PLATE_LEN = 10


def normalise(plate: str) -> str:
    """Upper-case the plate and drop everything but A-Z and 0-9 (spaces, dashes, dots, symbols)."""
    return _NON_ALNUM.sub("", plate.upper())


def ocr_class(plate_norm: str) -> str:
    """Map each character of a *normalised* plate to its OCR confusion-class representative."""
    return plate_norm.translate(_OCR_TABLE)


def is_plausible(plate_norm: str) -> bool:
    """A normalised plate worth storing: 2..MAX_PLATE_LEN characters, at least one of them a digit or letter."""
    return 2 <= len(plate_norm) <= MAX_PLATE_LEN


@dataclass(frozen=True, slots=True)
class PlateForms:
    """The three forms of one plate that we store side by side."""

    raw: str
    norm: str
    ocr: str


def forms(plate: str) -> PlateForms:
    """All stored forms of a plate as read."""
    norm = normalise(plate)
    return PlateForms(raw=plate, norm=norm, ocr=ocr_class(norm))


def differing_positions(a: str, b: str) -> list[int]:
    """Positions where two equal-length strings differ (empty when equal); raises on unequal length."""
    if len(a) != len(b):
        raise ValueError("plates of different length have no position-wise difference")
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
