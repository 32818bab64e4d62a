"""Derive the packaged default drone launch policies (``src/rtcc/drones/policies/<slug>.geojson``) from each city
profile's school sites.

Each school site point of the profile's ``places.csv`` (CDE school sites, see the profile's SOURCES.md) becomes a
camera-restricted zone: a square of ``--half-side`` metres (default 110 m) around the point, a stand-in for the
campus parcel until the city supplies parcel outlines. The policy terms (eligible and excluded call types, wind,
battery, range) and the program limits are the defaults written below, stated in the file so a city edits data, not
code; import with ``rtcc drones policy import --city-default`` or edit and import the file.

    python tools/derive_drone_policies.py            # rewrites every packaged policy
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "src" / "rtcc" / "places" / "profiles"
OUT = ROOT / "src" / "rtcc" / "drones" / "policies"
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


def square(lat: float, lon: float, half: float) -> list[list[float]]:
    dlat = half / M_PER_DEG_LAT
    dlon = half / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    ring = [(lon - dlon, lat - dlat), (lon + dlon, lat - dlat), (lon + dlon, lat + dlat), (lon - dlon, lat + dlat)]
    return [[round(x, 6), round(y, 6)] for x, y in [*ring, ring[0]]]


def derive(slug: str, half: float) -> dict[str, object]:
    profile = json.loads((PROFILES / slug / "profile.json").read_text())
    with (PROFILES / slug / "places.csv").open(newline="") as fh:
        schools = [r for r in csv.DictReader(fh) if r["kind"] == "school"]
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "camera_restricted", "name": f"{r['name']} (school)"},
            "geometry": {"type": "Polygon", "coordinates": [square(float(r["lat"]), float(r["lon"]), half)]},
        }
        for r in schools
    ]
    return {
        "type": "FeatureCollection",
        "name": f"{profile['name']} drone launch policy (packaged default)",
        "description": f"Derived by tools/derive_drone_policies.py: schools from the {slug} profile's places.csv as "
        f"{2 * half:.0f} m camera-restricted squares; terms are defaults for the city to review.",
        "policy": {
            "name": f"{profile['name']} DFR launch policy",
            **TERMS,
            "max_range_m": CITY[slug]["range_m"],
            "notes": "Packaged default; review the call types and zones with the program's oversight body.",
        },
        "program_limits": {"authorization_ref": CITY[slug]["auth"], **LIMITS},
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half-side", type=float, default=110.0, help="Half the side of a school's square, metres.")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for slug in CITY:
        doc = derive(slug, args.half_side)
        (OUT / f"{slug}.geojson").write_text(json.dumps(doc, indent=1) + "\n")
        print(f"{slug}: {len(doc['features'])} zones")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
