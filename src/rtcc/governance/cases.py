"""Whether a case number names a real case: the check behind every access that a case number unlocks (a live camera
view for a case, a search beyond a purpose's case-free bounds, a legal hold).

A case number is free text in a form; checking its format (``logic.CASE_NUMBER_RE``) only proves it looks like one,
and a made-up number unlocked as much as a real one. A case is on record when the agency's own records name it: a
call for service in CAD under that number (the CAD incident number), or a hotlist entry filed under it. The sources
are other domains' published reads (``dispatch.queries``, ``hotlists.queries``), compared trimmed and upper case.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtcc.core.errors import ValidationFailed, field_error
from rtcc.dispatch.queries import CALLS
from rtcc.governance.logic import Purpose, normalise_case, within_case_free_bounds
from rtcc.hotlists.queries import ENTRIES


def case_on_record(session: Session, case_number: str | None) -> bool:
    """True when a CAD call or a hotlist entry carries ``case_number`` (trimmed, case-insensitive)."""
    case = normalise_case(case_number)
    if case is None:
        return False
    call = session.scalar(select(CALLS.c.id).where(func.upper(CALLS.c.number) == case).limit(1))
    if call is not None:
        return True
    entry = session.scalar(select(ENTRIES.c.id).where(func.upper(func.trim(ENTRIES.c.case_number)) == case).limit(1))
    return entry is not None


def require_case(session: Session, case_number: str | None, *, why: str) -> str:
    """The normalised case number when it is on record; ValidationFailed naming ``case_number`` otherwise."""
    case = normalise_case(case_number)
    if case is None:
        msg = f"case_number: required ({why})"
        raise ValidationFailed(msg, errors=[field_error("case_number", "required")])
    if not case_on_record(session, case):
        msg = f"case_number: {case} is not a case on record (no CAD call or hotlist entry under it); {why}"
        raise ValidationFailed(msg, errors=[field_error("case_number", "not a case on record")])
    return case


def require_bounded_or_case(
    session: Session,
    purpose: Purpose,
    *,
    case_number: str | None,
    radius_m: float | None,
    window_h: float | None,
    area: bool = True,
) -> str | None:
    """A search either stays inside its purpose's case-free bounds (policy data: ``Purpose.case_free_radius_m`` /
    ``case_free_window_h``; see ``logic.within_case_free_bounds``) or names a case on record; ValidationFailed naming
    ``case_number`` otherwise. ``area=True``: an area search (stakeout, common plates), bounded in reach and time;
    ``area=False``: a plate search (plate search, export, vehicle history, co-travel), bounded in time (``window_h``
    None: no start given). Returns the case relied on (None when the search is within bounds)."""
    if within_case_free_bounds(purpose, radius_m=radius_m, window_h=window_h, area=area):
        return None
    kind = "area" if area else "plate"
    if purpose.case_free_window_h is None or (area and purpose.case_free_radius_m is None):
        why = f"purpose {purpose.code!r} allows no {kind} search without a case on record"
    elif area:
        reach = "cameras anywhere" if radius_m is None else f"{radius_m:.0f} m"
        why = (
            f"purpose {purpose.code!r} allows area searches without a case on record up to "
            f"{purpose.case_free_radius_m:.0f} m and {purpose.case_free_window_h:g} h; this one reaches {reach} "
            f"over {window_h:g} h"
        )
    else:
        span = "all time (no start given)" if window_h is None else f"{window_h:g} h"
        why = (
            f"purpose {purpose.code!r} allows plate searches without a case on record over at most "
            f"{purpose.case_free_window_h:g} h (give start and end); this one spans {span}"
        )
    return require_case(session, case_number, why=why)
