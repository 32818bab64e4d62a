"""What the alerts domain adds to a process (``rtcc.core.manifest``): hits as alerts and their lifecycle."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="alerts",
    models="rtcc.alerts.models",
    router="rtcc.alerts.routes:router",
    cli=(CliGroup("alerts", "rtcc.alerts.cli:alerts"),),
)
