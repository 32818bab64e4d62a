"""What the investigations domain adds to a process (``rtcc.core.manifest``): plate search, vehicle history, stakeouts
and the plate index consumer."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service, StagedWork

MANIFEST = Manifest(
    name="investigations",
    models="rtcc.investigations.models",
    router="rtcc.investigations.routes:router",
    cli=(CliGroup("search", "rtcc.investigations.cli:search"),),
    settings="rtcc.investigations.config:InvestigationsSettings",
    # on SQLite the index commits with the reads (the consumer below then leaves them alone)
    staged=(StagedWork("alpr.reads.stored", "rtcc.investigations.plate_index:index_staged"),),
    services=(
        Service(
            "plate index", "rtcc.investigations.consumers:start", "rtcc.investigations.consumers:stop", role="index"
        ),
    ),
)
