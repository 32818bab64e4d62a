"""The audit log table other domains query directly: the transparency portal and the misuse scan read ALPR search
entries.

Other domains never import ``rtcc.audit.models`` (an import-linter contract forbids it): they query these tables through
the table views published here (``core.db.published_table``), built from the owner's own table definitions. A
renamed or retyped column therefore breaks their queries at import instead of drifting, and a column that is not
published here cannot be named by another domain. The columns listed are the contract other domains rely on: removing
one is a breaking change.
"""

from __future__ import annotations

from rtcc.audit.models import AuditEntry
from rtcc.core.db import published_table

ENTRIES = published_table(AuditEntry.__table__, "seq", "at", "action", "details")
