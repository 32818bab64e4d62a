"""The match table other domains query directly: retention clears purged reads' and alerts' matches, and an alert
lists its sightings (the reads whose match rows link to it).

Other domains never import ``rtcc.matching.models`` (an import-linter contract forbids it): they query these tables
through the table views published here (``core.db.published_table``), built from the owner's own table definitions.
A renamed or retyped column therefore breaks their queries at import instead of drifting, and a column that is not
published here cannot be named by another domain. The columns listed are the contract other domains rely on: removing
one is a breaking change.
"""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.matching.models import Match

MATCHES = published_table(Match.__table__, "read_id", "alert_id", "kind")
