"""What the notify domain adds to a process (``rtcc.core.manifest``): alert notifications to the log and webhooks."""

from __future__ import annotations

from rtcc.core.manifest import Manifest, Service

MANIFEST = Manifest(
    name="notify",
    services=(Service("alert notifier", "rtcc.notify.consumers:start", "rtcc.notify.consumers:stop", role="notify"),),
)
