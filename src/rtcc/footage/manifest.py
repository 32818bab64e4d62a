"""What the footage domain adds to a process (``rtcc.core.manifest``): footage requests, evidence and custody, and their
housekeeping."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="footage",
    bodies=(BodyClass(r"/api/v1/(me/)?footage/requests/[^/]+/clips$", "footage_body_max_bytes"),),
    models="rtcc.footage.models",
    router="rtcc.footage.routes:router",
    cli=(CliGroup("footage", "rtcc.footage.cli:footage"),),
    settings="rtcc.footage.config:FootageSettings",
    services=(Service("footage housekeeping", "rtcc.footage.jobs:start", "rtcc.footage.jobs:stop", role="jobs"),),
)
