"""What the audit domain adds to a process (``rtcc.core.manifest``): the hash-chained audit log, its Merkle tree and
the job that publishes a signed tree head every ``RTCC_AUDIT_TREE_HEAD_INTERVAL_S``."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="audit",
    models="rtcc.audit.models",
    router="rtcc.audit.routes:router",
    cli=(CliGroup("audit", "rtcc.audit.cli:audit"),),
    settings="rtcc.audit.config:AuditSettings",
    services=(
        # no ``requires``: without a key the jobs worker still starts (the job logs that it publishes nothing)
        Service("audit tree heads", "rtcc.audit.jobs:start", "rtcc.audit.jobs:stop", role="jobs"),
    ),
)
