"""What the places domain adds to a process (``rtcc.core.manifest``): the city profile (name, time zone, boundary,
divisions and reporting districts, neighborhoods, places and intersections) and its public routes."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest

MANIFEST = Manifest(
    name="places",
    router="rtcc.places.routes:router",
    cli=(CliGroup("places", "rtcc.places.cli:places"),),
    settings="rtcc.places.config:PlacesSettings",
)
