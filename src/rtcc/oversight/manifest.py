"""What the oversight domain adds to a process (``rtcc.core.manifest``): its tables, the API, ``rtcc oversight``, and
the job that keeps the KPI interval table current and files last month's council report."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="oversight",
    models="rtcc.oversight.models",
    router="rtcc.oversight.routes:router",
    cli=(CliGroup("oversight", "rtcc.oversight.cli:oversight"),),
    services=(
        Service(
            "oversight KPIs and council report", "rtcc.oversight.jobs:start", "rtcc.oversight.jobs:stop", role="jobs"
        ),
    ),
)
