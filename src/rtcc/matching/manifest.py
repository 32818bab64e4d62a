"""What the matching domain adds to a process (``rtcc.core.manifest``): the hotlist matcher consuming stored reads."""

from __future__ import annotations

from rtcc.core.manifest import Manifest, Service

MANIFEST = Manifest(
    name="matching",
    models="rtcc.matching.models",
    settings="rtcc.matching.config:MatchingSettings",
    services=(Service("matcher", "rtcc.matching.consumers:start", "rtcc.matching.consumers:stop", role="match"),),
)
