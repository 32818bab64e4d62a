"""What the governance domain adds to a process (``rtcc.core.manifest``): purposes, sharing, misuse flags and the
scheduled misuse scan."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="governance",
    models="rtcc.governance.models",
    router="rtcc.governance.routes:router",
    cli=(CliGroup("governance", "rtcc.governance.cli:governance"),),
    settings="rtcc.governance.config:GovernanceSettings",
    services=(Service("misuse scan", "rtcc.governance.jobs:start", "rtcc.governance.jobs:stop", role="jobs"),),
)
