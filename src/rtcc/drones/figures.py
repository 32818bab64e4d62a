"""The public flight log's rules and monthly figures: what "cleared without patrol" means, and the month's numbers.

**Cleared without patrol** (the definition printed on the public page, ``CLEARED_WITHOUT_PATROL``): the call was
closed, the drone reached the scene, and no ground unit (deputy, CSO, guard) ever arrived on scene for that call.
A call still open is not counted either way (``None``: pending).

**Monthly figures**, per calendar month (UTC) of the launch: flights; the median time to scene (launch to the
drone's arrival over the call, flights that reached the scene only); the share of flights whose call was cleared
without patrol (among flights whose call is closed); and the share of flights by call type. Pure: records in,
frozen dataclasses out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

CLEARED_WITHOUT_PATROL = {
    "en": (
        "Cleared without patrol: the call was closed, the drone reached the scene, and no ground unit (deputy, "
        "community services officer or security patrol) arrived on scene for that call."
    ),
    "es": (
        "Resuelto sin patrulla: la llamada se cerró, el dron llegó al lugar y ninguna unidad terrestre (agente, "
        "oficial de servicios comunitarios o patrulla de seguridad) llegó al lugar por esa llamada."
    ),
}


def cleared_without_patrol(
    *, call_closed: bool, drone_on_scene_at: datetime | None, ground_on_scene: Sequence[datetime]
) -> bool | None:
    """The definition above: None while the call is open."""
    if not call_closed:
        return None
    return drone_on_scene_at is not None and not ground_on_scene


@dataclass(frozen=True, slots=True)
class FlightFacts:
    """What the figures need of one flight."""

    launched_at: datetime
    call_type: str | None
    time_to_scene_s: float | None
    cleared_without_patrol: bool | None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month's figures (shares in [0, 1]; None where nothing counted)."""

    month: str  # YYYY-MM
    flights: int
    median_time_to_scene_s: float | None
    closed_calls: int
    share_cleared_without_patrol: float | None
    share_by_call_type: dict[str, float]


def monthly(facts: Iterable[FlightFacts]) -> list[MonthFigures]:
    """The figures of every month with a flight, newest month first."""
    by_month: dict[str, list[FlightFacts]] = defaultdict(list)
    for f in facts:
        by_month[f.launched_at.strftime("%Y-%m")].append(f)
    out = []
    for month in sorted(by_month, reverse=True):
        rows = by_month[month]
        times = [f.time_to_scene_s for f in rows if f.time_to_scene_s is not None]
        closed = [f.cleared_without_patrol for f in rows if f.cleared_without_patrol is not None]
        types = Counter(f.call_type or "unknown" for f in rows)
        out.append(
            MonthFigures(
                month=month,
                flights=len(rows),
                median_time_to_scene_s=round(statistics.median(times), 1) if times else None,
                closed_calls=len(closed),
                share_cleared_without_patrol=round(sum(closed) / len(closed), 4) if closed else None,
                share_by_call_type={k: round(v / len(rows), 4) for k, v in sorted(types.items())},
            )
        )
    return out
