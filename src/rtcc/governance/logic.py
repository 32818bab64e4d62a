"""Pure governance rules: the purpose codes a search must carry, and the check of a purpose and case number.

California's ALPR law (Civ. Code §1798.90.5 ff.) requires a record of the purpose of every access. A free-text reason
proves nothing, so a search names a code from a configured list; some codes demand a case or incident number, and
some purposes are listed only to be refused (immigration enforcement: California law bars sharing for it), so that a
refused attempt is visible to auditors rather than silently impossible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rtcc.core.errors import PermissionDenied, ValidationFailed, field_error

#: A case or incident number: letters, digits and - / . ; 3 to 40 characters (e.g. 2026-001234, CER26-0042).
CASE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/.]{2,39}$")


@dataclass(frozen=True)
class Purpose:
    """One purpose code. ``allowed=False`` marks a purpose the policy forbids (listed so refusals are recorded)."""

    code: str
    label: str
    requires_case: bool
    allowed: bool = True
    description: str = ""
    #: How far (metres from the area's centre) and how long (hours) an area search (stakeout, common plates) may
    #: reach under this purpose without a case on record, and how long a plate search (plate search, export,
    #: vehicle history, co-travel) may span; None: such a search always needs a case on record.
    case_free_radius_m: float | None = None
    case_free_window_h: float | None = None


DEFAULT_PURPOSES: tuple[Purpose, ...] = (
    Purpose("stolen_vehicle", "Stolen vehicle", requires_case=True, case_free_radius_m=2000, case_free_window_h=24),
    Purpose(
        "felony_investigation",
        "Felony investigation",
        requires_case=True,
        case_free_radius_m=2000,
        case_free_window_h=24,
    ),
    Purpose(
        "misdemeanor_investigation",
        "Misdemeanor investigation",
        requires_case=True,
        case_free_radius_m=1000,
        case_free_window_h=12,
    ),
    Purpose(
        "missing_person",
        "Missing or at-risk person",
        requires_case=True,
        case_free_radius_m=5000,
        case_free_window_h=48,
    ),
    Purpose("amber_alert", "AMBER alert", requires_case=False, case_free_radius_m=10_000, case_free_window_h=24),
    Purpose("silver_alert", "Silver alert", requires_case=False, case_free_radius_m=5000, case_free_window_h=24),
    Purpose(
        "wanted_person", "Wanted person (warrant)", requires_case=True, case_free_radius_m=2000, case_free_window_h=24
    ),
    Purpose(
        "hit_verification", "Verify an ALPR hit", requires_case=False, case_free_radius_m=500, case_free_window_h=2
    ),
    Purpose(
        "officer_safety", "Officer safety / BOLO", requires_case=False, case_free_radius_m=1000, case_free_window_h=4
    ),
    Purpose("audit_review", "Audit or compliance review", requires_case=False),
    Purpose(
        "alarm_response",
        "Alarm response",
        requires_case=False,
        description="The reads and cameras near an alarmed premise around a burglary alarm, for the responding call.",
        case_free_radius_m=1000,
        case_free_window_h=2,
    ),
    Purpose(
        "immigration_enforcement",
        "Immigration enforcement",
        requires_case=False,
        allowed=False,
        description="Forbidden: California law (SB 54, Gov. Code §7284.6; SB 34) bars ALPR use and sharing for it.",
    ),
)


#: Purposes state law bars outright: an administrator can reword them but never mark them allowed.
LEGALLY_FORBIDDEN: frozenset[str] = frozenset({"immigration_enforcement"})


def purposes_by_code(purposes: Iterable[Purpose]) -> dict[str, Purpose]:
    """Index a purpose list by code."""
    return {p.code: p for p in purposes}


def check_purpose(purposes: Mapping[str, Purpose], purpose: str | None, case_number: str | None) -> Purpose:
    """The purpose a search may proceed under, or an error naming the field.

    Raises ``ValidationFailed`` (field ``purpose`` or ``case_number``) for a missing or unknown code or a missing or
    malformed case number, and ``PermissionDenied`` for a purpose the policy forbids.
    """
    code = (purpose or "").strip()
    if not code:
        raise ValidationFailed(
            "purpose: a purpose code is required (free text alone is refused)",
            errors=[field_error("purpose", "required")],
        )
    found = purposes.get(code)
    if found is None:
        raise ValidationFailed(
            f"purpose: unknown purpose code {code!r}; choose one of {', '.join(sorted(purposes))}",
            errors=[field_error("purpose", "unknown purpose code")],
        )
    if not found.allowed:
        raise PermissionDenied(f"purpose: {found.label} is forbidden by the ALPR usage policy")
    case = (case_number or "").strip()
    if found.requires_case and not case:
        raise ValidationFailed(
            f"case_number: purpose {code!r} requires a case or incident number",
            errors=[field_error("case_number", "required for this purpose")],
        )
    if case and not CASE_NUMBER_RE.match(case):
        raise ValidationFailed(
            "case_number: 3-40 letters, digits, '-', '/' or '.'",
            errors=[field_error("case_number", "malformed case number")],
        )
    return found


def within_case_free_bounds(
    purpose: Purpose, *, radius_m: float | None, window_h: float | None, area: bool = True
) -> bool:
    """True when a search stays inside what ``purpose`` allows without a case on record.

    An area search (``area=True``: stakeout, common plates) reaches ``radius_m`` from its centre (None: unbounded,
    e.g. cameras anywhere) over ``window_h`` hours; both must stay inside the purpose's bounds. A plate search
    (``area=False``: exact or pattern plate search, export, vehicle history, co-travel) is keyed by the plate, and an
    area given with it only narrows it, so only its window counts. ``window_h`` None: unbounded in time (no start)."""
    if purpose.case_free_window_h is None or window_h is None or window_h > purpose.case_free_window_h:
        return False
    if not area:
        return True
    if purpose.case_free_radius_m is None or radius_m is None:
        return False
    return radius_m <= purpose.case_free_radius_m


def normalise_case(case_number: str | None) -> str | None:
    """A case number as compared across records: trimmed and upper case (None for blank)."""
    case = (case_number or "").strip().upper()
    return case or None


# --- sharing policy ---------------------------------------------------------------------------------------------------

#: The data classes another agency can ask for (names shared with the retention policy where they overlap).
DATA_CLASSES: tuple[str, ...] = ("reads_hit", "reads_nonhit", "images", "alerts", "hotlist_hits")


@dataclass(frozen=True)
class AgencyPolicy:
    """What the policy lets one agency ask for."""

    code: str
    active: bool
    data_classes: frozenset[str]
    purposes: frozenset[str]


@dataclass(frozen=True)
class SharingDecision:
    """The outcome of one sharing request: ``allow`` or ``deny``, a machine reason code and a sentence."""

    decision: str
    reason_code: str
    reason: str

    @property
    def allowed(self) -> bool:
        """True when the request may be answered."""
        return self.decision == "allow"


def _deny(code: str, reason: str) -> SharingDecision:
    return SharingDecision("deny", code, reason)


def decide_sharing(
    agency: AgencyPolicy | None,
    purposes: Mapping[str, Purpose],
    *,
    data_class: str,
    purpose: str,
    case_number: str | None,
) -> SharingDecision:
    """Decide a request from another agency. Deny by default: only an active, listed agency asking for one of its
    data classes under one of its purposes, with a permitted purpose and the case number it demands, is allowed.

    The forbidden-purpose check comes first, so that a request for immigration enforcement is always recorded as
    such, whoever asks.
    """
    found = purposes.get(purpose)
    if found is not None and not found.allowed:
        return _deny("forbidden_purpose", f"purpose {purpose!r} is forbidden by the ALPR usage policy")
    if agency is None:
        return _deny("unknown_agency", "the requesting agency is not on the sharing list")
    if not agency.active:
        return _deny("inactive_agency", f"sharing with agency {agency.code} is suspended")
    if data_class not in DATA_CLASSES:
        return _deny("unknown_data_class", f"unknown data class {data_class!r}")
    if data_class not in agency.data_classes:
        return _deny("data_class_not_allowed", f"agency {agency.code} may not receive {data_class}")
    if found is None:
        return _deny("unknown_purpose", f"unknown purpose code {purpose!r}")
    if purpose not in agency.purposes:
        return _deny("purpose_not_allowed", f"agency {agency.code} may not request data for {purpose}")
    case = (case_number or "").strip()
    if found.requires_case and not case:
        return _deny("case_required", f"purpose {purpose!r} requires a case or incident number")
    if case and not CASE_NUMBER_RE.match(case):
        return _deny("malformed_case_number", "case_number: 3-40 letters, digits, '-', '/' or '.'")
    return SharingDecision("allow", "allowed", f"agency {agency.code} may receive {data_class} for {purpose}")


# --- policy text ------------------------------------------------------------------------------------------------------


def text_blocks(text: str) -> list[tuple[str, str]]:
    """A small Markdown subset as blocks for the portal page: ``("h1"|"h2"|"li"|"p", text)``; paragraphs are joined
    lines, ``#``/``##`` lines are headings and ``-``/``*`` lines are list items. Everything stays plain text (the
    template escapes it), so the policy file cannot inject markup."""
    blocks: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("p", " ".join(para)))
            para.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## ") or line.startswith("### "):
            flush()
            blocks.append(("h2", line.lstrip("#").strip()))
        elif line.startswith("# "):
            flush()
            blocks.append(("h1", line[2:].strip()))
        elif line[:2] in ("- ", "* "):
            flush()
            blocks.append(("li", line[2:].strip()))
        else:
            para.append(line)
    flush()
    return blocks
