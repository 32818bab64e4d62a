"""OpenStreetMap reader of the routing domain: a ``.osm.pbf`` or ``.osm`` (XML) file into a ``RoadNetwork``.

pyosmium (libosmium) reads the file and resolves each way's node locations; only ways whose ``highway`` class is
drivable (``logic.DRIVABLE``) and that are not areas are kept, with their one-way direction (``logic.direction``).
Every problem raises ``OsmReadError`` naming the file and, where there is one, the element (``way 123: node 456 has
no location``). Pure apart from reading the file the caller names: no database, no network.
"""

from __future__ import annotations

from pathlib import Path

import osmium

from rtcc.routing import logic

#: File name endings this reader accepts (pyosmium picks the format from them).
SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")


class OsmReadError(ValueError):
    """A file that cannot be turned into a road network; the message names the file (and element)."""


def _format_ok(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in SUFFIXES)


def read_osm(path: Path) -> logic.RoadNetwork:
    """The drivable road network in an OSM file (``.osm.pbf`` or ``.osm``)."""
    if not path.is_file():
        raise OsmReadError(f"{path}: no such file")
    if not _format_ok(path):
        raise OsmReadError(f"{path.name}: not an OSM file (expected one of {', '.join(SUFFIXES)})")
    ways: list[logic.Way] = []
    current = "the file header"
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            current = f"way {way.id}"
            tags = way.tags
            highway = tags.get("highway")
            if not logic.is_drivable(highway) or tags.get("area") == "yes":
                continue
            assert highway is not None
            nodes = []
            for ref in way.nodes:
                if not ref.location.valid():
                    raise OsmReadError(f"{path.name}: way {way.id}: node {ref.ref} has no location (not in the file)")
                nodes.append((int(ref.ref), float(ref.lat), float(ref.lon)))
            if len(nodes) < 2:
                continue
            ways.append(logic.Way(highway, logic.direction(highway, tags.get("oneway"), tags.get("junction")), nodes))
    except OsmReadError:
        raise
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        raise OsmReadError(f"{path.name}: cannot be read as OSM data (after {current}): {exc}") from exc
    try:
        return logic.assemble(ways)
    except ValueError as exc:
        raise OsmReadError(f"{path.name}: {exc}") from exc
