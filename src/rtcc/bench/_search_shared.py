"""What the two plate-search benchmarks share (``rtcc bench search`` and its ``--partitioned`` variant,
``rtcc.bench._search_partitioned``): the generated fleet and its reads in time order, the analyst and the purpose
they search under, percentiles, and the full-scan checker every answer is compared with (``ScanChecker``; a
difference raises ``SearchMismatch``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import text

from rtcc.bench import _gen
from rtcc.core.db import Database
from rtcc.core.plates import ocr_class
from rtcc.identity.logic import Principal, permissions_for
from rtcc.investigations.logic import parse_plate_query

CHUNK = 250_000
PURPOSE = {"purpose": "felony_investigation", "case_number": "BENCH-0001"}
COLS = (
    "id, camera_id, plate, plate_norm, plate_ocr, region, confidence, observed_at, received_at, "
    "vehicle_make, vehicle_color, image_ref, source, is_hit"
)
_MAKES = ("Toyota", "Honda", "Ford", "Chevrolet", "Nissan", "Tesla", "BMW", "Hyundai")
_COLORS = ("white", "black", "silver", "gray", "blue", "red")


def actor() -> Principal:
    return Principal(
        kind="user", id="bench", name="bench", role="analyst", permissions=permissions_for("analyst"), unit="BENCH"
    )


def fleet(rng: np.random.Generator, n: int) -> tuple[list[str], list[str], np.ndarray]:
    """Distinct plates, their states, and each vehicle's share of reads (heavy-tailed)."""
    states = ("CA", "NV", "AZ", "OR")
    share = (0.85, 0.05, 0.05, 0.05)
    plates: list[str] = []
    regions: list[str] = []
    seen: set[str] = set()
    for state, frac in zip(states, share, strict=True):
        for p in _gen.plates(rng, int(n * frac * 1.02) + 10, state):
            if p not in seen:
                seen.add(p)
                plates.append(p)
                regions.append(state)
    order = rng.permutation(len(plates))[:n]
    plates = [plates[i] for i in order]
    regions = [regions[i] for i in order]
    weights = 1.0 / np.power(np.arange(1, len(plates) + 1, dtype=np.float64), 0.9)
    return plates, regions, weights / weights.sum()


