"""What the notify domain adds to a process (``rtcc.core.manifest``): the outbox table and its delivery loop
(``rtcc worker outbox``), the staff inbox route, ``rtcc notify``, its settings, and alert notifications to the log
and webhooks (``rtcc worker notify``)."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="notify",
    models="rtcc.notify.models",
    router="rtcc.notify.routes:router",
    cli=(CliGroup("notify", "rtcc.notify.cli:notify"),),
    settings="rtcc.notify.config:NotifySettings",
    services=(
        Service("alert notifier", "rtcc.notify.consumers:start", "rtcc.notify.consumers:stop", role="notify"),
        Service("outbox delivery", "rtcc.notify.jobs:start", "rtcc.notify.jobs:stop", role="outbox"),
    ),
)
