"""Derive the demo world's committed data files from the shared public data set.

Reads the Cerritos city polygon (Mapping L.A.) and the LASD intersection gazetteer from ``--data`` (default
``/work/shared/data``) and writes ``src/rtcc/demo/data/cerritos_boundary.geojson`` and
``src/rtcc/demo/data/alpr_cameras.json``. The camera sites are a curated choice among the gazetteer's Cerritos
intersections (the table ``SITES`` below, explained in ``src/rtcc/demo/data/SOURCES.md``); their coordinates are copied
unchanged from the gazetteer and every one is checked to lie inside the polygon. The run is deterministic: running it
again on the same inputs rewrites byte-identical files. ``--report`` prints every gazetteer Cerritos row with its
inside/outside status and distance to the boundary, which is how the choice was made.

Usage: ``python tools/derive_demo_world.py [--data DIR] [--out DIR] [--report]``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

BOUNDARY_SRC = "geo/cerritos_city_mapping_la.geojson"
GAZETTEER_SRC = "incidents/lasd_2021_2022/derived_lasd_intersections_gazetteer.csv"

#: Assumed two-way average daily traffic (vehicles/day) of the road a camera reads. These are round figures typical
#: of 4-6 lane Southern California arterials, ranked by road size; they are NOT measured counts for these roads.
ROAD_ADT: dict[str, int] = {
    "Artesia Blvd": 34_000,
    "Studebaker Rd": 30_000,
    "South St": 28_000,
    "Alondra Blvd": 28_000,
    "Carmenita Rd": 24_000,
    "Bloomfield Ave": 22_000,
    "183rd St": 20_000,
    "Pioneer Blvd": 18_000,
    "195th St": 16_000,
    "Gridley Rd": 12_000,
}
#: Share of the two-way ADT travelling in the one direction a camera reads.
DIRECTION_SHARE = 0.5
#: Share of passing vehicles that yield a plate read (occlusion, lane coverage, missing/obscured plates).
CAPTURE_RATE = 0.8

HEADINGS = {"NB": 0.0, "EB": 90.0, "SB": 180.0, "WB": 270.0}


@dataclass(frozen=True)
class Site:
    """One chosen camera: gazetteer key, display name, the road and direction it reads, and the program phase."""

    street_a: str
    street_b: str
    name: str
    road: str
    direction: str
    phase: int
    note: str


#: The 19 cameras in code order (CER-ALPR-01..19): phase 1 (13 installed) first, then phase 2 (6 planned).
# fmt: off
SITES: tuple[Site, ...] = (
    Site("ARTESIA BLVD", "SAN GABRIEL RIV", "Artesia Blvd & San Gabriel River", "Artesia Blvd", "EB", 1,
         "west gateway: traffic entering from Bellflower over the river bridge"),
    Site("ARTESIA BLVD", "SAN GABRIEL RIV", "Artesia Blvd & San Gabriel River", "Artesia Blvd", "WB", 1,
         "second direction at the west gateway (traffic leaving towards Bellflower)"),
    Site("N ARTESIA BLVD", "STUDEBAKER RD", "Artesia Blvd & Studebaker Rd", "Studebaker Rd", "SB", 1,
         "Studebaker Rd southbound near the I-605 / SR-91 ramps"),
    Site("183RD ST", "STUDEBAKER RD", "183rd St & Studebaker Rd", "Studebaker Rd", "NB", 1,
         "Studebaker Rd northbound at 183rd St"),
    Site("SOUTH ST", "STUDEBAKER RD", "South St & Studebaker Rd", "South St", "EB", 1,
         "South St eastbound from the I-605 interchange"),
    Site("195TH ST", "STUDEBAKER RD", "195th St & Studebaker Rd", "Studebaker Rd", "NB", 1,
         "southwest entry: Studebaker Rd northbound from Lakewood"),
    Site("E GRIDLEY RD", "SOUTH ST", "Gridley Rd & South St", "Gridley Rd", "NB", 1,
         "Gridley Rd northbound at South St (Los Cerritos Center)"),
    Site("PIONEER BLVD", "SOUTH ST", "Pioneer Blvd & South St", "Pioneer Blvd", "SB", 1,
         "Pioneer Blvd southbound entering from the City of Artesia"),
    Site("ARTESIA BLVD", "BELSHIRE AVE", "Artesia Blvd & Belshire Ave", "Artesia Blvd", "EB", 1,
         "Artesia Blvd eastbound entering from the City of Artesia / Norwalk Blvd"),
    Site("183RD ST", "BLOOMFIELD AVE", "183rd St & Bloomfield Ave", "Bloomfield Ave", "SB", 1,
         "Bloomfield Ave southbound at 183rd St (civic center)"),
    Site("ARTESIA BLVD", "CARMENITA RD", "Artesia Blvd & Carmenita Rd", "Artesia Blvd", "EB", 1,
         "Artesia Blvd eastbound at Carmenita Rd"),
    Site("ALONDRA BLVD", "CARMENITA RD", "Alondra Blvd & Carmenita Rd", "Carmenita Rd", "SB", 1,
         "north gateway: Carmenita Rd southbound from Norwalk"),
    Site("ALONDRA BLVD", "CARMENITA RD", "Alondra Blvd & Carmenita Rd", "Alondra Blvd", "WB", 1,
         "second direction at the north gateway: Alondra Blvd westbound from La Mirada / Buena Park"),
    Site("183RD ST", "LOS CRRITOS CTR", "183rd St & Los Cerritos Center", "183rd St", "WB", 2,
         "183rd St westbound at the Los Cerritos Center entrance"),
    Site("BUSINESS CIRCLE DR", "STUDEBAKER RD", "Business Circle Dr & Studebaker Rd", "Studebaker Rd", "NB", 2,
         "Studebaker Rd northbound north of Artesia Blvd"),
    Site("SOUTH ST", "W ERIC AVE", "South St & Eric Ave", "South St", "WB", 2,
         "South St westbound at Eric Ave"),
    Site("195TH ST", "PIONEER BLVD", "195th St & Pioneer Blvd", "195th St", "EB", 2,
         "195th St eastbound at Pioneer Blvd"),
    Site("BLOOMFIELD AVE", "HIDDEN CREEK WAY", "Bloomfield Ave & Hidden Creek Way", "Bloomfield Ave", "SB", 2,
         "Bloomfield Ave southbound near the north city line (from Norwalk)"),
    Site("ARTESIA BLVD", "CARMENITA RD", "Artesia Blvd & Carmenita Rd", "Carmenita Rd", "NB", 2,
         "second direction at Artesia Blvd & Carmenita Rd: Carmenita Rd northbound"),
)
# fmt: on


def point_in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Even-odd ray casting for one closed ring of [lon, lat] vertices."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def metres_to_ring(lon: float, lat: float, ring: list[list[float]]) -> float:
    """Shortest distance in metres from the point to the ring's edges (equirectangular, fine at city scale)."""
    kx = 111_320.0 * math.cos(math.radians(lat))
    ky = 110_574.0
    best = math.inf
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        ax, ay = (x1 - lon) * kx, (y1 - lat) * ky
        bx, by = (x2 - lon) * kx, (y2 - lat) * ky
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def daily_volume(road: str) -> int:
    """Typical plate reads per day for a camera reading one direction of ``road`` (rounded to 100)."""
    return int(round(ROAD_ADT[road] * DIRECTION_SHARE * CAPTURE_RATE, -2))


