"""What the drones domain adds to a process (``rtcc.core.manifest``): the fleet and launch-policy tables, launch
decisions and requests, the API under ``/api/v1/drones`` and the ``rtcc drones`` commands."""

from __future__ import annotations

from rtcc.core.manifest import Manifest

MANIFEST = Manifest(
    name="drones",
    models="rtcc.drones.models",
)
