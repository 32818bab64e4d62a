"""Travel times from units to a call, for the recommendation.

For now: the straight-line (great-circle) distance times a circuity factor, at an average speed (faster for Emergent
responses), with ``method="straight_line"`` so that the screen can say so. Once the routing domain lands, ``etas``
will delegate to ``rtcc.routing.service.travel_times`` (one search from the call over the reversed road graph gives
every unit's ETA) and fall back to this estimate only where no road network is loaded; its signature stays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from rtcc.core.geo import distances_m

#: Road distance over straight-line distance in a street grid (typical urban circuity is 1.2 to 1.4).
CIRCUITY = 1.3
#: Average patrol speed of a routine or priority response, metres per second (40 km/h).
ROUTINE_SPEED_MPS = 40_000 / 3600
#: Average speed of an emergent response (lights and siren), metres per second (60 km/h).
EMERGENT_SPEED_MPS = 60_000 / 3600
METHOD = "straight_line"


def etas(
    session: Session, *, to: tuple[float, float], origins: Sequence[tuple[float, float]], emergent: bool
) -> tuple[list[float], str]:
    """Seconds from each origin (lat, lon) to ``to`` (lat, lon), and the method that estimated them."""
    del session  # the road network will be read through it (rtcc.routing.service.travel_times)
    if not origins:
        return [], METHOD
    lats = np.fromiter((o[0] for o in origins), dtype=np.float64, count=len(origins))
    lons = np.fromiter((o[1] for o in origins), dtype=np.float64, count=len(origins))
    metres = distances_m(to[0], to[1], lats, lons) * CIRCUITY
    speed = EMERGENT_SPEED_MPS if emergent else ROUTINE_SPEED_MPS
    return [float(s) for s in metres / speed], METHOD
