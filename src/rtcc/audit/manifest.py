"""What the audit domain adds to a process (``rtcc.core.manifest``): the hash-chained audit log."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="audit",
    models="rtcc.audit.models",
    router="rtcc.audit.routes:router",
    cli=(CliGroup("audit", "rtcc.audit.cli:audit"),),
)
