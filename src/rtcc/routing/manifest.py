"""What the routing domain adds to a process (``rtcc.core.manifest``): stored road networks, the travel-time service
other domains call (dispatch's ETAs, a unit's directions), its routes and ``rtcc routing``."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="routing",
    models="rtcc.routing.models",
    router="rtcc.routing.routes:router",
    cli=(CliGroup("routing", "rtcc.routing.cli:routing"),),
    settings="rtcc.routing.config:RoutingSettings",
)
