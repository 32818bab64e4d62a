"""The demo's traffic generator: simulated ALPR reads at the 19 Cerritos cameras, a demo hotlist, and a scripted
scenario of hotlisted vehicles so that hits (one of them a misread a person must reject) appear in the first minute.

Pure and seeded: every random draw comes from the ``numpy.random.Generator`` passed in, so the same seed and the same
sequence of calls give the same reads. No database, no clock: callers pass the time windows.

Calibration (assumptions, documented so they can be argued with):

* **Volume.** Each camera reads one direction of one arterial. Its typical weekday volume is in
  ``data/alpr_cameras.json``: the road's assumed two-way average daily traffic x 0.5 (one direction) x 0.8 (capture
  rate), i.e. 4,800 reads/day (Gridley Rd) to 13,600 (Artesia Blvd), about 199,000 a day for all 19 cameras.
  ``VOLUME_RANGE`` (4,000-15,000 a camera a weekday) is the documented range. Weekends carry ``WEEKEND_FACTOR``
  (0.85) of a weekday's traffic. Counts are Poisson, so a camera's day varies by about +-1.5 %.
* **Shape.** Hourly shares of the day in local Pacific time (``WEEKDAY_HOURLY``): night low (3-4 am about 0.4 % of
  the day), morning peak 7-9 am (about 7 % an hour), midday 5-6 %, afternoon peak 4-6 pm (about 7.6 % an hour, the
  busiest). Weekends (``WEEKEND_HOURLY``) have one broad midday hump. Hourly shares are interpolated linearly to
  one-minute resolution; DST days get 23 or 25 hours of the same per-minute rate.
* **Who drives.** ``REGULAR_SHARE`` (60 %) of reads are regulars: a fixed pool of about 30,000 local vehicles, each
  passing 1-3 nearby cameras about twice a day (to work and back), so the same plates recur daily at the same
  cameras; the rest are transient vehicles with fresh plates. Regions: about 96 % CA, then AZ, NV, OR, TX, WA and a
  few others.
* **Read quality.** ``MISREAD_RATE`` (1.5 %) of reads carry one OCR-confusion substitution (the classes of
  ``rtcc.core.plates.CONFUSION_CLASSES``; the realised rate is about 1.48 % because a few plates have no confusable
  character); ``LOW_CONFIDENCE_RATE`` (5 %) of reads have confidence 55-80. Confidence is on the 0-100 scale that
  OpenALPR/Rekor agents send; good reads are mostly 85-99. Misreads list the true plate as a lower candidate 70 % of
  the time. Make/model/colour/type come from a Southern-California-like fleet mix; 2 % of reads have no make.
* **Hits.** Plates of the ``hotlist`` given to the model never occur in background traffic (no background plate shares
  an OCR class with a listed one), except ``circulating`` listed vehicles that join the regulars (with 8 of them, about
  35-40 exact hits a day). The state and NCIC lists match exactly and by OCR class; the local wanted-persons list
  tolerates one differing position (``max_diff=1``) and so also raises a few "fuzzy" look-alike hits a day:
  realistic false alerts for a person to reject.

``speedup`` multiplies the arrival rate only (timestamps stay inside the requested window), so a demo can show a busy
hour's traffic in a quiet one.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from rtcc.bench import _gen
from rtcc.core.plates import ocr_class
from rtcc.demo import world
from rtcc.demo.world import DemoCamera
from rtcc.hotlists.logic import Category

logger = logging.getLogger(__name__)

#: Documented range of a camera's weekday read volume (reads/day).
VOLUME_RANGE: tuple[int, int] = (4_000, 15_000)
#: Weekend traffic as a share of a weekday's.
WEEKEND_FACTOR = 0.85
#: Share of reads with one OCR-confusion substitution.
MISREAD_RATE = 0.015
#: Share of reads with confidence 55-80 (dirty plates, bad angle, glare).
LOW_CONFIDENCE_RATE = 0.05
#: Share of reads by vehicles from the regular (commuter) pool.
REGULAR_SHARE = 0.60
#: How often a regular passes each of its cameras on a weekday.
PASSES_PER_DAY = 2.0
#: Share of reads without a recognised make.
NO_MAKE_RATE = 0.02

#: Weekday share of daily traffic in each local hour 0..23 (percent; normalised on use). Typical urban arterial shape.
WEEKDAY_HOURLY: tuple[float, ...] = (
    1.0, 0.6, 0.45, 0.4, 0.6, 1.5, 3.8, 7.0, 7.2, 5.4, 4.8, 5.1,
    5.6, 5.6, 5.9, 6.6, 7.3, 7.6, 6.2, 4.5, 3.4, 2.7, 1.9, 1.3,
)  # fmt: skip
#: Weekend share of daily traffic per local hour (percent; normalised on use): one broad midday hump.
WEEKEND_HOURLY: tuple[float, ...] = (
    1.6, 1.1, 0.8, 0.55, 0.5, 0.8, 1.5, 2.5, 3.6, 4.9, 5.9, 6.6,
    7.0, 7.1, 7.0, 6.9, 6.8, 6.6, 6.0, 5.1, 4.2, 3.4, 2.6, 1.9,
)  # fmt: skip

#: Plate regions of transient vehicles (state code, share). Regulars are local: 98 % CA.
TRANSIENT_REGIONS: tuple[tuple[str, float], ...] = (
    ("CA", 0.935), ("AZ", 0.02), ("NV", 0.015), ("OR", 0.005), ("TX", 0.01),
    ("WA", 0.004), ("UT", 0.003), ("FL", 0.003), ("NY", 0.003), ("CO", 0.002),
)  # fmt: skip
REGULAR_REGIONS: tuple[tuple[str, float], ...] = (("CA", 0.98), ("AZ", 0.008), ("NV", 0.008), ("OR", 0.004))

#: Plate patterns for regions the shared generator does not know (``@`` letter, ``#`` digit), from OpenALPR's
#: ``us.patterns`` (format facts; first pattern listed for the state).
_EXTRA_PATTERNS: dict[str, str] = {"TX": "@@@####", "WA": "@@@####", "UT": "@###@@", "FL": "@@@@##",
                                   "NY": "@@@####", "CO": "###@@@"}  # fmt: skip

#: First digit of California's sequential series (1AAA000..9ZZZ999, issued since 1980; a higher digit is a newer
#: plate) with our assumed share of the cars on the road today.
_CA_FIRST_DIGIT: tuple[tuple[str, float], ...] = (
    ("3", 0.03), ("4", 0.06), ("5", 0.10), ("6", 0.17), ("7", 0.23), ("8", 0.30), ("9", 0.11),
)  # fmt: skip
_CA_FIRST_DIGIT_P: NDArray[np.float64] = np.array([s for _, s in _CA_FIRST_DIGIT]) / sum(s for _, s in _CA_FIRST_DIGIT)
_CA_SEQUENTIAL = re.compile(r"[0-9][A-Z]{3}[0-9]{3}")

#: (make, share of the fleet, ((model, vehicle type), ...)); shares are normalised on use.
# fmt: off
FLEET: tuple[tuple[str, float, tuple[tuple[str, str], ...]], ...] = (
    ("Toyota", 0.17, (("Camry", "sedan"), ("Corolla", "sedan"), ("RAV4", "suv"), ("Tacoma", "pickup"),
                      ("Prius", "sedan"), ("Highlander", "suv"), ("Sienna", "minivan"))),
    ("Honda", 0.12, (("Civic", "sedan"), ("Accord", "sedan"), ("CR-V", "suv"), ("Odyssey", "minivan"),
                     ("Pilot", "suv"))),
    ("Ford", 0.08, (("F-150", "pickup"), ("Explorer", "suv"), ("Escape", "suv"), ("Mustang", "coupe"),
                    ("Transit", "van"))),
    ("Chevrolet", 0.07, (("Silverado", "pickup"), ("Malibu", "sedan"), ("Equinox", "suv"), ("Tahoe", "suv"))),
    ("Nissan", 0.07, (("Altima", "sedan"), ("Sentra", "sedan"), ("Rogue", "suv"), ("Frontier", "pickup"))),
    ("Tesla", 0.05, (("Model 3", "sedan"), ("Model Y", "suv"))),
    ("Hyundai", 0.05, (("Elantra", "sedan"), ("Sonata", "sedan"), ("Tucson", "suv"))),
    ("Kia", 0.04, (("Forte", "sedan"), ("K5", "sedan"), ("Sportage", "suv"), ("Sorento", "suv"))),
    ("Lexus", 0.04, (("ES", "sedan"), ("RX", "suv"))),
    ("BMW", 0.035, (("3 Series", "sedan"), ("X5", "suv"))),
    ("Mercedes-Benz", 0.035, (("C-Class", "sedan"), ("GLC", "suv"))),
    ("Mazda", 0.03, (("Mazda3", "sedan"), ("CX-5", "suv"))),
    ("Jeep", 0.03, (("Wrangler", "suv"), ("Grand Cherokee", "suv"))),
    ("Subaru", 0.02, (("Outback", "wagon"), ("Forester", "suv"))),
    ("Volkswagen", 0.02, (("Jetta", "sedan"), ("Tiguan", "suv"))),
    ("Dodge", 0.02, (("Charger", "sedan"), ("Durango", "suv"))),
    ("Ram", 0.02, (("1500", "pickup"), ("ProMaster", "van"))),
    ("GMC", 0.015, (("Sierra", "pickup"), ("Yukon", "suv"))),
    ("Audi", 0.015, (("A4", "sedan"), ("Q5", "suv"))),
    ("Acura", 0.015, (("TLX", "sedan"), ("MDX", "suv"))),
    ("Infiniti", 0.01, (("Q50", "sedan"),)),
    ("Harley-Davidson", 0.005, (("Street Glide", "motorcycle"),)),
)
# fmt: on
#: (colour, share of the fleet).
COLORS: tuple[tuple[str, float], ...] = (
    ("white", 0.24),
    ("black", 0.21),
    ("gray", 0.18),
    ("silver", 0.13),
    ("blue", 0.09),
    ("red", 0.09),
    ("green", 0.015),
    ("brown", 0.015),
    ("beige", 0.01),
    ("gold", 0.01),
    ("orange", 0.005),
    ("yellow", 0.005),
)  # fmt: skip

_PACIFIC = ZoneInfo(world.TIMEZONE)
_MINUTE = timedelta(minutes=1)

# Flattened fleet table: one row per (make, model, type) with its share.
_MODEL_ROWS: tuple[tuple[str, str, str], ...] = tuple((m, model, t) for m, _, models in FLEET for model, t in models)
_MODEL_P: NDArray[np.float64] = np.array([s / len(models) for _, s, models in FLEET for _ in models])
_MODEL_P /= _MODEL_P.sum()
_COLOR_NAMES: tuple[str, ...] = tuple(c for c, _ in COLORS)
_COLOR_P: NDArray[np.float64] = np.array([s for _, s in COLORS]) / sum(s for _, s in COLORS)


@dataclass(frozen=True, slots=True)
class DemoRead:
    """One simulated plate read. ``plate`` is what the camera output; ``true_plate`` (simulator ground truth, not
    something a camera sends) is the plate on the car, so ``plate != true_plate`` marks a misread."""

    camera_code: str
    plate: str
    region: str
    confidence: float
    observed_at: datetime
    make: str | None
    model: str | None
    color: str
    vehicle_type: str
    candidates: tuple[tuple[str, float], ...]
    true_plate: str
    scenario: str | None = None

    @property
    def is_misread(self) -> bool:
        """True when the camera's text differs from the plate on the car."""
        return self.plate != self.true_plate


