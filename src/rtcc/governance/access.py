"""Access records of ALPR information shown outside plate search (Cal. Civ. Code §1798.90.52: a record of every
access, with its purpose): the alert queue, the live stream and its replay, hotlist entry lists and the log of
sharing requests.

Each screen declares the purpose it is used under (a code of the governance purpose list, and a case number where the
code demands one); ``check`` refuses a missing, unknown or forbidden purpose before any data is read, naming the field
(422/403). Once the response is known, ``record`` appends ONE ``alpr.access`` audit entry per response that lists the
plates shown (normalised, each once), the surface, the purpose and the case number: a page of 100 alerts is one row,
not 100. A response that shows no plate writes nothing (an empty page accesses no ALPR information).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.service import Actor
from rtcc.core.plates import normalise
from rtcc.governance import service
from rtcc.governance.logic import Purpose, normalise_case

#: The audit action of an access record.
ACCESS_ACTION = "alpr.access"
#: Most plates one record lists (a larger response records the count and this many plates, in order).
MAX_LISTED = 5000


def check(session: Session, *, purpose: str | None, case_number: str | None) -> Purpose:
    """The purpose a screen proceeds under; raises ValidationFailed/PermissionDenied naming the field otherwise."""
    return service.require_purpose(session, purpose=purpose, case_number=case_number)


def plates_of(values: Iterable[str | None]) -> list[str]:
    """The distinct normalised plates among ``values`` (blanks dropped), in first-seen order."""
    seen: dict[str, None] = {}
    for v in values:
        if v:
            norm = normalise(v)
            if norm:
                seen.setdefault(norm, None)
    return list(seen)


def record(
    session: Session,
    actor: Actor,
    *,
    surface: str,
    purpose: Purpose,
    case_number: str | None,
    plates: Iterable[str | None],
    extra: dict[str, Any] | None = None,
) -> bool:
    """Append one ``alpr.access`` entry listing the plates shown by one response; False when none was shown."""
    shown = plates_of(plates)
    if not shown:
        return False
    details: dict[str, Any] = {
        "surface": surface,
        "purpose": purpose.code,
        "case_number": normalise_case(case_number),
        "plates": shown[:MAX_LISTED],
        "plate_count": len(shown),
    }
    if extra:
        details.update(extra)
    audit.record_for(session, actor, ACCESS_ACTION, target_type="alpr_plates", target_id=surface, details=details)
    return True
