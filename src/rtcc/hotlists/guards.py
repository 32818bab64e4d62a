"""The checks a hotlist change must pass before it is stored, and the cost report behind the tolerance choice.

A list's tolerance (``max_diff``) must suit its size and feeds (``hotlists.tolerance``: k >= 1 is for small lists;
a large or NCIC/CLEW-fed list needs ``allow_large_fuzzy``), and a refusal names the false alerts it would cost,
estimated from the list's own plates; an entry added by hand must not repeat an identical one. Used by the service
(create, update, add an entry) and by imports; reads only this domain's repository and the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.errors import NotFound, invalid
from rtcc.hotlists import repository, tolerance
from rtcc.hotlists.logic import entry_fingerprint, extra_json
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.hotlists.schemas import ToleranceOption, ToleranceReport


def last_import_format(session: Session, hotlist_id: uuid.UUID) -> str | None:
    """The format of the file the list was last imported from (its latest ``hotlist.import`` audit entry), or None."""
    found = audit.search(session, actions=["hotlist.import"], target_type="hotlist", target_id=str(hotlist_id), limit=1)
    return str(found[0].details.get("format")) if found and found[0].details else None


def _percent(rate: float) -> str:
    return f"{rate * 100:.2g} %" if rate < 0.1 else f"{rate * 100:.0f} %"


def tolerance_refusal(
    *,
    max_diff: int,
    allow_large_fuzzy: bool,
    entries: int,
    formats: Sequence[str | None],
    plates: Callable[[], Sequence[str]] | None = None,
) -> str | None:
    """Why a list may not match with tolerance ``max_diff`` at this size and with these feeds, or None if it may.

    With ``plates`` (the list's plates, fetched only when needed) the reason names the estimated false-hit rate.
    """
    if allow_large_fuzzy:
        return None
    why = tolerance.confirmation_needed(max_diff, entries, formats)
    if why is None:
        return None
    cost = ""
    if plates is not None and entries:
        [est] = tolerance.estimate_false_hits(plates(), [max_diff], entries=entries)
        cost = f" (expected false alerts: about {_percent(est.false_hit_rate)} of ordinary reads)"
    return f"{why}{cost}; keep tolerance 0, or set allow_large_fuzzy to accept the false hits"


def check_tolerance(session: Session, hotlist: Hotlist | None, **kw: Any) -> None:
    """Raise ``ValidationFailed`` on ``max_diff`` when ``tolerance_refusal`` refuses (keywords as there)."""
    plates = None if hotlist is None else (lambda: repository.entry_plates(session, hotlist.id))
    why = tolerance_refusal(plates=plates, **kw)
    if why is not None:
        raise invalid("max_diff", why)


def _fingerprint_of(entry: HotlistEntry) -> bytes:
    return entry_fingerprint(
        entry.plate,
        entry.region,
        entry.reason,
        entry.case_number,
        entry.expires_at,
        entry.vehicle_make,
        entry.vehicle_model,
        entry.vehicle_color,
        entry.vehicle_type,
        entry.vehicle_year,
        extra_json(entry.extra or {}),
    )


def identical_entry(session: Session, entry: HotlistEntry) -> int | None:
    """The id of a stored entry of the same list identical to ``entry`` (everything an import compares), or None."""
    want = _fingerprint_of(entry)
    for other in repository.entries_with_plate(session, entry.hotlist_id, entry.plate_norm):
        if _fingerprint_of(other) == want:
            return other.id
    return None


def tolerance_report(session: Session, hotlist_id: uuid.UUID) -> ToleranceReport:
    """What each tolerance (k = 0, 1, 2) would cost on this list, estimated from its own plates."""
    hotlist = repository.get_hotlist(session, hotlist_id)
    if hotlist is None:
        raise NotFound(f"no hotlist {hotlist_id}")
    plates = repository.entry_plates(session, hotlist.id)
    formats = [hotlist.refresh_format, last_import_format(session, hotlist.id)]
    options = [
        ToleranceOption(
            max_diff=est.max_diff,
            max_entries=tolerance.fuzzy_limit(est.max_diff),
            needs_confirmation=tolerance.confirmation_needed(est.max_diff, len(plates), formats),
            estimated_false_hit_rate=round(est.false_hit_rate, 6),
            estimated_false_hits_per_10k_reads=round(est.false_hit_rate * 10_000, 1),
        )
        for est in tolerance.estimate_false_hits(plates, range(tolerance.MAX_DIFF_LIMIT + 1))
    ]
    return ToleranceReport(
        hotlist_id=hotlist.id,
        entries=len(plates),
        max_diff=hotlist.max_diff,
        allow_large_fuzzy=hotlist.allow_large_fuzzy,
        method="formula: unlisted reads modelled on the list's own plate formats and characters (hotlists.tolerance)",
        options=options,
    )
