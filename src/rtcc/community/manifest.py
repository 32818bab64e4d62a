"""What the community domain adds to a process (``rtcc.core.manifest``): community accounts, neighborhoods (from
the city profile), watch groups, subscriptions, public alerts and tips. Their messages go through the notify
domain's outbox."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="community",
    bodies=(BodyClass(r"/api/v1/community/tips$", "body_max_upload_bytes"),),
    models="rtcc.community.models",
    router="rtcc.community.routes:router",
    cli=(CliGroup("community", "rtcc.community.cli:community"),),
    settings="rtcc.community.config:CommunitySettings",
    services=(
        Service("community neighborhoods", "rtcc.community.jobs:start", "rtcc.community.jobs:stop", role="jobs"),
    ),
)
