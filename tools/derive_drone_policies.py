"""Derive the packaged default drone launch policies (``src/rtcc/drones/policies/<slug>.geojson``) from public
school and park data.

Zones come from two public point layers (``--pois``, default ``../shared/data/geo/pois_la_county``; their
PROVENANCE.md names the repositories and commits):

- schools: California Department of Education "School Sites 2022-23" (``cdscode`` kept), each a camera-restricted
  zone (transit with the camera up: children's privacy);
- parks: LA County Location Management System "Parks and Gardens" (``post_id`` and the record's own ``source``
  kept), each a camera-restricted zone (public gatherings, First Amendment activity).

Both layers are POINTS, not outlines: each zone is a 16-sided circle of ``--school-radius`` (default 150 m, about a
school campus of 17 acres) or ``--park-radius`` (default 120 m) around the point, and says so in its properties
(``geometry``: "buffer of <r> m around a point"). A point is kept when it lies inside the profile's
``boundary.geojson``. No no-fly zones are derived: neither layer is airspace, and no airspace data (FAA UAS facility
maps, TFRs, heliports) is among the shared data; a city adds its no-fly zones to its policy file.

The policy terms (eligible and excluded call types, wind and its staleness, battery, range, footage retention) and
the program limits are the defaults written below, stated in the file so a city edits data, not code; import with
``rtcc drones policy import --city-default`` or edit and import the file.

    python tools/derive_drone_policies.py            # rewrites every packaged policy
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "src" / "rtcc" / "places" / "profiles"
OUT = ROOT / "src" / "rtcc" / "drones" / "policies"
POIS = ROOT.parent / "shared" / "data" / "geo" / "pois_la_county"
SCHOOLS = "la_county_public_schools_cde_schoolsites2223_subset.geojson"
PARKS = "la_county_parks_and_gardens_lms.geojson"
SCHOOL_SOURCE = (
    "California Department of Education, California School Sites 2022-23 (SchoolSites2223), via ktut/classsizeschool "
    "src/data/schools.js @ 89cf35d"
)
PARK_SOURCE = (
    "LA County Location Management System, Parks and Gardens (data.lacounty.gov 3hkw-9rsc), via anmolchawla/"
    "Data-Visualization---LA-County-Parks-and-Centers-Visualization Parks_and_Gardens.topojson @ 350a19d"
)
M_PER_DEG_LAT = math.pi * 6_371_008.8 / 180.0

SURVEILLANCE = "No suspicionless surveillance: a drone flies only to a specific call for service, never on patrol."
TERMS = {
    "eligible_call_types": [
        "ALARM_BURG_RES",
        "ALARM_BURG_COM",
        "ALARM_HOLDUP",
        "ALARM_PANIC",
        "BURGLARY_IP",
        "ROBBERY",
        "ASSAULT",
        "FIGHT",
        "SHOTS",
        "WEAPON",
        "COLLISION_INJ",
        "HIT_RUN_RPT",
        "MISSING",
        "WELFARE",
        "STOLEN_VEHICLE_RPT",
    ],
    "excluded_call_types": [
        {
            "call_type": "FOCUSED_PATROL",
            "rule_id": "DFR-EX-1",
            "rule": SURVEILLANCE,
        },
        {
            "call_type": "PATROL_CHECK",
            "rule_id": "DFR-EX-1",
            "rule": SURVEILLANCE,
        },
        {
            "call_type": "DISTURBANCE",
            "rule_id": "DFR-EX-2",
            "rule": "First Amendment activity: no flights over lawful assemblies, demonstrations or protests; a "
            "disturbance call may be one.",
        },
        {
            "call_type": "TIP_FOLLOWUP",
            "rule_id": "DFR-EX-3",
            "rule": "Investigations are not first response: following up a tip needs a warrant or a case, not a drone.",
        },
        {
            "call_type": "NOISE",
            "rule_id": "DFR-EX-4",
            "rule": "Quality-of-life calls (noise) are handled by a patrol unit or a CSO, never by a drone.",
        },
    ],
    "max_wind_mps": 10.0,
    "max_gust_mps": 12.5,
    "daylight_only": False,
    "min_battery_pct": 50.0,
    "reserve_pct": 25.0,
    # a routine METAR is hourly: an observation older than 65 minutes means the feed (or the dock's station) is down
    "weather_max_age_s": 3900,
    "footage_retention_days": 30,
}
LIMITS = {
    "max_altitude_m": 122.0,
    "bvlos_allowed": True,
    "night_ops_allowed": True,
    "visual_line_of_sight_m": None,
}
CITY = {
    "cerritos": {"range_m": 3500.0, "auth": "FAA COA / Part 107 BVLOS waiver of the Cerritos DFR program"},
    "los_angeles": {"range_m": 3200.0, "auth": "FAA COA / Part 107 BVLOS waiver of the LAPD DFR program"},
}


def circle(lat: float, lon: float, radius: float, sides: int = 16) -> list[list[float]]:
    """A closed ring approximating a circle of ``radius`` metres around a point (local equirectangular)."""
    dlat = radius / M_PER_DEG_LAT
    dlon = radius / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    ring = [
        [
            round(lon + dlon * math.cos(2 * math.pi * k / sides), 6),
            round(lat + dlat * math.sin(2 * math.pi * k / sides), 6),
        ]
        for k in range(sides)
    ]
    return [*ring, ring[0]]


def _inside(x: float, y: float, ring: list[list[float]]) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def in_boundary(lon: float, lat: float, boundary: dict[str, object]) -> bool:
    """True when the point lies in the profile's boundary (Polygon or MultiPolygon features; holes respected)."""
    for f in boundary["features"]:  # type: ignore[attr-defined]
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for rings in polys:
            if _inside(lon, lat, rings[0]) and not any(_inside(lon, lat, h) for h in rings[1:]):
                return True
    return False


