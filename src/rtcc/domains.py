"""The domains of a production process, in order, and what is derived from their manifests.

Routers are mounted in this order (``web`` last: its page routes must not shadow an API route); services start in
this order, sensor sources (``ingress``) last, and stop in reverse. A new domain is one ``manifest.py`` and one line
here; the app, ``rtcc worker``, the CLI and the models registry pick it up. The demo is not a domain of the product:
it adds its own hooks when ``rtcc demo`` runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from rtcc.core.manifest import Manifest, Service

#: Domain packages with a ``manifest.py``, in mounting and start order.
DOMAIN_PACKAGES = (
    "places",
    "identity",
    "audit",
    "live",
    "alpr",
    "hotlists",
    "matching",
    "alerts",
    "notify",
    "investigations",
    "governance",
    "retention",
    "cameras",
    "footage",
    "community",
    "rebates",
    "routing",
    "dispatch",
    "drones",
    "analytics",
    "patrol",
    "simulator",
    "oversight",
    "web",
)


def manifests() -> list[Manifest]:
    """Every domain's manifest, in order."""
    return [importlib.import_module(f"rtcc.{name}.manifest").MANIFEST for name in DOMAIN_PACKAGES]


def services() -> Iterator[Service]:
    """Every background service, in start order: consumers and jobs first, sensor sources last."""
    every = [s for m in manifests() for s in m.services]
    yield from (s for s in every if not s.ingress)
    yield from (s for s in every if s.ingress)


def worker_roles() -> tuple[str, ...]:
    """The roles ``rtcc worker`` accepts: every role a service names, in first-mention order."""
    roles: dict[str, None] = {}
    for s in services():
        for role in (s.role, *s.also_in):
            if role is not None:
                roles.setdefault(role)
    return tuple(roles)
