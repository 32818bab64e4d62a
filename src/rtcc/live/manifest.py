"""What the live domain adds to a process (``rtcc.core.manifest``): the live hub every API process runs for its SSE
clients."""

from __future__ import annotations

from rtcc.core.manifest import Manifest, Service

MANIFEST = Manifest(
    name="live",
    models="rtcc.live.models",
    router="rtcc.live.routes:router",
    services=(Service("live hub", "rtcc.live.hub:start", "rtcc.live.hub:stop", role=None),),
)
