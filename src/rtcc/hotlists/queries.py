"""The hotlist tables other domains query directly: the transparency portal counts entries with a case number, and
an alert shows the entry it hit (and its list) side by side with the read.

Other domains never import ``rtcc.hotlists.models`` (an import-linter contract forbids it): they query these tables
through the table views published here (``core.db.published_table``), built from the owner's own table definitions.
A renamed or retyped column therefore breaks their queries at import instead of drifting, and a column that is not
published here cannot be named by another domain. The columns listed are the contract other domains rely on: removing
one is a breaking change.
"""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.hotlists.models import Hotlist, HotlistEntry

ENTRIES = published_table(
    HotlistEntry.__table__,
    "id",
    "hotlist_id",
    "plate",
    "region",
    "reason",
    "case_number",
    "added_at",
    "expires_at",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_type",
    "vehicle_year",
)
HOTLISTS = published_table(Hotlist.__table__, "id", "name", "category", "active")
