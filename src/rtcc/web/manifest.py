"""What the web domain adds to a process (``rtcc.core.manifest``): the built dashboard and portal pages (its router is
mounted last)."""

from __future__ import annotations

from rtcc.core.manifest import Manifest

MANIFEST = Manifest(
    name="web",
    router="rtcc.web.routes:router",
    settings="rtcc.web.config:WebSettings",
)