@dataclass(frozen=True, slots=True)
class DemoHotlist:
    """A demo hotlist: name, source, category (``rtcc.hotlists.logic.Category`` value), priority (1 = most
    urgent), tolerated differing positions ``max_diff`` and whether the region must agree."""

    name: str
    source: str
    category: str
    priority: int
    max_diff: int
    require_state: bool = False


@dataclass(frozen=True, slots=True)
class DemoHotlistEntry:
    """One plate on a demo hotlist with its reason, case number and the listed vehicle (None where unknown)."""

    hotlist: str
    category: str
    plate: str
    region: str
    reason: str
    case_number: str
    make: str | None
    model: str | None
    color: str | None
    vehicle_type: str | None
    year: int | None


@dataclass(frozen=True, slots=True)
class ScheduledVehicle:
    """A scripted vehicle: the plate on it, what it looks like, the cameras it passes in order, when it reaches the
    first one (seconds after the demo starts) and, if set, what the *first* camera misreads its plate as."""

    scenario: str
    plate: str
    region: str
    make: str
    model: str
    color: str
    vehicle_type: str
    route: tuple[str, ...]
    first_offset_s: float
    misread_as: str | None = None


#: The demo's hotlists (names are what the lead creates; entries reference them by name).
DEMO_HOTLISTS: tuple[DemoHotlist, ...] = (
    # state and NCIC lists match exactly and by OCR class (k = 0, the safe default); the small local list tolerates
    # one differing position, as a BOLO list may choose to
    DemoHotlist("CA DOJ SVS - Stolen Vehicles", "CA DOJ CLEW", Category.stolen_vehicle.value, 2, 0),
    DemoHotlist("CA DOJ SLR - Stolen License Plates", "CA DOJ CLEW", Category.stolen_plate.value, 2, 0),
    DemoHotlist("CA DOJ SFR - Felony Vehicles", "CA DOJ CLEW", Category.felony_vehicle.value, 1, 0),
    DemoHotlist("LASD Cerritos - Wanted Persons", "local", Category.wanted_person.value, 1, 1),
    DemoHotlist("AMBER Alert", "NCIC", Category.amber_alert.value, 1, 0),
)
_LIST_BY_CATEGORY = {h.category: h.name for h in DEMO_HOTLISTS}

