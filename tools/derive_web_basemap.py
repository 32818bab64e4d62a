"""Derive the web app's offline vector base map of the demo city from the shared public data set.

Writes ``web/public/basemap/cerritos.geojson``: one FeatureCollection with
- the Cerritos city boundary (copied from ``src/rtcc/demo/data/cerritos_boundary.geojson``, itself derived from the
  Mapping L.A. polygon by ``tools/derive_demo_world.py``), ``kind = "boundary"``;
- the arterial roads, ``kind = "arterial"``: no street centreline file is small enough to ship (see
  ``../shared/data/geo/PROVENANCE.md``), so each arterial's line is reconstructed from the points the LASD data places
  on it: the intersection gazetteer (``street_a``/``street_b``) and the hundred-block addresses of the incident
  extract. Points are binned along the road's main axis and the median of the cross coordinate is taken per bin,
  which gives a straight-ish line through the real road positions (rounded by the publisher to ~100 m);
- the gazetteer's named intersections inside the city, ``kind = "intersection"``.

The run is deterministic (same inputs, byte-identical output). Usage:
``python tools/derive_web_basemap.py [--data DIR] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = "incidents/lasd_2021_2022/derived_lasd_intersections_gazetteer.csv"
INCIDENTS = "incidents/lasd_2021_2022/lasd_part1_part2_incidents.csv"
BOUNDARY = ROOT / "src/rtcc/demo/data/cerritos_boundary.geojson"
#: The map window: the city bbox widened by about a kilometre, so roads run off the edge of the city.
WINDOW = (-118.122, 33.838, -118.015, 33.895)  # lon_min, lat_min, lon_max, lat_max
#: Arterials of and around Cerritos (name as drawn, upper-case name in the data, axis: "ew" or "ns").
ARTERIALS: tuple[tuple[str, str, str], ...] = (
    ("Alondra Blvd", "ALONDRA BLVD", "ew"),
    ("Artesia Blvd", "ARTESIA BLVD", "ew"),
    ("183rd St", "183RD ST", "ew"),
    ("South St", "SOUTH ST", "ew"),
    ("Del Amo Blvd", "DEL AMO BLVD", "ew"),
    ("195th St", "195TH ST", "ew"),
    ("Studebaker Rd", "STUDEBAKER RD", "ns"),
    ("Pioneer Blvd", "PIONEER BLVD", "ns"),
    ("Norwalk Blvd", "NORWALK BLVD", "ns"),
    ("Bloomfield Ave", "BLOOMFIELD AVE", "ns"),
    ("Shoemaker Ave", "SHOEMAKER AVE", "ns"),
    ("Carmenita Rd", "CARMENITA RD", "ns"),
    ("Marquardt Ave", "MARQUARDT AVE", "ns"),
    ("Valley View Ave", "VALLEY VIEW AVE", "ns"),
    ("Gridley Rd", "GRIDLEY RD", "ns"),
)
BIN_DEG = 0.004  # about 400 m along the road
MAX_OFFSET_DEG = 0.003  # points further than ~300 m across the road from its median line are dropped
_PREFIX = re.compile(r"^(?:[NSEW]\s+|\d+\s+(?:BLOCK\s+)?(?:[NSEW]\s+)?)")


def _street(name: str) -> str:
    """An upper-case street name without house number or direction prefix ("12700 E SOUTH ST" -> "SOUTH ST")."""
    name = " ".join(name.upper().split())
    for _ in range(2):
        name = _PREFIX.sub("", name)
    return name


def _inside_window(lon: float, lat: float) -> bool:
    return WINDOW[0] <= lon <= WINDOW[2] and WINDOW[1] <= lat <= WINDOW[3]


def _point_in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _collect(data: Path) -> tuple[dict[str, list[tuple[float, float]]], list[dict[str, object]]]:
    points: dict[str, list[tuple[float, float]]] = {upper: [] for _, upper, _ in ARTERIALS}
    gazetteer: list[dict[str, object]] = []
    with (data / GAZETTEER).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lat, lon = float(row["lat_median"]), float(row["lon_median"])
            if not _inside_window(lon, lat):
                continue
            a, b = _street(row["street_a"]), _street(row["street_b"])
            for street in (a, b):
                if street in points:
                    points[street].append((lon, lat))
            gazetteer.append({"a": row["street_a"], "b": row["street_b"], "city": row["city"], "lon": lon, "lat": lat})
    with (data / INCIDENTS).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                lat, lon = float(row["LATITUDE"]), float(row["LONGITUDE"])
            except ValueError:
                continue
            if not _inside_window(lon, lat):
                continue
            street = _street(row["STREET"])
            if street in points:
                points[street].append((lon, lat))
    return points, gazetteer


def _line(pts: list[tuple[float, float]], axis: str) -> list[list[float]]:
    """Bin points along the road's axis; one vertex per bin at the median cross coordinate."""
    along = 0 if axis == "ew" else 1
    cross = 1 - along
    centre = statistics.median(p[cross] for p in pts)
    kept = [p for p in pts if abs(p[cross] - centre) <= MAX_OFFSET_DEG]
    bins: dict[int, list[tuple[float, float]]] = {}
    for p in kept:
        bins.setdefault(int(p[along] // BIN_DEG), []).append(p)
    out: list[list[float]] = []
    for key in sorted(bins):
        group = bins[key]
        a = round(statistics.median(p[along] for p in group), 4)
        c = round(statistics.median(p[cross] for p in group), 4)
        out.append([a, c] if axis == "ew" else [c, a])
    return out


def derive(data: Path) -> dict[str, object]:
    """The base map FeatureCollection."""
    boundary = json.loads(BOUNDARY.read_text(encoding="utf-8"))
    features: list[dict[str, object]] = []
    for feat in boundary.get("features", [boundary]):
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "boundary", "name": "City of Cerritos"},
                "geometry": feat["geometry"],
            }
        )
    ring = features[0]["geometry"]["coordinates"][0]  # type: ignore[index]
    points, gazetteer = _collect(data)
    for name, upper, axis in ARTERIALS:
        line = _line(points[upper], axis) if len(points[upper]) >= 2 else []
        if len(line) < 2:
            print(f"skipped {name}: {len(points[upper])} points", file=sys.stderr)
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "arterial", "name": name, "points": len(points[upper])},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    seen: set[tuple[float, float]] = set()
    for g in sorted(gazetteer, key=lambda r: (str(r["a"]), str(r["b"]))):
        lon, lat = float(g["lon"]), float(g["lat"])  # type: ignore[arg-type]
        if (lon, lat) in seen or not _point_in_ring(lon, lat, ring):
            continue
        seen.add((lon, lat))
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "intersection", "name": f"{str(g['a']).title()} & {str(g['b']).title()}"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "source": f"{GAZETTEER}; {INCIDENTS}; src/rtcc/demo/data/cerritos_boundary.geojson",
            "derived_by": "tools/derive_web_basemap.py",
            "note": "Arterials reconstructed from LASD gazetteer and hundred-block incident points (~100 m rounding).",
        },
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "web" / "public" / "basemap" / "cerritos.geojson")
    args = parser.parse_args()
    doc = derive(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    kinds: dict[str, int] = {}
    for f in doc["features"]:  # type: ignore[attr-defined]
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {kinds}")


if __name__ == "__main__":
    main()
