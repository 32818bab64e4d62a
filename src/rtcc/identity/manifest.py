"""What the identity domain adds to a process (``rtcc.core.manifest``): users, roles, sessions and API keys."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="identity",
    models="rtcc.identity.models",
    router="rtcc.identity.routes:router",
    settings="rtcc.identity.config:IdentitySettings",
    cli=(CliGroup("users", "rtcc.identity.cli:users"), CliGroup("apikeys", "rtcc.identity.cli:apikeys")),
)