#: The scripted scenario: a stolen car read correctly, a different car misread as a listed plate (the listed
#: "8JDV417" vs this car's "8JOV417": one character of the 0/O/D/Q class apart; O is a valid middle letter on
#: California plates), and a wanted person's car. All reach their first camera within the first minute.
SCHEDULED: tuple[ScheduledVehicle, ...] = (
    ScheduledVehicle("stolen_vehicle", "7LXR294", "CA", "Honda", "Civic", "silver", "sedan",
                     ("CER-ALPR-01", "CER-ALPR-09", "CER-ALPR-11"), 12.0),
    ScheduledVehicle("misread", "8JOV417", "CA", "Toyota", "Prius", "white", "sedan",
                     ("CER-ALPR-06", "CER-ALPR-04", "CER-ALPR-15"), 30.0, misread_as="8JDV417"),
    ScheduledVehicle("wanted_person", "9CFN583", "CA", "Nissan", "Altima", "gray", "sedan",
                     ("CER-ALPR-18", "CER-ALPR-10", "CER-ALPR-16"), 48.0),
)  # fmt: skip

#: The hotlist entries the scripted vehicles (or, for the misread, the plate it is confused with) are listed under.
_SCHEDULED_ENTRIES: tuple[DemoHotlistEntry, ...] = (
    DemoHotlistEntry(_LIST_BY_CATEGORY["stolen_vehicle"], "stolen_vehicle", "7LXR294", "CA",
                     "Stolen vehicle: taken overnight from a residential driveway", "V482915307",
                     "Honda", "Civic", "silver", "sedan", 2019),
    DemoHotlistEntry(_LIST_BY_CATEGORY["felony_vehicle"], "felony_vehicle", "8JDV417", "CA",
                     "Felony vehicle: used in an armed robbery (PC 211), occupants may be armed", "F730264158",
                     "Chevrolet", "Silverado", "black", "pickup", 2021),
    DemoHotlistEntry(_LIST_BY_CATEGORY["wanted_person"], "wanted_person", "9CFN583", "CA",
                     "Registered owner wanted: felony warrant, residential burglary (PC 459)", "924-05131-2316",
                     "Nissan", "Altima", "gray", "sedan", 2023),
)  # fmt: skip

