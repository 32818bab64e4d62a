"""What the patrol domain adds to a process (``rtcc.core.manifest``): its tables, its API and settings, and the job
that makes near-repeat alerts and logs house-check visits from tracks."""

from __future__ import annotations

from rtcc.core.manifest import Manifest, Service

MANIFEST = Manifest(
    name="patrol",
    models="rtcc.patrol.models",
    router="rtcc.patrol.routes:router",
    settings="rtcc.patrol.config:PatrolSettings",
    services=(
        Service("patrol near repeats and visits", "rtcc.patrol.jobs:start", "rtcc.patrol.jobs:stop", role="jobs"),
    ),
)
