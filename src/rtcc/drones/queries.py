"""The drone tables other domains query directly (the oversight council report counts flights, how many reached the
scene, were cleared without patrol or were flagged). Published views (``core.db.published_table``) of the owner's own
definitions: only these columns may be named by another domain; removing one is a breaking change."""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.drones.flight_models import Flight

FLIGHTS = published_table(
    Flight.__table__,
    "id", "call_type", "status", "launched_at", "on_scene_at", "landed_at", "flagged", "cleared_without_patrol",
)  # fmt: skip
