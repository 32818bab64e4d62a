"""What the hotlists domain adds to a process (``rtcc.core.manifest``): hotlists and their entries, imports and the
scheduled refresh."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="hotlists",
    bodies=(BodyClass(r"/api/v1/hotlists/[^/]+/import$", "body_max_import_bytes"),),
    models="rtcc.hotlists.models",
    router="rtcc.hotlists.routes:router",
    cli=(CliGroup("hotlists", "rtcc.hotlists.cli:hotlists"),),
    services=(
        Service("hotlist refresh", "rtcc.hotlists.jobs:start_refresh", "rtcc.hotlists.jobs:stop_refresh", role="jobs"),
    ),
)
