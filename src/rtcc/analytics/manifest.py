"""What the analytics domain adds to a process (``rtcc.core.manifest``): for now its CLI (the public forecasting
benchmark); its kernels are pure and need no registration."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(name="analytics", cli=(CliGroup("analytics", "rtcc.analytics.cli:analytics"),))
