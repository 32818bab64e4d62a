"""Derive the packaged city profiles (``src/rtcc/places/profiles/<city>/``) from the project's shared public data.

Usage: ``python tools/derive_city_profiles.py --data ../shared/data [--out src/rtcc/places/profiles]``. Needs shapely
(a dev dependency: ``pip install -e '.[dev]'``); the package itself reads only the files this writes, never the
shared folder. Re-running on the same inputs rewrites identical files.

What each profile folder holds (see ``rtcc.places.schemas`` for the contract and ``SOURCES.md`` in each folder):
``profile.json`` (name, time zone, agency, labels, alert sender names, sources), ``boundary.geojson``,
``divisions.geojson`` (stations or police divisions), ``districts.geojson`` (reporting districts, each naming its
division), ``neighborhoods.geojson`` (one simple polygon each: community alerts and watch groups refer to them),
``intersections.csv`` (the canvass gazetteer) and ``places.csv`` (parks and public schools inside the boundary).

Simplification: Douglas-Peucker (shapely ``simplify(preserve_topology=True)``) with the tolerance in degrees named per
layer below (0.0001 deg is about 11 m north-south, 9 m east-west at 34 N); coordinates rounded to 6 decimals
(0.1 m). The Cerritos city boundary keeps its published vertices unchanged (the demo world and the rebate
eligibility checks use the same polygon).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

#: Douglas-Peucker tolerances in degrees, per layer.
TOL_CERRITOS_DISTRICTS = 0.00005
TOL_LA_BOUNDARY = 0.0003
TOL_LA_DIVISIONS = 0.0003
TOL_LA_DISTRICTS = 0.0002
TOL_LA_NEIGHBORHOODS = 0.0003
TOL_LA_TRACTS = 0.0001
DIGITS = 6
#: population.geojson's top-level ``what``.
POPULATION_WHAT = "census tract population (2020 decennial where the 2010 tract kept its GEOID, else 2010)"
#: The official 2020 decennial population of Cerritos: the derived tracts must sum to it (PROVENANCE.md's check).
CERRITOS_POPULATION_2020 = 49_578
#: The official 2020 decennial population of the City of Los Angeles, printed beside the derived sum (tracts are
#: assigned by interior point, so the sum differs slightly where a tract straddles the city line).
LOS_ANGELES_POPULATION_2020 = 3_898_747

ROOT = Path(__file__).resolve().parents[1]


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DIGITS)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    return obj


def _geometry(geom: BaseGeometry) -> dict[str, Any]:
    g = mapping(geom)
    return {"type": g["type"], "coordinates": _round(g["coordinates"])}


def _simplify(geom: BaseGeometry, tol: float) -> BaseGeometry:
    out = geom.simplify(tol, preserve_topology=True) if tol > 0 else geom
    if not out.is_valid:
        out = out.buffer(0)
    return out


def _largest(geom: BaseGeometry) -> Polygon:
    """The largest polygon of a (multi)polygon, without holes (community neighborhoods are one simple ring)."""
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    biggest = max(polys, key=lambda p: p.area)
    return Polygon(biggest.exterior)


def _features(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return list(doc["features"])


def _write_layer(path: Path, rows: list[tuple[dict[str, Any], BaseGeometry]]) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": _geometry(g)} for props, g in rows],
    }
    path.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _places(data: Path, boundary: BaseGeometry) -> list[list[Any]]:
    """Parks and public schools whose point lies inside the boundary, sorted by kind and name."""
    out: list[list[Any]] = []
    pois = data / "geo" / "pois_la_county"
    for kind, fname in (
        ("park", "la_county_parks_and_gardens_lms.geojson"),
        ("school", "la_county_public_schools_cde_schoolsites2223_subset.geojson"),
    ):
        seen: set[str] = set()
        for f in _features(pois / fname):
            name = (f["properties"].get("name") or "").strip()
            x, y = f["geometry"]["coordinates"][:2]
            if not name or name in seen or not boundary.contains(Point(x, y)):
                continue
            seen.add(name)
            out.append([kind, name, round(float(y), DIGITS), round(float(x), DIGITS)])
    return sorted(out, key=lambda r: (r[0], r[1]))


def _profile_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _sources_md(path.parent, doc)


_LICENCES = """## Licences