def load_ring(data: Path) -> list[list[float]]:
    """The outer ring of the Cerritos polygon, as published."""
    doc = json.loads((data / BOUNDARY_SRC).read_text(encoding="utf-8"))
    features = doc["features"]
    if len(features) != 1 or features[0]["geometry"]["type"] != "Polygon":
        raise SystemExit("expected exactly one Polygon feature in the Cerritos boundary file")
    rings: list[list[list[float]]] = features[0]["geometry"]["coordinates"]
    return rings[0]


def load_gazetteer(data: Path) -> dict[tuple[str, str], dict[str, str]]:
    """Cerritos gazetteer rows keyed by (street_a, street_b); the same street pair exists in other cities too."""
    with (data / GAZETTEER_SRC).open(encoding="utf-8", newline="") as fh:
        return {(row["street_a"], row["street_b"]): row for row in csv.DictReader(fh) if row["city"] == "CERRITOS"}


def report(ring: list[list[float]], gazetteer: dict[tuple[str, str], dict[str, str]]) -> None:
    """Print every Cerritos gazetteer row with inside/outside and distance to the boundary."""
    chosen = {(s.street_a, s.street_b) for s in SITES}
    for key, row in sorted(gazetteer.items()):
        lat, lon = float(row["lat_median"]), float(row["lon_median"])
        inside = point_in_ring(lon, lat, ring)
        print(
            f"{key[0]} & {key[1]}: {lat:.3f},{lon:.3f} inside={inside} "
            f"edge={metres_to_ring(lon, lat, ring):.0f} m chosen={key in chosen}"
        )


