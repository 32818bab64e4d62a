"""The ALPR tables other domains query directly: reads (plate search, scene analysis, transparency counts, retention,
an alert's read and sightings) and cameras. (The one write another domain makes to reads, flagging those that matched
a hotlist entry, is ``rtcc.alpr.store.mark_hits``.)

Other domains never import ``rtcc.alpr.models`` (an import-linter contract forbids it): they query these tables through
the table views published here (``core.db.published_table``), built from the owner's own table definitions. A
renamed or retyped column therefore breaks their queries at import instead of drifting, and a column that is not
published here cannot be named by another domain. The columns listed are the contract other domains rely on: removing
one is a breaking change.
"""

from __future__ import annotations

from rtcc.alpr.models import Camera, Read
from rtcc.core import divisions
from rtcc.core.db import published_table
from rtcc.core.divisions import Col, S

READS = published_table(
    Read.__table__,
    "id",
    "camera_id",
    "plate",
    "plate_norm",
    "plate_ocr",
    "region",
    "confidence",
    "observed_at",
    "received_at",
    "lat",
    "lon",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_type",
    "image_ref",
    "crop_ref",
    "heading_deg",
    "camera_label",
    "is_hit",
)
CAMERAS = published_table(
    Camera.__table__,
    "id",
    "code",
    "name",
    "lat",
    "lon",
    "kind",
    "location",
    "status",
    "last_heartbeat_at",
    "last_read_at",
    "division",
)


def scoped_reads(stmt: S, camera_id: Col) -> S:
    """``stmt`` limited to rows (reads, alerts) whose camera belongs to a division the request may see: the one
    scoping call other domains make for anything that belongs to a division through its camera."""
    return divisions.scoped_via(stmt, camera_id, Camera.id, Camera.division)
