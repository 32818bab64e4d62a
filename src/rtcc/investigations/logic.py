"""Pure rules of plate search: pattern parsing (exact, wildcard, partial, similar), the substring grams the index
stores, keyset cursors, and the analyses over fetched reads (stops in a vehicle history, common-plates ranking,
co-travel). No I/O.

Patterns. A plate pattern is normalised like a plate (upper case; spaces, dashes and dots dropped) but keeps the
wildcards ``*`` (any run of characters, possibly empty) and ``?`` (exactly one character); it is anchored (it
describes the whole plate). ``partial`` means "contains" and needs at least 3 characters. ``similar`` finds plates
whose OCR-class forms (``rtcc.core.plates.ocr_class``) are equal (``max_diff=0``) or differ in at most one position
(``max_diff=1``, same length): it is a set of wildcard patterns over the OCR form, one ``?`` per position.

Stops in a vehicle history (``find_stops``):
- a *dwell* is a maximal run of consecutive positioned reads that all lie within ``radius_m`` of the run's first
  read and span at least ``min_dwell_s`` (a parked car read again and again, a car circling a block);
- a *gap* is two consecutive positioned reads at least ``gap_s`` apart that do not belong to the same dwell: the
  vehicle was out of camera coverage, stopped somewhere unseen; it is placed at the last position seen before it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from rtcc.core.errors import ValidationFailed, invalid
from rtcc.core.geo import distance_m
from rtcc.core.plates import MAX_PLATE_LEN, normalise, ocr_class

Mode = Literal["auto", "exact", "wildcard", "partial", "similar"]

GRAM = 3
#: Least number of plain characters of a partial (contains) pattern.
MIN_PARTIAL = 3
#: Least number of plain characters of a wildcard pattern (``*`` alone would list every plate).
MIN_WILDCARD_LITERALS = 2

_PATTERN_DROP = re.compile(r"[^A-Z0-9*?]")
_RUNS = re.compile(r"[A-Z0-9]+")


def _bad(field_name: str, msg: str) -> ValidationFailed:
    return invalid(field_name, msg)


@dataclass(frozen=True)
class Pattern:
    """One anchored pattern over a plate form, in the syntaxes each database and Python need."""

    text: str  # normalised, with * and ?

    @property
    def has_wildcards(self) -> bool:
        return "*" in self.text or "?" in self.text

    @property
    def like(self) -> str:
        """SQL LIKE form (plates hold only A-Z0-9, so nothing needs escaping)."""
        return self.text.replace("*", "%").replace("?", "_")

    @property
    def glob(self) -> str:
        """SQLite GLOB form (case-sensitive, same wildcards)."""
        return self.text

    @property
    def regex(self) -> re.Pattern[str]:
        """Anchored Python regex, used to verify candidates."""
        body = "".join(".*" if ch == "*" else "." if ch == "?" else ch for ch in self.text)
        return re.compile(f"^{body}$")

    @property
    def grams(self) -> list[str]:
        """Every 3-character gram of the plain runs: a plate matching the pattern contains all of them."""
        out: list[str] = []
        for run in _RUNS.findall(self.text):
            for i in range(len(run) - GRAM + 1):
                gram = run[i : i + GRAM]
                if gram not in out:
                    out.append(gram)
        return out

    def matches(self, plate: str) -> bool:
        """True when ``plate`` (same form) matches the pattern."""
        return self.regex.match(plate) is not None


@dataclass(frozen=True)
class PlateQuery:
    """A parsed plate search: ``on`` says which stored form the patterns apply to."""

    mode: Literal["exact", "wildcard", "partial", "similar"]
    text: str  # the normalised pattern or plate
    on: Literal["norm", "ocr"]
    patterns: tuple[Pattern, ...]
    max_diff: int = 0

    def kind_of(self, plate_norm: str) -> str:
        """How a found plate matched: exact, wildcard, partial, ocr (OCR-class equal) or fuzzy (one position)."""
        if self.mode == "similar":
            if plate_norm == self.text:
                return "exact"
            return "ocr" if ocr_class(plate_norm) == ocr_class(self.text) else "fuzzy"
        return self.mode

    def accepts(self, plate_norm: str) -> bool:
        """Exact re-check of a candidate plate (the index may return a superset)."""
        if self.mode == "similar":
            a, b = ocr_class(plate_norm), ocr_class(self.text)
            return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= self.max_diff
        target = plate_norm if self.on == "norm" else ocr_class(plate_norm)
        return any(p.matches(target) for p in self.patterns)


def normalise_pattern(raw: str) -> str:
    """Upper-case, keep A-Z, 0-9, ``*`` and ``?``; runs of ``*`` collapse to one."""
    text = _PATTERN_DROP.sub("", raw.upper())
    return re.sub(r"\*+", "*", text)


def parse_plate_query(raw: str, mode: Mode = "auto", max_diff: int = 0) -> PlateQuery:
    """Parse what a user typed into a ``PlateQuery``; errors name the field ``plate`` (or ``max_diff``)."""
    text = normalise_pattern(raw)
    wild = "*" in text or "?" in text
    if mode == "auto":
        mode = "wildcard" if wild else "exact"
    literals = sum(ch.isalnum() for ch in text)
    if mode != "wildcard" and wild:
        raise _bad("plate", f"wildcards (* ?) are only allowed in wildcard mode, not {mode}")
    if mode == "exact":
        norm = normalise(text)
        if not 2 <= len(norm) <= MAX_PLATE_LEN:
            raise _bad("plate", f"a plate has 2 to {MAX_PLATE_LEN} letters or digits")
        return PlateQuery("exact", norm, "norm", (Pattern(norm),))
    if mode == "wildcard":
        if literals < MIN_WILDCARD_LITERALS:
            raise _bad("plate", f"a wildcard pattern needs at least {MIN_WILDCARD_LITERALS} letters or digits")
        if len(text.replace("*", "")) > MAX_PLATE_LEN:
            raise _bad("plate", f"a plate has at most {MAX_PLATE_LEN} characters")
        return PlateQuery("wildcard", text, "norm", (Pattern(text),))
    if mode == "partial":
        if literals < MIN_PARTIAL:
            raise _bad("plate", f"a partial plate needs at least {MIN_PARTIAL} letters or digits")
        if literals > MAX_PLATE_LEN:
            raise _bad("plate", f"a plate has at most {MAX_PLATE_LEN} characters")
        return PlateQuery("partial", text, "norm", (Pattern(f"*{text}*"),))
    # similar
    if max_diff not in (0, 1):
        raise _bad("max_diff", "0 (OCR-class equal) or 1 (one more differing position)")
    if not 2 <= len(text) <= MAX_PLATE_LEN:
        raise _bad("plate", f"a plate has 2 to {MAX_PLATE_LEN} letters or digits")
    ocr = ocr_class(text)
    one_off = [Pattern(ocr[:i] + "?" + ocr[i + 1 :]) for i in range(len(ocr))]
    patterns = [Pattern(ocr)] if max_diff == 0 else one_off
    return PlateQuery("similar", text, "ocr", tuple(patterns), max_diff)


def grams_of(*forms: str) -> set[str]:
    """The 3-character grams of the given plate forms (normalised and OCR-class), as the SQLite index stores them."""
    return {f[i : i + GRAM] for f in forms for i in range(len(f) - GRAM + 1)}


# --- keyset cursor ---------------------------------------------------------------------------------------------------


def encode_cursor(observed_at: datetime, read_id: uuid.UUID) -> str:
    """An opaque cursor for the read after which the next page starts."""
    raw = json.dumps([observed_at.isoformat(), str(read_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (observed_at, id) of a cursor; ValidationFailed naming ``cursor`` if it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, rid = json.loads(raw)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, uuid.UUID(rid)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise _bad("cursor", "not a cursor returned by a previous page") from None


# --- vehicle history: stops ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A positioned read of one vehicle."""

    observed_at: datetime
    lat: float
    lon: float
    camera_code: str | None = None