#: Average speed between cameras including signals (m/s, about 28 mph).
_ROUTE_SPEED_MS = 12.5
#: Cerritos station reporting districts (from the LASD incident data) used in local case numbers.
_CERRITOS_RDS = ("2310", "2311", "2312", "2313", "2314", "2316", "2317", "2318", "2319", "2320", "2321")


def _age_ca(rng: np.random.Generator, plates: list[str]) -> list[str]:
    """Give California sequential plates (``#@@@###``) a realistic first digit: it encodes the plate's age."""
    digits = rng.choice(len(_CA_FIRST_DIGIT), size=len(plates), p=_CA_FIRST_DIGIT_P)
    return [
        _CA_FIRST_DIGIT[d][0] + p[1:] if _CA_SEQUENTIAL.fullmatch(p) else p
        for p, d in zip(plates, digits.tolist(), strict=True)
    ]


def random_plates(rng: np.random.Generator, n: int, region: str) -> list[str]:
    """``n`` random plates in ``region``'s format (CA, AZ, NV, OR via ``rtcc.bench._gen``; a few more states here)."""
    if region in _gen.states():
        plates = _gen.plates(rng, n, region)
        return _age_ca(rng, plates) if region == "CA" else plates
    pattern = _EXTRA_PATTERNS.get(region)
    if pattern is None:
        raise ValueError(f"no plate pattern for region {region!r}")
    letters = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ", dtype=np.uint8)
    digits = np.frombuffer(b"0123456789", dtype=np.uint8)
    out = np.empty((n, len(pattern)), dtype=np.uint8)
    for pos, sym in enumerate(pattern):
        pool = letters if sym == "@" else digits
        out[:, pos] = pool[rng.integers(0, len(pool), size=n)]
    return [row.tobytes().decode("ascii") for row in out]


def misread(rng: np.random.Generator, plate: str) -> str:
    """The plate with one character replaced by another of its OCR confusion class (unchanged if none is)."""
    return _gen.misread(rng, plate)


def _regions(rng: np.random.Generator, n: int, mix: tuple[tuple[str, float], ...]) -> NDArray[np.int64]:
    p = np.array([s for _, s in mix])
    return rng.choice(len(mix), size=n, p=p / p.sum())


def _plates_for(
    rng: np.random.Generator, region_idx: NDArray[np.int64], mix: tuple[tuple[str, float], ...]
) -> list[str]:
    """One random plate per row, in that row's region (vectorised per region)."""
    out: list[str] = [""] * len(region_idx)
    for r, (code, _) in enumerate(mix):
        rows = np.flatnonzero(region_idx == r)
        if rows.size:
            for row, plate in zip(rows.tolist(), random_plates(rng, rows.size, code), strict=True):
                out[row] = plate
    return out


def _minute_weights(hourly: tuple[float, ...]) -> NDArray[np.float64]:
    """Per-minute share of the day (sums to 1): hourly values at hour midpoints, linear in between, circular."""
    h = np.asarray(hourly, dtype=np.float64)
    t = (np.arange(1440) + 0.5) / 60.0  # hour-of-day of each minute's middle
    xp = np.concatenate(([-0.5], np.arange(24) + 0.5, [24.5]))
    fp = np.concatenate(([h[-1]], h, [h[0]]))
    w = np.interp(t, xp, fp)
    out: NDArray[np.float64] = w / w.sum()
    return out