def zones(slug: str, pois: Path, school_r: float, park_r: float) -> list[dict[str, object]]:
    """The camera-restricted zones of a city: its schools and parks, buffered (module docstring)."""
    boundary = json.loads((PROFILES / slug / "boundary.geojson").read_text())
    out: list[dict[str, object]] = []
    layers = ((SCHOOLS, "school", school_r, SCHOOL_SOURCE, "cdscode"), (PARKS, "park", park_r, PARK_SOURCE, "post_id"))
    for name, what, radius, source, key in layers:
        doc = json.loads((pois / name).read_text())
        seen: set[tuple[str, float, float]] = set()
        for f in sorted(doc["features"], key=lambda f: (f["properties"]["name"] or "", str(f["properties"].get(key)))):
            lon, lat = (float(c) for c in f["geometry"]["coordinates"][:2])
            p = f["properties"]
            dedup = (p["name"], round(lat, 4), round(lon, 4))
            if not in_boundary(lon, lat, boundary) or dedup in seen:
                continue
            seen.add(dedup)
            props = {
                "kind": "camera_restricted",
                "name": f"{p['name']} ({what})"[:128],
                "category": what,
                "source": source,
                "source_id": str(p.get(key)),
                "geometry_note": f"buffer of {radius:.0f} m around the source's point; not the {what}'s outline",
            }
            if what == "park" and p.get("source"):
                props["source_record"] = p["source"]
            out.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Polygon", "coordinates": [circle(lat, lon, radius)]},
                }
            )
    return out


def derive(slug: str, pois: Path, school_r: float, park_r: float) -> dict[str, object]:
    profile = json.loads((PROFILES / slug / "profile.json").read_text())
    features = zones(slug, pois, school_r, park_r)
    return {
        "type": "FeatureCollection",
        "name": f"{profile['name']} drone launch policy (packaged default)",
        "description": f"Derived by tools/derive_drone_policies.py: schools ({SCHOOL_SOURCE}) and parks "
        f"({PARK_SOURCE}) inside the {slug} profile's boundary, as camera-restricted circles of {school_r:.0f} m and "
        f"{park_r:.0f} m around their points (the sources are points, not outlines); no no-fly zones (no airspace "
        "data); terms are defaults for the city to review.",
        "policy": {
            "name": f"{profile['name']} DFR launch policy",
            **TERMS,
            "max_range_m": CITY[slug]["range_m"],
            "notes": "Packaged default; review the call types and zones with the program's oversight body.",
        },
        "program_limits": {"authorization_ref": CITY[slug]["auth"], **LIMITS},
        "features": features,
    }


def dump(doc: dict[str, object]) -> str:
    """The policy file: its terms indented, one feature per line (small files, readable diffs)."""
    head = json.dumps({k: v for k, v in doc.items() if k != "features"}, indent=1)
    feats = ",\n".join(" " + json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in doc["features"])  # type: ignore[attr-defined]
    return head[:-2] + ',\n "features": [\n' + feats + "\n ]\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pois", type=Path, default=POIS, help="Folder of the school and park point layers.")
    parser.add_argument("--school-radius", type=float, default=150.0, help="Buffer around a school's point, metres.")
    parser.add_argument("--park-radius", type=float, default=120.0, help="Buffer around a park's point, metres.")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for slug in CITY:
        doc = derive(slug, args.pois, args.school_radius, args.park_radius)
        (OUT / f"{slug}.geojson").write_text(dump(doc))
        print(f"{slug}: {len(doc['features'])} zones")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
