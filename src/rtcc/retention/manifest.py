"""What the retention domain adds to a process (``rtcc.core.manifest``): retention rules, legal holds and the scheduled
purge."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="retention",
    models="rtcc.retention.models",
    router="rtcc.retention.routes:router",
    cli=(CliGroup("retention", "rtcc.retention.cli:retention"),),
    settings="rtcc.retention.config:RetentionSettings",
    services=(Service("retention purge", "rtcc.retention.jobs:start", "rtcc.retention.jobs:stop", role="jobs"),),
)
