"""Which divisions a request may see: a user's own division by default, every division for RTCC-wide roles, and an
audited reach into another division with a purpose.

Staff users belong to the division an administrator set on their account (``users.division``, a code of the city
profile's divisions). A role holding ``divisions:all`` (admin, auditor, the RTCC-wide ``rtcc_analyst`` and
``rtcc_supervisor``) sees every division. Any request may name ``?division=<code>``: an RTCC-wide user narrows the
view to that division; a divisional user asking for another division must give ``?purpose=`` too, and the reach is
written to the audit log (``division.reach``) before anything is read. A profile of one division (Cerritos' one
station) restricts nothing. Sensors', agencies' and alarm companies' API keys and community accounts are not scoped
by division: their own rules (camera codes, the sharing policy, their own records) decide what they reach.

The decision is put into ``rtcc.core.divisions`` for the rest of the request, where every repository reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtcc.core.errors import PermissionDenied, invalid
from rtcc.identity.logic import Perm, Principal
from rtcc.places import service as places

#: The shortest purpose accepted for reaching into another division (a case number, "mutual aid", ...).
MIN_PURPOSE = 4
MAX_PURPOSE = 255


@dataclass(frozen=True)
class Reach:
    """What a request may see: ``codes`` (None: every division) and, when it reaches into a division that is not
    the user's own, that division and the purpose given (to be audited)."""

    codes: frozenset[str] | None
    reached: str | None = None
    purpose: str | None = None


def home(principal: Principal) -> frozenset[str] | None:
    """The divisions a principal sees without asking: None (all) for RTCC-wide roles, keys, community accounts and
    one-division profiles; else the user's own division (none at all when no division was set on the account)."""
    if principal.kind != "user" or principal.is_community or principal.can(Perm.divisions_all):
        return None
    codes = places.division_codes()
    if len(codes) <= 1:
        return None
    return frozenset({principal.division}) if principal.division in codes else frozenset()


def decide(principal: Principal, requested: str | None, purpose: str | None) -> Reach:
    """The divisions a request sees, given its ``division`` and ``purpose`` query parameters."""
    own = home(principal)
    if not requested:
        return Reach(own)
    if requested not in places.division_codes():
        raise invalid("division", f"no division {requested!r} in the city profile", where="query")
    if own is None or requested in own:
        return Reach(frozenset({requested}))
    text = " ".join((purpose or "").split())
    if len(text) < MIN_PURPOSE:
        raise PermissionDenied(
            f"division {requested} is not yours: reaching into it needs a purpose"
            f" (?purpose=, {MIN_PURPOSE}+ characters)"
        )
    if len(text) > MAX_PURPOSE:
        raise invalid("purpose", f"at most {MAX_PURPOSE} characters", where="query")
    return Reach(frozenset({requested}), reached=requested, purpose=text)