def chunks(
    rng: np.random.Generator,
    rows: int,
    start: datetime,
    cams: list[tuple[str, float, float]],
    fleet: Any,
    days: int,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in time order over ``days`` days, CHUNK at a time, as tuples in ``COLS`` order (timestamps as
    datetime64 strings)."""
    plates, regions, weights = fleet
    volume = np.array([w for _, _, w in cams], dtype=np.float64)
    cam_p = volume / volume.sum()
    cdf = np.cumsum(weights)
    span_us = days * 86_400 * 1_000_000
    base_us = int(start.timestamp() * 1_000_000)
    n_chunks = max(1, -(-rows // CHUNK))
    ocr = [ocr_class(p) for p in plates]
    for k in range(n_chunks):
        m = min(CHUNK, rows - k * CHUNK)
        lo, hi = span_us * k // n_chunks, span_us * (k + 1) // n_chunks
        t = np.sort(rng.integers(lo, hi, size=m)) + base_us
        veh = np.searchsorted(cdf, rng.random(m) * cdf[-1]).clip(0, len(plates) - 1)
        cam = rng.choice(len(cams), size=m, p=cam_p)
        conf = np.round(rng.uniform(60, 99.5, size=m), 1)
        obs = np.datetime_as_string(t.astype("datetime64[us]"), unit="us")
        rec = np.datetime_as_string((t + 2_000_000).astype("datetime64[us]"), unit="us")
        rand = rng.integers(0, 2**62, size=m, dtype=np.int64)
        make = rng.integers(0, len(_MAKES), size=m)
        color = rng.integers(0, len(_COLORS), size=m)
        yield [
            (
                f"{(ts // 1000):012x}{int(r):020x}",
                cams[c][0],
                plates[v],
                plates[v],
                ocr[v],
                regions[v],
                float(cf),
                o,
                rc,
                _MAKES[mk],
                _COLORS[co],
                None,
                "file",
                False,
            )
            for ts, r, c, v, cf, o, rc, mk, co in zip(
                t.tolist(),
                rand.tolist(),
                cam.tolist(),
                veh.tolist(),
                conf.tolist(),
                obs.tolist(),
                rec.tolist(),
                make.tolist(),
                color.tolist(),
                strict=True,
            )
        ]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 2)


class SearchMismatch(RuntimeError):
    """A plate search answered differently from the full scan."""


#: Broad patterns that do not depend on the data: two-digit wildcards and digit partials.
FIXED_BROAD = (("7*3", "wildcard"), ("5*0", "wildcard"), ("*123*", "wildcard"), ("*80*", "wildcard"))


def broad_patterns(picks: list[str]) -> list[tuple[str, str]]:
    """The fixed broad patterns plus, from plates that exist, 3-digit partials and 2- and 3-character prefixes."""
    out = list(FIXED_BROAD)
    digit_tails = [p[-3:] for p in picks if p[-3:].isdigit()]
    out += [(t, "partial") for t in digit_tails[:3]]
    out += [(p[:2] + "*", "wildcard") for p in picks[3:6]]
    out += [(p[:3] + "*", "wildcard") for p in picks[6:9]]
    return out


Answer = list[uuid.UUID] | None  # the first page's read ids, or None when refused as too broad


class ScanChecker:
    """Checks plate-search answers against the full scan's answer (one scan per distinct pattern)."""

    def __init__(self, db: Database, cap: int, limit: int = 100) -> None:
        self.db = db
        self.cap = cap
        self.limit = limit
        self.expected: dict[tuple[str, str], Answer] = {}
        self.checked = 0
        self.mismatches: list[str] = []

    def _scan(self, pattern: str, mode: str) -> Answer:
        like = parse_plate_query(pattern, mode).patterns[0].like  # type: ignore[arg-type]
        sqlite = self.db.dialect == "sqlite"
        with self.db.read() as s:
            if not sqlite:
                for knob in ("indexscan", "indexonlyscan", "bitmapscan"):
                    s.execute(text(f"SET LOCAL enable_{knob} = off"))
            hint = "NOT INDEXED " if sqlite else ""
            distinct = s.execute(
                text(
                    f"SELECT count(*) FROM (SELECT DISTINCT plate_norm FROM alpr_reads {hint}"
                    "WHERE plate_norm LIKE :p) AS d"
                ),
                {"p": like},
            ).scalar_one()
            if distinct > self.cap:
                return None
            rows = s.execute(
                text(f"SELECT id FROM alpr_reads {hint}WHERE plate_norm LIKE :p ORDER BY observed_at, id LIMIT :n"),
                {"p": like, "n": self.limit},
            ).all()
        return [r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in rows]

    def check(self, pattern: str, mode: str, got: Answer) -> None:
        """Compare one answer with the scan's; a difference is recorded (``raise_if_any`` raises)."""
        key = (pattern, mode)
        if key not in self.expected:
            self.expected[key] = self._scan(pattern, mode)
        want = self.expected[key]
        self.checked += 1
        if got != want:
            self.mismatches.append(
                f"{mode} {pattern!r}: search gave {'refused' if got is None else f'{len(got)} reads'}, "
                f"scan {'> cap plates (refused)' if want is None else f'{len(want)} reads'}"
                + ("" if got is None or want is None else f", first differing at {_first_diff(got, want)}")
            )

    def raise_if_any(self) -> None:
        if self.mismatches:
            shown = "; ".join(self.mismatches[:10])
            raise SearchMismatch(
                f"{len(self.mismatches)} of {self.checked} plate-search answers differ from the full scan: {shown}"
            )


def _first_diff(a: list[uuid.UUID], b: list[uuid.UUID]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