- Police boundaries (LASD and LAPD reporting districts, LAPD divisions, LASD station areas) are public-agency data
  (LA County Sheriff, LAPD, LA County / LA City GeoHub), as redistributed by the LA Times Data Desk
  (datadesk/boundaries.latimes.com, commit 1eaeafa3871e7237a89c2e1e59e6ff7d68fa97e0, no licence file) and by ABC Owned
  Television Stations (abcotvdata/safetytracker_losangeles, commit c724d521bb9c7ebf23b765d3e14c447240b04fe9, no
  licence file) and WTL04/CECS-450-Project-1 (LA GeoHub "LAPD Divisions" export, commit 9f7d4975d57d).
- Neighborhood and city outlines: LA Times "Mapping L.A." boundaries (via DanHerman212/los_angeles_crime,
  commit bb475e3d7a3f3ebe6bd524c34e3e3ef9bd07adef; no licence stated; check the LA Times terms before republishing
  them outside this project).
- Intersections: median published coordinates of LASD (2021-2022) and LAPD (2020) incidents at street-pair
  intersections, as derived in the project's shared data set (public open-data incident records).
- Parks: LA County Location Management System (LMS) "Parks and Gardens"; schools: California Department of Education
  school sites 2022-23 (public records).
- Vintage: the reporting districts are about 2010-2011; they are realistic structure, not current operational lines.
"""


def _sources_md(folder: Path, doc: dict[str, Any]) -> None:
    tol = ", ".join(f"{k} {v} deg" for k, v in doc.get("simplify_tolerance_deg", {}).items()) or "none"
    lines = [
        f"# City profile `{doc['slug']}`: {doc['name']}, {doc['state']}",
        "",
        "Derived from the project's shared public data by `tools/derive_city_profiles.py` (re-running it on the same",
        "inputs rewrites identical files). The package reads only these files, never the shared data folder.",
        "",
        f"Simplification (Douglas-Peucker, topology preserved; coordinates rounded to {DIGITS} decimals): {tol}.",
        "",
        "## Files and sources",
        "",
        *(f"- {line}" for line in doc["sources"]),
        "",
        _LICENCES,
    ]
    (folder / "SOURCES.md").write_text("\n".join(lines), encoding="utf-8")


def _population(data: Path, boundary: BaseGeometry, tolerance: float = 0.0) -> dict[str, Any]:
    """The census tracts whose Census interior point (INTPTLON/INTPTLAT) lies inside ``boundary``, sorted by GEOID,
    with the tract's 2020 decennial population where the 2010 tract kept its GEOID, else its 2010 population (the
    shared ``geo/census_tracts_la_county``; see its PROVENANCE.md). Shapes are the 2010-vintage tracts, simplified
    with ``tolerance`` degrees (0: unsimplified), coordinates rounded to ``DIGITS`` decimals."""
    features = []
    tracts = _features(data / "geo" / "census_tracts_la_county" / "la_county_tracts_2010_pop.geojson")
    for f in sorted(tracts, key=lambda f: str(f["properties"]["GEOID"])):
        p = f["properties"]
        if not boundary.contains(Point(float(p["INTPTLON"]), float(p["INTPTLAT"]))):
            continue
        pop2020 = p.get("pop2020_same_geoid")
        pop, year = (int(pop2020), 2020) if pop2020 is not None else (int(p["pop2010"]), 2010)
        if tolerance > 0:
            geometry = _geometry(_simplify(shape(f["geometry"]), tolerance))
        else:
            geometry = {"type": f["geometry"]["type"], "coordinates": _round(f["geometry"]["coordinates"])}
        features.append(
            {"type": "Feature", "properties": {"geoid": str(p["GEOID"]), "population": pop, "year": year},
             "geometry": geometry}
        )  # fmt: skip
    if not features:
        raise SystemExit("population: no census tract has its interior point inside the boundary")
    return {"type": "FeatureCollection", "properties": {"what": POPULATION_WHAT}, "features": features}


def _write_population(path: Path, doc: dict[str, Any]) -> int:
    """Writes ``population.geojson`` (compact JSON, no trailing newline) and returns the total population."""
    path.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return sum(int(f["properties"]["population"]) for f in doc["features"])


def _population_source(city: str, doc: dict[str, Any], total: int, official: str) -> str:
    n = len(doc["features"])
    years = sorted({f["properties"]["year"] for f in doc["features"]})
    return (
        f"population: `population.geojson` (read by analytics' camera-rebate placement): the {n} census tracts whose "
        f"Census interior point lies in {city}; 2010-vintage TIGER/Line 2012 tract shapes (public domain; via the LA "
        'Times "Census Tracts (2012)" export in abvthecity/la-map-d3, MIT) with 2020 decennial population where '
        "the tract kept its GEOID"
        + (", else 2010" if 2010 in years else "")
        + f" (US Census Bureau counts, public domain; via defuneste/CORIassessment, MIT). Sums to {total:,}{official}."
        " Coordinates rounded to 6 decimals."
    )


# --- Cerritos ---------------------------------------------------------------------------------------------------------

_QUADRANTS = {"nw": "Northwest", "ne": "Northeast", "sw": "Southwest", "se": "Southeast"}

_CERRITOS_STREET_FIXES = {"LOS CRRITOS CTR": "LOS CERRITOS CTR", "VALLEY VEIW ST": "VALLEY VIEW ST"}


def derive_cerritos(data: Path, out: Path) -> None:
    geo = data / "geo"
    out.mkdir(parents=True, exist_ok=True)
    city_feature = _features(geo / "cerritos_city_mapping_la.geojson")[0]
    city = shape(city_feature["geometry"])
    _write_layer(out / "boundary.geojson", [({"name": "Cerritos"}, city)])

    station = unary_union([shape(f["geometry"]) for f in _features(geo / "cerritos_lasd_station_area.geojson")])
    _write_layer(out / "divisions.geojson", [({"code": "CER", "name": "Cerritos Station"}, station)])

    rds = sorted(
        _features(geo / "police_districts" / "cerritos_station_reporting_districts.geojson"),
        key=lambda f: f["properties"]["rd"],
    )
    district_rows = []
    for f in rds:
        rd = str(f["properties"]["rd"])
        g = _simplify(shape(f["geometry"]), TOL_CERRITOS_DISTRICTS)
        district_rows.append(({"code": rd, "name": f"RD {rd}", "division": "CER"}, g))
    _write_layer(out / "districts.geojson", district_rows)

    # Four neighborhoods, each the union of the reporting districts whose representative point lies in that quarter
    # of the city's bounding box (codes nw/ne/sw/se: the codes the earlier bounding-box sectors used).
    min_x, min_y, max_x, max_y = city.bounds
    mid_x, mid_y = (min_x + max_x) / 2, (min_y + max_y) / 2
    groups: dict[str, list[tuple[str, BaseGeometry]]] = {k: [] for k in _QUADRANTS}
    for f in rds:
        g = shape(f["geometry"])
        p = g.representative_point()
        key = ("n" if p.y >= mid_y else "s") + ("w" if p.x < mid_x else "e")
        groups[key].append((str(f["properties"]["rd"]), g))
    hood_rows = []
    for code, label in _QUADRANTS.items():
        members = groups[code]
        if not members:
            raise SystemExit(f"cerritos: no reporting district in the {label.lower()} quarter")
        union = unary_union([g.buffer(0.00002) for _, g in members]).buffer(-0.00002)
        ring = _simplify(_largest(union), TOL_CERRITOS_DISTRICTS)
        rd_list = ", ".join(rd for rd, _ in members)
        hood_rows.append(({"code": code, "name": f"{label} Cerritos", "districts": rd_list}, ring))
    _write_layer(out / "neighborhoods.geojson", hood_rows)

    rows: dict[frozenset[str], list[Any]] = {}
    with (data / "incidents" / "lasd_2021_2022" / "derived_lasd_intersections_gazetteer.csv").open() as fh:
        for r in csv.DictReader(fh):
            if r["city"].strip().upper() != "CERRITOS":
                continue
            a = _CERRITOS_STREET_FIXES.get(r["street_a"].strip(), r["street_a"].strip())
            b = _CERRITOS_STREET_FIXES.get(r["street_b"].strip(), r["street_b"].strip())
            rows.setdefault(frozenset((a, b)), [a, b, float(r["lat_median"]), float(r["lon_median"])])
    _write_csv(out / "intersections.csv", ["street_a", "street_b", "lat", "lon"], list(rows.values()))
    _write_csv(out / "places.csv", ["kind", "name", "lat", "lon"], _places(data, city))
    population = _population(data, city)
    total = _write_population(out / "population.geojson", population)
    if total != CERRITOS_POPULATION_2020:
        raise SystemExit(f"cerritos: census tracts sum to {total}, not the official {CERRITOS_POPULATION_2020}")

    _profile_json(
        out / "profile.json",
        {
            "slug": "cerritos",
            "name": "Cerritos",
            "state": "CA",
            "time_zone": "America/Los_Angeles",
            "agency": "Los Angeles County Sheriff's Department, Cerritos Station",
            "division_label": "Station",
            "district_label": "Reporting district",
            "alerts": {
                "sender_name": "City of Cerritos Community Alerts",
                "cap_sender": "alerts@cerritos.example",
                "email_from": "Cerritos Community Alerts <alerts@cerritos.example>",
            },
            "simplify_tolerance_deg": {"districts": TOL_CERRITOS_DISTRICTS, "neighborhoods": TOL_CERRITOS_DISTRICTS},
            "sources": [
                "boundary: LA Times Mapping L.A. 'Cerritos' (shared geo/cerritos_city_mapping_la.geojson), unchanged",
                "divisions: LASD Cerritos station area (abcotvdata/safetytracker_losangeles via shared geo/)",
                "districts: LASD reporting districts 2310-2319, 2357 (datadesk/boundaries.latimes.com, 2010 vintage)",
                "neighborhoods: unions of those reporting districts by quarter of the city",
                "intersections: LASD incident gazetteer rows of Cerritos (shared incidents/lasd_2021_2022)",
                "places: LA County parks (LMS) and CDE school sites inside the boundary (shared geo/pois_la_county)",
                _population_source("Cerritos", population, total, ", the official 2020 Cerritos population"),
            ],
        },
    )


# --- Los Angeles ------------------------------------------------------------------------------------------------------


def derive_los_angeles(data: Path, out: Path) -> None:
    geo = data / "geo"
    out.mkdir(parents=True, exist_ok=True)
    names = {
        int(f["properties"]["number"]): f["properties"]["name"]
        for f in _features(geo / "police_districts" / "lapd_divisions.geojson")
    }
    divisions: dict[int, BaseGeometry] = {}
    for f in _features(geo / "lapd_divisions_21_geohub_with_prec.geojson"):
        g = shape(f["geometry"])
        divisions[int(f["properties"]["PREC"])] = g if g.is_valid else g.buffer(0)
    if sorted(divisions) != list(range(1, 22)) or sorted(names) != list(range(1, 22)):
        raise SystemExit("los_angeles: expected LAPD divisions 1-21 in both division files")
    city = unary_union(list(divisions.values()))
    boundary = _simplify(city, TOL_LA_BOUNDARY)
    _write_layer(out / "boundary.geojson", [({"name": "Los Angeles"}, boundary)])
    _write_layer(
        out / "divisions.geojson",
        [
            ({"code": f"{n:02d}", "name": names[n]}, _simplify(divisions[n], TOL_LA_DIVISIONS))
            for n in sorted(divisions)
        ],
    )

    district_rows = []
    moved = 0
    for f in sorted(
        _features(geo / "police_districts" / "lapd_reporting_districts.geojson"),
        key=lambda f: int(f["properties"]["repdist"]),
    ):
        rd = int(f["properties"]["repdist"])
        g = shape(f["geometry"])
        by_number = rd // 100  # LAPD numbers RDs by division: 0101-0199 Central (1) ... 2101-2199 Topanga (21)
        p = g.representative_point()
        found = [n for n, d in divisions.items() if d.contains(p)]
        division = by_number
        if by_number not in divisions or (found and by_number not in found):
            # the 2010 RD layer predates a redrawn division line: trust where the district lies today
            division = found[0] if found else by_number
            moved += 1
        district_rows.append(
            (
                {"code": f"{rd:04d}", "name": f"RD {rd:04d}", "division": f"{division:02d}"},
                _simplify(g, TOL_LA_DISTRICTS),
            )
        )
    _write_layer(out / "districts.geojson", district_rows)

    hood_rows = []
    for f in sorted(
        _features(geo / "la_county_neighborhoods_mapping_la_272.geojson"), key=lambda f: f["properties"]["slug"]
    ):
        g = shape(f["geometry"])
        if not g.is_valid:
            g = g.buffer(0)
        if not city.contains(g.representative_point()):
            continue
        ring = _simplify(_largest(g), TOL_LA_NEIGHBORHOODS)
        hood_rows.append(({"code": f["properties"]["slug"], "name": f["properties"]["name"]}, ring))
    _write_layer(out / "neighborhoods.geojson", hood_rows)

    rows: dict[frozenset[str], list[Any]] = {}
    with (data / "incidents" / "lapd_2020" / "derived_lapd_intersections_gazetteer.csv").open() as fh:
        for r in csv.DictReader(fh):
            a, b = r["street_a"].strip(), r["street_b"].strip()
            if a and b and a != b:
                rows.setdefault(frozenset((a, b)), [a, b, float(r["lat_median"]), float(r["lon_median"])])
    _write_csv(out / "intersections.csv", ["street_a", "street_b", "lat", "lon"], list(rows.values()))
    _write_csv(out / "places.csv", ["kind", "name", "lat", "lon"], _places(data, city))
    population = _population(data, city, TOL_LA_TRACTS)
    total = _write_population(out / "population.geojson", population)

    _profile_json(
        out / "profile.json",
        {
            "slug": "los_angeles",
            "name": "Los Angeles",
            "state": "CA",
            "time_zone": "America/Los_Angeles",
            "agency": "Los Angeles Police Department",
            "division_label": "Division",
            "district_label": "Reporting district",
            "alerts": {
                "sender_name": "City of Los Angeles Community Alerts",
                "cap_sender": "alerts@lacity.example",
                "email_from": "Los Angeles Community Alerts <alerts@lacity.example>",
            },
            "simplify_tolerance_deg": {
                "boundary": TOL_LA_BOUNDARY,
                "divisions": TOL_LA_DIVISIONS,
                "districts": TOL_LA_DISTRICTS,
                "neighborhoods": TOL_LA_NEIGHBORHOODS,
                "population": TOL_LA_TRACTS,
            },
            "sources": [
                "boundary: union of the 21 LAPD divisions (LA GeoHub 'LAPD Divisions', shared geo/)",
                "divisions: LA GeoHub 'LAPD Divisions' (PREC = LAPD AREA number); names from datadesk lapd_divisions",
                f"districts: LAPD reporting districts (datadesk/boundaries.latimes.com, 2010 vintage); division = RD "
                f"number // 100, or where the district lies today when that differs ({moved} districts)",
                "neighborhoods: LA Times Mapping L.A. neighborhoods inside the city (largest polygon of each)",
                "intersections: LAPD incident gazetteer (shared incidents/lapd_2020, median coordinates)",
                "places: LA County parks (LMS) and CDE school sites inside the boundary (shared geo/pois_la_county)",
                _population_source(
                    "Los Angeles", population, total, f" (the official 2020 count is {LOS_ANGELES_POPULATION_2020:,})"
                ).replace("Coordinates rounded", f"Simplified at {TOL_LA_TRACTS} deg; coordinates rounded"),
            ],
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "rtcc" / "places" / "profiles")
    parser.add_argument("--city", choices=["cerritos", "los_angeles", "all"], default="all")
    args = parser.parse_args()
    if args.city in ("cerritos", "all"):
        derive_cerritos(args.data, args.out / "cerritos")
    if args.city in ("los_angeles", "all"):
        derive_los_angeles(args.data, args.out / "los_angeles")
    for folder in sorted(p for p in args.out.iterdir() if p.is_dir()):
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        print(f"{folder.name}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
