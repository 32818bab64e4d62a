"""The community's neighborhoods: the city profile's neighborhoods (``rtcc.places``, ``RTCC_CITY_PROFILE``), copied
into the ``community_neighborhoods`` table so that watch groups, subscriptions, profiles and alerts can refer to them
by code. The profile is the only source: ``install_from_profile`` adds and updates rows from it (at start-up, by
``rtcc community neighborhoods install`` and by the demo), and nothing else writes the table. Rows the profile no
longer has are kept, because groups and subscriptions may still refer to them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rtcc.community import repository
from rtcc.community.models import Neighborhood
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.places import service as places


def install_from_profile(session: Session) -> int:
    """Bring the neighborhoods table in line with the city profile's neighborhoods: add the missing ones and update
    the name and polygon of those that changed; returns how many were added or updated."""
    changed = 0
    for hood in places.neighborhoods():
        polygon = [[x, y] for x, y in hood.ring]
        row = repository.neighborhood(session, hood.code)
        if row is None:
            session.add(Neighborhood(code=hood.code, name=hood.name, description=hood.description, polygon=polygon))
            changed += 1
        elif row.name != hood.name or row.polygon != polygon:
            row.name, row.description, row.polygon = hood.name, hood.description, polygon
            changed += 1
    session.flush()
    return changed


def list_neighborhoods(session: Session) -> list[Neighborhood]:
    """All neighborhoods by code."""
    return repository.neighborhoods(session)


def rings(session: Session) -> dict[str, tuple[tuple[float, float], ...]]:
    """Each installed neighborhood's ring of (lon, lat) vertices, by code (for ``logic.neighborhood_of`` and the
    alert reach)."""
    return {n.code: tuple((float(x), float(y)) for x, y in n.polygon) for n in repository.neighborhoods(session)}


def get(session: Session, code: str, field: str) -> Neighborhood:
    """The neighborhood with this code, or ValidationFailed on ``field`` (the request field that named it)."""
    found = repository.neighborhood(session, code)
    if found is None:
        raise ValidationFailed(f"unknown neighborhood {code!r}", errors=[field_error(field, "unknown neighborhood")])
    return found
