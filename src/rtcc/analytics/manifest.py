"""What the analytics domain adds to a process (``rtcc.core.manifest``): imported incidents and stored forecasts
(tables), the forecast, placement and public crime-map API, its settings, the ``rtcc analytics`` commands (incident
import, forecasts now, the public forecasting benchmark) and the scheduled forecast job."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="analytics",
    models="rtcc.analytics.models",
    router="rtcc.analytics.routes:router",
    cli=(CliGroup("analytics", "rtcc.analytics.cli:analytics"),),
    settings="rtcc.analytics.config:AnalyticsSettings",
    services=(Service("hotspot forecasts", "rtcc.analytics.jobs:start", "rtcc.analytics.jobs:stop", role="jobs"),),
)
