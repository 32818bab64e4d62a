"""What the cameras domain adds to a process (``rtcc.core.manifest``): the registry of city, business and residential
cameras, canvass and snapshot probes."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="cameras",
    models="rtcc.cameras.models",
    router="rtcc.cameras.routes:router",
    cli=(CliGroup("registry", "rtcc.cameras.cli:registry"),),
    settings="rtcc.cameras.config:CamerasSettings",
    services=(Service("camera snapshot probe", "rtcc.cameras.jobs:start", "rtcc.cameras.jobs:stop", role="jobs"),),
)
