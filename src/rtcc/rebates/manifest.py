"""What the rebates domain adds to a process (``rtcc.core.manifest``): the home-camera rebate program."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest

MANIFEST = Manifest(
    name="rebates",
    bodies=(BodyClass(r"/api/v1/me/rebates/[^/]+/proof$", "body_max_upload_bytes"),),
    models="rtcc.rebates.models",
    router="rtcc.rebates.routes:router",
    cli=(CliGroup("rebates", "rtcc.rebates.cli:rebates"),),
    settings="rtcc.rebates.config:RebatesSettings",
)