_WEEKDAY_MINUTES = _minute_weights(WEEKDAY_HOURLY)
_WEEKEND_MINUTES = _minute_weights(WEEKEND_HOURLY) * WEEKEND_FACTOR


def day_share(local: datetime) -> float:
    """Share of a typical weekday's traffic that falls in the local minute containing ``local`` (Pacific time)."""
    minute = local.hour * 60 + local.minute
    table = _WEEKEND_MINUTES if local.weekday() >= 5 else _WEEKDAY_MINUTES
    return float(table[minute])


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


@dataclass
class _Fleet:
    """Vehicle attribute columns (indices into the fleet/colour tables) plus plates and regions."""

    plates: list[str]
    regions: list[str]
    model_idx: NDArray[np.int64]
    color_idx: NDArray[np.int64]
    fixed: dict[int, tuple[str | None, str | None, str | None, str | None]] = field(default_factory=dict)


class TrafficModel:
    """Seeded simulator of plate reads at the demo cameras (see the module docstring for the calibration)."""

    def __init__(
        self,
        rng: np.random.Generator,
        cameras: Sequence[DemoCamera] | None = None,
        *,
        hotlist: Sequence[DemoHotlistEntry] = (),
        circulating: int = 0,
        misread_rate: float = MISREAD_RATE,
        low_confidence_rate: float = LOW_CONFIDENCE_RATE,
        regular_share: float = REGULAR_SHARE,
        volume_scale: float = 1.0,
    ) -> None:
        """Build the regular pool. Plates of ``hotlist`` are kept out of background traffic (same OCR class), except
        ``circulating`` listed vehicles (stolen vehicles/plates) that join the regulars so hits keep occurring.

        ``volume_scale`` thins the city: every camera's volume and the regular pool shrink by it, so each regular
        vehicle still passes its cameras about twice a day (the demo's history uses a few per cent)."""
        if not 0 < volume_scale <= 1:
            raise ValueError("volume_scale must be in (0, 1]")
        self._rng = rng
        self.cameras: tuple[DemoCamera, ...] = tuple(cameras if cameras is not None else world.cameras())
        if not self.cameras:
            raise ValueError("the traffic model needs at least one camera")
        self._code_index = {c.code: i for i, c in enumerate(self.cameras)}
        self.misread_rate = misread_rate
        self.low_confidence_rate = low_confidence_rate
        self.regular_share = regular_share
        self._volumes = np.array([c.daily_volume for c in self.cameras], dtype=np.float64) * volume_scale

        candidates = [e for e in hotlist if e.category in ("stolen_vehicle", "stolen_plate")]
        scheduled = {e.plate for e in _SCHEDULED_ENTRIES}
        candidates = [e for e in candidates if e.plate not in scheduled]
        n_pick = min(max(circulating, 0), len(candidates))
        picks = sorted(rng.choice(len(candidates), size=n_pick, replace=False).tolist()) if n_pick else []
        self.circulating: tuple[DemoHotlistEntry, ...] = tuple(candidates[i] for i in picks)
        circulating_ocr = {ocr_class(e.plate) for e in self.circulating}
        self._reserved: frozenset[str] = (
            frozenset({ocr_class(e.plate) for e in hotlist} | {ocr_class(v.plate) for v in SCHEDULED}) - circulating_ocr
        )
        self._build_regulars()

    # -- construction ---------------------------------------------------------------------------------------------

    def _fresh_plates(self, n: int, mix: tuple[tuple[str, float], ...], taken: set[str]) -> tuple[list[str], list[str]]:
        """``n`` plates (and their regions) whose OCR class is neither reserved nor in ``taken``; updates ``taken``."""
        plates: list[str] = []
        regions: list[str] = []
        while len(plates) < n:
            need = n - len(plates)
            idx = _regions(self._rng, need, mix)
            for plate, r in zip(_plates_for(self._rng, idx, mix), idx.tolist(), strict=True):
                key = ocr_class(plate)
                if key in self._reserved or key in taken:
                    continue
                taken.add(key)
                plates.append(plate)
                regions.append(mix[r][0])
        return plates, regions

    def _build_regulars(self) -> None:
        rng = self._rng
        n_cams = len(self.cameras)
        k_choices = np.array([1, 2, 3])
        k_p = np.array([0.3, 0.4, 0.3])
        reads_per_day = float(self._volumes.sum()) * self.regular_share
        n_regular = max(1, round(reads_per_day / PASSES_PER_DAY / float((k_choices * k_p).sum())))
        taken: set[str] = set()
        plates, regions = self._fresh_plates(n_regular, REGULAR_REGIONS, taken)
        model_idx = rng.choice(len(_MODEL_ROWS), size=n_regular, p=_MODEL_P)
        color_idx = rng.choice(len(_COLOR_NAMES), size=n_regular, p=_COLOR_P)
        fleet = _Fleet(plates, regions, model_idx, color_idx)
        for entry in self.circulating:
            if entry.make is not None:  # a stolen plate's carrier is unknown: it gets a random look below
                fleet.fixed[len(fleet.plates)] = (entry.make, entry.model, entry.color, entry.vehicle_type)
            fleet.plates.append(entry.plate)
            fleet.regions.append(entry.region)
        n_total = len(fleet.plates)
        fleet.model_idx = np.concatenate(
            [model_idx, rng.choice(len(_MODEL_ROWS), size=n_total - n_regular, p=_MODEL_P)]
        )
        fleet.color_idx = np.concatenate(
            [color_idx, rng.choice(len(_COLOR_NAMES), size=n_total - n_regular, p=_COLOR_P)]
        )

        # Each vehicle uses a home camera (by volume) plus 0-2 of the home camera's nearest neighbours.
        lat = np.array([c.lat for c in self.cameras])
        lon = np.array([c.lon for c in self.cameras])
        d = np.hypot((lat[:, None] - lat[None, :]) * 111_000.0, (lon[:, None] - lon[None, :]) * 92_500.0)
        neighbours = np.argsort(d, axis=1, kind="stable")[:, 1 : min(5, n_cams)]
        home = rng.choice(n_cams, size=n_total, p=self._volumes / self._volumes.sum())
        extra = rng.choice(k_choices, size=n_total, p=k_p) - 1
        members: list[list[int]] = [[] for _ in range(n_cams)]
        for v in range(n_total):
            h = int(home[v])
            members[h].append(v)
            if extra[v] and neighbours.shape[1]:
                chosen = rng.choice(neighbours.shape[1], size=min(int(extra[v]), neighbours.shape[1]), replace=False)
                for j in sorted(chosen.tolist()):
                    members[int(neighbours[h, j])].append(v)
        self._fleet = fleet
        self._members = [np.array(m, dtype=np.int64) for m in members]
        logger.debug("traffic model: %d regular vehicles over %d cameras", n_total, n_cams)

    # -- public API -----------------------------------------------------------------------------------------------

    @property
    def regular_count(self) -> int:
        """Vehicles in the regular pool (including circulating hotlisted vehicles)."""
        return len(self._fleet.plates)

    def regular_plates(self) -> list[str]:
        """The plates of the regular pool (circulating hotlisted vehicles excluded)."""
        return list(self._fleet.plates[: len(self._fleet.plates) - len(self.circulating)])

    def reseed(self, rng: np.random.Generator) -> None:
        """Draw the following reads from ``rng`` (the regular pool stays): a day's reads can then be regenerated
        exactly from a per-day generator, whatever was drawn before."""
        self._rng = rng

    def expected_count(self, start: datetime, end: datetime, speedup: float = 1.0) -> NDArray[np.float64]:
        """Expected reads per camera in [start, end) (the Poisson means ``reads_between`` draws from)."""
        lam, _, _ = self._intensity(start, end, speedup)
        out: NDArray[np.float64] = lam.sum(axis=1)
        return out

    def reads_between(self, start: datetime, end: datetime, speedup: float = 1.0) -> list[DemoRead]:
        """Background reads observed in [start, end) at all cameras, sorted by time; ``speedup`` scales the rate."""
        lam, bin_start, bin_len = self._intensity(start, end, speedup)
        if lam.size == 0:
            return []
        rng = self._rng
        counts = rng.poisson(lam)
        cam_idx = np.repeat(np.repeat(np.arange(lam.shape[0]), lam.shape[1]), counts.ravel())
        bin_idx = np.repeat(np.tile(np.arange(lam.shape[1]), lam.shape[0]), counts.ravel())
        n = int(cam_idx.size)
        if n == 0:
            return []
        offsets = bin_start[bin_idx] + rng.random(n) * bin_len[bin_idx]  # seconds after ``start``
        order = np.argsort(offsets, kind="stable")
        cam_idx, offsets = cam_idx[order], offsets[order]

        # Which vehicle: a regular of that camera, or a transient.
        is_regular = rng.random(n) < self.regular_share
        vehicle = np.full(n, -1, dtype=np.int64)
        for cam in range(len(self.cameras)):
            rows = np.flatnonzero(is_regular & (cam_idx == cam))
            pool = self._members[cam]
            if rows.size and pool.size:
                vehicle[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
        transient_rows = np.flatnonzero(vehicle < 0)
        t_plates, t_regions = self._fresh_plates(transient_rows.size, TRANSIENT_REGIONS, set())
        t_models = rng.choice(len(_MODEL_ROWS), size=transient_rows.size, p=_MODEL_P)
        t_colors = rng.choice(len(_COLOR_NAMES), size=transient_rows.size, p=_COLOR_P)
        transient_at = {int(row): i for i, row in enumerate(transient_rows.tolist())}

        # Read quality.
        misread_flag = rng.random(n) < self.misread_rate
        low_conf = rng.random(n) < self.low_confidence_rate
        conf = np.clip(rng.normal(92.0, 3.5, size=n), 80.0, 99.6)
        conf = np.where(low_conf, rng.uniform(55.0, 80.0, size=n), conf)
        conf = np.where(misread_flag, np.clip(rng.normal(84.0, 5.0, size=n), 62.0, 95.0), conf)
        no_make = rng.random(n) < NO_MAKE_RATE
        alt_draw = rng.random(n)
        alt_drop = rng.uniform(3.0, 15.0, size=n)

        start_utc = _require_aware(start, "start")
        reads: list[DemoRead] = []
        fleet = self._fleet
        for i in range(n):
            v = int(vehicle[i])
            if v >= 0:
                plate, region = fleet.plates[v], fleet.regions[v]
                fixed = fleet.fixed.get(v)
                if fixed is not None:
                    make, model, color, vtype = fixed
                else:
                    make, model, vtype = _MODEL_ROWS[int(fleet.model_idx[v])]
                    color = _COLOR_NAMES[int(fleet.color_idx[v])]
            else:
                t = transient_at[i]
                plate, region = t_plates[t], t_regions[t]
                make, model, vtype = _MODEL_ROWS[int(t_models[t])]
                color = _COLOR_NAMES[int(t_colors[t])]
            c = round(float(conf[i]), 1)
            text = misread(rng, plate) if misread_flag[i] else plate
            cands: list[tuple[str, float]] = [(text, c)]
            if text != plate and alt_draw[i] < 0.7:
                cands.append((plate, round(c - float(alt_drop[i]), 1)))
            elif text == plate and alt_draw[i] < 0.4:
                alt = misread(rng, plate)
                if alt != plate:
                    cands.append((alt, round(c - float(alt_drop[i]) * 2.0, 1)))
            reads.append(
                DemoRead(
                    camera_code=self.cameras[int(cam_idx[i])].code,
                    plate=text,
                    region=region,
                    confidence=c,
                    observed_at=start_utc + timedelta(seconds=float(offsets[i])),
                    make=None if no_make[i] else make,
                    model=None if no_make[i] else model,
                    color=color or "unknown",
                    vehicle_type=vtype or "unknown",
                    candidates=tuple(cands),
                    true_plate=plate,
                )
            )
        return reads

    def schedule_hotlisted(self, start: datetime, vehicles: Sequence[ScheduledVehicle] = SCHEDULED) -> list[DemoRead]:
        """Reads of the scripted vehicles driving their routes from ``start`` (sorted by time); the default
        scenario's first reads all fall within 60 s of ``start``."""
        start_utc = _require_aware(start, "start")
        rng = self._rng
        reads: list[DemoRead] = []
        for veh in vehicles:
            route = [world.camera(code) for code in veh.route]
            at = start_utc + timedelta(seconds=veh.first_offset_s + float(rng.uniform(0.0, 4.0)))
            for n, cam in enumerate(route):
                if n:
                    prev = route[n - 1]
                    metres = world.distance_m(prev.lat, prev.lon, cam.lat, cam.lon)
                    travel = metres / _ROUTE_SPEED_MS * float(rng.uniform(1.0, 1.2)) + float(rng.uniform(20.0, 60.0))
                    at += timedelta(seconds=travel)
                if n == 0 and veh.misread_as is not None:
                    c = round(float(rng.uniform(84.0, 88.0)), 1)
                    text = veh.misread_as
                    cands: tuple[tuple[str, float], ...] = (
                        (text, c),
                        (veh.plate, round(c - float(rng.uniform(1.5, 4.0)), 1)),
                    )
                else:
                    c = round(float(rng.uniform(91.0, 97.5)), 1)
                    text = veh.plate
                    cands = ((text, c),)
                reads.append(
                    DemoRead(
                        camera_code=cam.code,
                        plate=text,
                        region=veh.region,
                        confidence=c,
                        observed_at=at,
                        make=veh.make,
                        model=veh.model,
                        color=veh.color,
                        vehicle_type=veh.vehicle_type,
                        candidates=cands,
                        true_plate=veh.plate,
                        scenario=veh.scenario,
                    )
                )
        reads.sort(key=lambda r: r.observed_at)
        return reads

    # -- internals ------------------------------------------------------------------------------------------------

    def _intensity(
        self, start: datetime, end: datetime, speedup: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Poisson means per (camera, minute bin) over [start, end), with each bin's offset and length in seconds."""
        start_utc, end_utc = _require_aware(start, "start"), _require_aware(end, "end")
        if speedup <= 0 or not math.isfinite(speedup):
            raise ValueError("speedup must be a positive number")
        empty = np.zeros(0)
        if end_utc <= start_utc:
            return np.zeros((len(self.cameras), 0)), empty, empty
        first = start_utc.replace(second=0, microsecond=0)
        edges: list[datetime] = []
        t = first
        while t < end_utc:
            edges.append(t)
            t += _MINUTE
        shares = np.array([day_share(e.astimezone(_PACIFIC)) for e in edges])
        lo = np.array([max((e - start_utc).total_seconds(), 0.0) for e in edges])
        hi = np.array([min((e + _MINUTE - start_utc).total_seconds(), (end_utc - start_utc).total_seconds())
                       for e in edges])  # fmt: skip
        frac = (hi - lo) / 60.0
        lam = self._volumes[:, None] * (shares * frac * speedup)[None, :]
        return lam, lo, hi - lo


def demo_hotlist(rng: np.random.Generator, size: int = 300) -> list[DemoHotlistEntry]:
    """About ``size`` demo hotlist entries over ``DEMO_HOTLISTS`` (stolen vehicles and plates, felony vehicles, wanted
    persons, an AMBER alert), including the plates the scripted ``SCHEDULED`` vehicles are listed under."""
    entries: list[DemoHotlistEntry] = list(_SCHEDULED_ENTRIES)
    taken = {ocr_class(e.plate) for e in entries} | {ocr_class(v.plate) for v in SCHEDULED}
    n_rest = max(size - len(entries), 4)
    # Mix: 74 % stolen vehicles, 20 % stolen plates, 4 % felony vehicles, 1 wanted person, 1 AMBER alert.
    n_amber, n_wanted = 1, 1
    n_felony = max(1, round(0.04 * n_rest))
    n_plate = max(1, round(0.20 * n_rest))
    n_stolen = max(1, n_rest - n_amber - n_wanted - n_felony - n_plate)
    cats = (
        ["stolen_vehicle"] * n_stolen
        + ["stolen_plate"] * n_plate
        + ["felony_vehicle"] * n_felony
        + ["wanted_person"] * n_wanted
        + ["amber_alert"] * n_amber
    )
    region_idx = _regions(rng, len(cats), TRANSIENT_REGIONS)
    plates = _plates_for(rng, region_idx, TRANSIENT_REGIONS)
    models = rng.choice(len(_MODEL_ROWS), size=len(cats), p=_MODEL_P)
    colors = rng.choice(len(_COLOR_NAMES), size=len(cats), p=_COLOR_P)
    years = rng.integers(2006, 2025, size=len(cats))
    felony_reasons = (
        "Felony vehicle: used in an armed robbery (PC 211)",
        "Felony vehicle: hit-and-run with injury (VC 20001)",
        "Felony vehicle: catalytic converter thefts, suspects flee at speed",
        "Felony vehicle: assault with a deadly weapon (PC 245)",
    )
    for i, cat in enumerate(cats):
        plate = plates[i]
        if ocr_class(plate) in taken:
            continue  # a duplicate or look-alike of a plate already listed: skip rather than confuse the demo
        taken.add(ocr_class(plate))
        region = TRANSIENT_REGIONS[int(region_idx[i])][0]
        make: str | None = _MODEL_ROWS[int(models[i])][0]
        model: str | None = _MODEL_ROWS[int(models[i])][1]
        vtype: str | None = _MODEL_ROWS[int(models[i])][2]
        color: str | None = _COLOR_NAMES[int(colors[i])]
        year: int | None = int(years[i])
        nic = f"{int(rng.integers(0, 10**9)):09d}"
        urn = f"9{int(rng.integers(22, 26)):02d}-{int(rng.integers(0, 10**5)):05d}-{rng.choice(_CERRITOS_RDS)}"
        if cat == "stolen_vehicle":
            reason, case = "Stolen vehicle", f"V{nic}"
        elif cat == "stolen_plate":
            # The plate was taken off a car; the vehicle now carrying it is unknown.
            reason, case = "Stolen license plate", f"P{nic}"
            make = model = color = vtype = None
            year = None
        elif cat == "felony_vehicle":
            reason, case = felony_reasons[int(rng.integers(0, len(felony_reasons)))], f"F{nic}"
        elif cat == "wanted_person":
            reason, case = "Registered owner wanted: felony warrant, vehicle theft (VC 10851)", urn
        else:
            reason, case = "AMBER Alert: child abduction, suspect vehicle; notify immediately", f"A{nic}"
        entries.append(
            DemoHotlistEntry(
                hotlist=_LIST_BY_CATEGORY[cat],
                category=cat,
                plate=plate,
                region=region,
                reason=reason,
                case_number=case,
                make=make,
                model=model,
                color=color,
                vehicle_type=vtype,
                year=year,
            )
        )
    return entries