@dataclass(frozen=True)
class Stop:
    """A dwell (repeated reads in one place) or a gap (out of coverage) in a vehicle's track."""

    kind: Literal["dwell", "gap"]
    start: datetime
    end: datetime
    lat: float
    lon: float
    reads: int
    duration_s: float
    distance_m: float = 0.0  # for a gap: from the last position before it to the first after it
    camera_codes: tuple[str, ...] = ()


def find_stops(points: Sequence[Point], *, radius_m: float, min_dwell_s: float, gap_s: float) -> list[Stop]:
    """Dwells and gaps of a time-ordered track (see the module docstring for the definitions), in time order."""
    stops: list[Stop] = []
    run_of = [0] * len(points)  # index of the dwell run each point belongs to
    i = 0
    n = len(points)
    while i < n:
        j = i
        while j + 1 < n and distance_m(points[i].lat, points[i].lon, points[j + 1].lat, points[j + 1].lon) <= radius_m:
            j += 1
        span = (points[j].observed_at - points[i].observed_at).total_seconds()
        for k in range(i, j + 1):
            run_of[k] = i
        if j > i and span >= min_dwell_s:
            run = points[i : j + 1]
            codes = tuple(dict.fromkeys(p.camera_code for p in run if p.camera_code))
            stops.append(
                Stop(
                    "dwell",
                    run[0].observed_at,
                    run[-1].observed_at,
                    sum(p.lat for p in run) / len(run),
                    sum(p.lon for p in run) / len(run),
                    len(run),
                    span,
                    camera_codes=codes,
                )
            )
        else:
            for k in range(i, j + 1):
                run_of[k] = k  # not a dwell: every point stands alone for the gap rule
        i = j + 1
    for a in range(n - 1):
        p, q = points[a], points[a + 1]
        dt = (q.observed_at - p.observed_at).total_seconds()
        if dt >= gap_s and run_of[a] != run_of[a + 1]:
            stops.append(
                Stop(
                    "gap",
                    p.observed_at,
                    q.observed_at,
                    p.lat,
                    p.lon,
                    0,
                    dt,
                    distance_m(p.lat, p.lon, q.lat, q.lon),
                    tuple(c for c in (p.camera_code, q.camera_code) if c),
                )
            )
    stops.sort(key=lambda s: (s.start, s.kind))
    return stops


