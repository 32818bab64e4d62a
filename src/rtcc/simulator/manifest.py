"""What the simulator domain adds to a process (``rtcc.core.manifest``): its runs table, its routes (``/api/v1/
simulator``) and ``rtcc simulate``. Runs started from the API execute in a thread of the API process."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="simulator",
    models="rtcc.simulator.models",
    router="rtcc.simulator.routes:router",
    cli=(CliGroup("simulate", "rtcc.simulator.cli:simulate"),),
)
