"""Pure rules of the rebate program: statuses and their transitions, the household address key, the automatic
eligibility checks (each with a reason code and a sentence for the applicant), the rebate amount, the budget and
waitlist arithmetic, the registration-commitment test and the fallback neighbourhood (city sector) of a point.

No database and no framework here: the service gathers the facts (the camera from the registry, whether the
household already holds a claim, the city boundary) and these functions decide.

Address normalisation (``household_key``): upper case; a trailing city/state/ZIP (", Cerritos, CA 90703") dropped;
punctuation dropped; street types and directions abbreviated the USPS way (Street -> ST, Avenue -> AVE,
North -> N ...); runs of spaces collapse. A unit designator (``APT``, ``UNIT``, ``#``, ``STE``, ``SPACE``, ``LOT``...)
and what follows it is kept in one canonical form, ``UNIT <n>``, because apartments are separate households:
"12 Main Street, Apt. 4" and "12 main st #4" give the same key, "12 Main St #5" another.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum


class Status(StrEnum):
    """Where an application stands. ``submitted`` is passed through on submission, when the checks run at once."""

    draft = "draft"
    submitted = "submitted"
    ineligible = "ineligible"
    eligible = "eligible"
    waitlisted = "waitlisted"
    approved = "approved"
    paid = "paid"
    denied = "denied"
    withdrawn = "withdrawn"


#: Statuses that hold the household's claim (a second application at the same address is ineligible meanwhile).
CLAIMING = frozenset({Status.submitted, Status.eligible, Status.waitlisted, Status.approved, Status.paid})
#: Statuses the applicant may still edit (upload proof) and (re)submit.
EDITABLE = frozenset({Status.draft, Status.ineligible})
#: Statuses the applicant may withdraw from.
WITHDRAWABLE = frozenset({Status.draft, Status.ineligible, Status.eligible, Status.waitlisted, Status.approved})
#: Statuses staff may deny.
DENIABLE = frozenset({Status.ineligible, Status.eligible, Status.waitlisted, Status.approved})
#: Statuses in the staff review queue.
QUEUE = (Status.eligible, Status.ineligible, Status.waitlisted)
#: Owner type of a registered camera that qualifies: the program pays toward home security cameras.
QUALIFYING_OWNER_TYPES = frozenset({"residential"})

# --- household key ---------------------------------------------------------------------------------------------------

_STREET_TYPES = {
    "STREET": "ST",
    "STR": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVN": "AVE",
    "BOULEVARD": "BLVD",
    "BLV": "BLVD",
    "ROAD": "RD",
    "DRIVE": "DR",
    "DRV": "DR",
    "LANE": "LN",
    "COURT": "CT",
    "CIRCLE": "CIR",
    "PLACE": "PL",
    "TERRACE": "TER",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "WAY": "WAY",
    "TRAIL": "TRL",
    "SQUARE": "SQ",
}
_DIRECTIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
_UNIT_WORDS = {"APT", "APARTMENT", "UNIT", "STE", "SUITE", "SPACE", "SPC", "NO", "NUMBER", "#", "LOT", "RM", "ROOM"}
_PUNCT = re.compile(r"[^\w# ]+")
_CITY_STATE_ZIP = re.compile(r",\s*[A-Z .]+,?\s*(?:[A-Z]{2}|[A-Z]{4,}(?: [A-Z]+)*)\.?\s*(\d{5}(-\d{4})?)?\s*$")
_SPACES = re.compile(r"\s+")


def household_key(address: str) -> str:
    """The normalised key of a street address (one household per key); see the module docstring for the rules."""
    text = address.upper().replace("#", " # ")
    # a trailing ", CERRITOS, CA 90703" or ", SPRINGFIELD, ILLINOIS" (city, state, ZIP) does not tell households
    # apart: the program is one city's, in any state
    text = _CITY_STATE_ZIP.sub("", text)
    text = re.sub(r"\s+\d{5}(-\d{4})?\s*$", "", text)
    text = _PUNCT.sub(" ", text)
    words = _SPACES.sub(" ", text).strip().split(" ")
    out: list[str] = []
    unit: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in _UNIT_WORDS and out:
            unit = [x for x in words[i + 1 :] if x not in _UNIT_WORDS]
            break
        out.append(_STREET_TYPES.get(w, _DIRECTIONS.get(w, w)) if out else w)
        i += 1
    key = " ".join(w for w in out if w)
    if unit:
        key += " UNIT " + " ".join(unit)
    return key


# --- eligibility -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CameraFacts:
    """What the camera registry says about the camera an application names (``found=False`` when unknown)."""

    found: bool
    owned_by_applicant: bool = False
    withdrawn: bool = False
    owner_type: str | None = None


@dataclass(frozen=True)
class EligibilityInput:
    """Everything the automatic checks look at, gathered by the service."""

    inside_city: bool
    household_taken: bool
    purchase_date: date
    today: date
    max_age_days: int
    program_start: date | None
    amount_cents: int
    proof_uploaded: bool
    camera: CameraFacts


@dataclass(frozen=True)
class Check:
    """One automatic check: ``code`` is stable (reason code), ``message`` is for people."""

    code: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        """The check as stored and returned over the API."""
        return {"code": self.code, "ok": self.ok, "message": self.message}


#: Every check code, in the order they are reported.
CHECK_CODES = (
    "inside_city",
    "one_per_household",
    "purchase_date",
    "amount",
    "proof_uploaded",
    "camera_registered",
    "camera_shared",
    "camera_type",
)


def _purchase_check(inp: EligibilityInput) -> Check:
    if inp.purchase_date > inp.today:
        return Check("purchase_date", False, "The purchase date lies in the future.")
    if inp.program_start is not None and inp.purchase_date < inp.program_start:
        return Check(
            "purchase_date",
            False,
            f"Purchases before the program start ({inp.program_start.isoformat()}) do not count.",
        )
    age = (inp.today - inp.purchase_date).days
    if age > inp.max_age_days:
        return Check(
            "purchase_date", False, f"The purchase is {age} days old; it must be at most {inp.max_age_days} days old."
        )
    return Check("purchase_date", True, "The purchase date lies within the program window.")


def _camera_checks(cam: CameraFacts) -> list[Check]:
    if not cam.found:
        return [
            Check("camera_registered", False, "The camera is not in the city's camera registry."),
            Check("camera_shared", False, "The camera is not in the registry, so it cannot be shared."),
            Check("camera_type", False, "The camera is not in the registry, so its type is unknown."),
        ]
    registered = (
        Check("camera_registered", True, "The camera is registered to you.")
        if cam.owned_by_applicant
        else Check("camera_registered", False, "The camera is registered to another account.")
    )
    shared = (
        Check("camera_shared", False, "The camera was withdrawn from the registry; re-register it to qualify.")
        if cam.withdrawn
        else Check("camera_shared", True, "The camera is registered and shared with the city.")
    )
    kind = (
        Check("camera_type", True, "A home security camera qualifies.")
        if cam.owner_type in QUALIFYING_OWNER_TYPES
        else Check("camera_type", False, f"Only home (residential) cameras qualify, not {cam.owner_type or 'unknown'}.")
    )
    return [registered, shared, kind]


def eligibility(inp: EligibilityInput) -> list[Check]:
    """Run every automatic check; the application is eligible when all are ok."""
    checks = [
        Check("inside_city", True, "The address lies inside the city.")
        if inp.inside_city
        else Check("inside_city", False, "The location lies outside the city boundary."),
        Check("one_per_household", False, "This household already has a rebate application or rebate.")
        if inp.household_taken
        else Check("one_per_household", True, "No other rebate for this household."),
        _purchase_check(inp),
        Check("amount", True, "The amount paid is positive.")
        if inp.amount_cents > 0
        else Check("amount", False, "The amount paid must be more than $0.00."),
        Check("proof_uploaded", True, "Proof of purchase is on file.")
        if inp.proof_uploaded
        else Check("proof_uploaded", False, "Upload a proof of purchase (PDF, JPEG or PNG)."),
        *_camera_checks(inp.camera),
    ]
    return checks


def is_eligible(checks: list[Check]) -> bool:
    """True when every check passed."""
    return all(c.ok for c in checks)


def rebate_amount(amount_cents: int, max_cents: int) -> int:
    """What the city pays: the amount paid, capped at ``max_cents`` (never negative)."""
    return max(0, min(amount_cents, max_cents))


# --- budget and waitlist ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """Program money in cents: ``committed`` is approved but not yet paid; ``paid`` has been paid out."""

    total: int
    committed: int
    paid: int

    @property
    def available(self) -> int:
        """What is left to commit (negative only if the total was cut below spending, which the service refuses)."""
        return self.total - self.committed - self.paid


def fits(budget: Budget, cents: int) -> bool:
    """True when the budget can commit ``cents`` more."""
    return cents <= budget.available


def promotions(budget: Budget, waitlist: list[int]) -> int:
    """How many waitlisted rebates (amounts in FIFO order) to promote: the head of the line while it fits.

    Strict FIFO: a later, smaller rebate never jumps a head of the line that does not fit.
    """
    available = budget.available
    n = 0
    for cents in waitlist:
        if cents > available:
            break
        available -= cents
        n += 1
    return n


# --- registration commitment -----------------------------------------------------------------------------------------


def add_years(when: datetime, years: int) -> datetime:
    """``when`` plus whole calendar years (29 February becomes 28 February in a common year)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def commitment_breach(
    approved_at: datetime, years: int, *, camera_found: bool, withdrawn_at: datetime | None
) -> str | None:
    """Why an approved/paid rebate breaks the registration commitment, or None when it keeps it (so far)."""
    if not camera_found:
        return "camera_deleted"
    if withdrawn_at is not None and withdrawn_at < add_years(approved_at, years):
        return "camera_withdrawn"
    return None


# --- neighbourhood fallback ------------------------------------------------------------------------------------------


def sector(lat: float, lon: float, center: tuple[float, float]) -> str:
    """The city sector of a point (fallback neighbourhood): 'Northeast sector', 'Northwest sector', 'Southeast
    sector' or 'Southwest sector' of the city centre (the middle of the boundary's bounding box)."""
    c_lat, c_lon = center
    ns = "North" if lat >= c_lat else "South"
    ew = "east" if lon >= c_lon else "west"
    return f"{ns}{ew} sector"


def valid_point(lat: float, lon: float) -> bool:
    """True for a finite WGS84 latitude/longitude."""
    return math.isfinite(lat) and math.isfinite(lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def today_utc(now: datetime) -> date:
    """The calendar date of ``now`` in UTC (purchase dates are calendar dates)."""
    return now.astimezone(UTC).date()