# --- common plates and co-travel -------------------------------------------------------------------------------------


@dataclass
class PlateTally:
    """What one plate matched in a common-plates or co-travel analysis."""

    plate_norm: str
    plate: str
    places: set[int] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    reads: int = 0
    min_gap_s: float | None = None


def rank_common(per_place: Sequence[Iterable[tuple[str, str]]], *, min_places: int) -> list[PlateTally]:
    """Plates seen at ``min_places`` or more of the places, most places first, then most reads, then plate.

    ``per_place[i]`` lists (plate_norm, plate as read) for every read found at place i.
    """
    tallies: dict[str, PlateTally] = {}
    for idx, reads in enumerate(per_place):
        for norm, raw in reads:
            t = tallies.get(norm)
            if t is None:
                t = tallies[norm] = PlateTally(norm, raw)
            t.places.add(idx)
            t.reads += 1
    ranked = [t for t in tallies.values() if len(t.places) >= min_places]
    ranked.sort(key=lambda t: (-len(t.places), -t.reads, t.plate_norm))
    return ranked


@dataclass(frozen=True)
class Sighting:
    """A read near a target read: which plate, at which camera, how many seconds from the target's pass."""

    pass_index: int
    plate_norm: str
    plate: str
    camera: str
    gap_s: float


def rank_cotravel(sightings: Iterable[Sighting], *, target: str, min_cameras: int) -> list[PlateTally]:
    """Plates seen near the target's passes at ``min_cameras`` or more distinct cameras, most cameras first, then
    most accompanied passes, then smallest gap. ``reads`` counts the target passes the plate accompanied."""
    tallies: dict[str, PlateTally] = {}
    passes: dict[str, set[int]] = defaultdict(set)
    for s in sightings:
        if s.plate_norm == target:
            continue
        t = tallies.get(s.plate_norm)
        if t is None:
            t = tallies[s.plate_norm] = PlateTally(s.plate_norm, s.plate)
        t.cameras.add(s.camera)
        passes[s.plate_norm].add(s.pass_index)
        gap = abs(s.gap_s)
        t.min_gap_s = gap if t.min_gap_s is None else min(t.min_gap_s, gap)
    for norm, t in tallies.items():
        t.reads = len(passes[norm])
    ranked = [t for t in tallies.values() if len(t.cameras) >= min_cameras]
    ranked.sort(key=lambda t: (-len(t.cameras), -t.reads, t.min_gap_s or 0.0, t.plate_norm))
    return ranked