def build_cameras(ring: list[list[float]], gazetteer: dict[tuple[str, str], dict[str, str]]) -> list[dict[str, object]]:
    """The camera records, validated against the boundary."""
    cameras: list[dict[str, object]] = []
    for i, site in enumerate(SITES, start=1):
        row = gazetteer.get((site.street_a, site.street_b))
        if row is None:
            raise SystemExit(f"gazetteer has no Cerritos row for {site.street_a} & {site.street_b}")
        lat, lon = float(row["lat_median"]), float(row["lon_median"])
        if not point_in_ring(lon, lat, ring):
            raise SystemExit(f"{site.name} ({lat}, {lon}) lies outside the Cerritos boundary")
        cameras.append(
            {
                "code": f"CER-ALPR-{i:02d}",
                "name": site.name,
                "road": site.road,
                "direction": site.direction,
                "heading_deg": HEADINGS[site.direction],
                "lat": lat,
                "lon": lon,
                "phase": site.phase,
                "daily_volume": daily_volume(site.road),
                "source_intersection": f"{site.street_a} & {site.street_b}",
                "note": site.note,
            }
        )
    phases = [c["phase"] for c in cameras]
    if len(cameras) != 19 or phases.count(1) != 13 or phases.count(2) != 6:
        raise SystemExit("expected 19 cameras: 13 in phase 1 and 6 in phase 2")
    return cameras


def main(argv: list[str] | None = None) -> int:
    """Entry point: derive (or with --report, only describe) the demo data files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="shared data folder")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "src" / "rtcc" / "demo" / "data",
        help="output folder (the package's demo/data)",
    )
    parser.add_argument("--report", action="store_true", help="print the candidate intersections and exit")
    args = parser.parse_args(argv)

    ring = load_ring(args.data)
    gazetteer = load_gazetteer(args.data)
    if args.report:
        report(ring, gazetteer)
        return 0

    cameras = build_cameras(ring, gazetteer)
    boundary = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "Cerritos",
                    "state": "CA",
                    "source": "Mapping L.A. (Los Angeles Times) neighborhood/city boundary, via "
                    "DanHerman212/los_angeles_crime data/lac.geojson; unchanged vertices",
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    doc = {
        "source": GAZETTEER_SRC,
        "derived_by": "tools/derive_demo_world.py",
        "heading_convention": "compass bearing of the traffic the camera reads (0 = northbound, 90 = eastbound)",
        "daily_volume_rule": f"assumed two-way ADT of the road x {DIRECTION_SHARE} (one direction) "
        f"x {CAPTURE_RATE} (capture rate), rounded to 100",
        "road_adt_assumed": ROAD_ADT,
        "cameras": cameras,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cerritos_boundary.geojson").write_text(json.dumps(boundary, indent=1) + "\n", encoding="utf-8")
    (args.out / "alpr_cameras.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    for cam in cameras:
        print(
            f"{cam['code']} phase {cam['phase']} {cam['name']} ({cam['road']} {cam['direction']}) "
            f"{cam['daily_volume']}/day"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
