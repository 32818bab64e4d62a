"""The alert tables other domains query directly: alerts (transparency counts, retention) and their transitions (purged
with their alert).

Other domains never import ``rtcc.alerts.models`` (an import-linter contract forbids it): they query these tables
through the table views published here (``core.db.published_table``), built from the owner's own table definitions.
A renamed or retyped column therefore breaks their queries at import instead of drifting, and a column that is not
published here cannot be named by another domain. The columns listed are the contract other domains rely on: removing
one is a breaking change.
"""

from __future__ import annotations

from rtcc.alerts.models import Alert, AlertTransition
from rtcc.core.db import published_table

ALERTS = published_table(
    Alert.__table__,
    "id",
    "kind",
    "state",
    "reject_reason",
    "camera_id",
    "plate_read",
    "read_id",
    "last_read_id",
    "first_seen_at",
    "last_seen_at",
    "created_at",
    "updated_at",
    "closed_at",
)
TRANSITIONS = published_table(AlertTransition.__table__, "alert_id")
