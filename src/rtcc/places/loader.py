"""Reading a city profile folder into a ``CityProfile``, validating every file.

A packaged profile is named by its slug (``profiles/<slug>/`` inside the package); anything else is taken as the
path of a folder. Every problem is a ``ProfileInvalid`` whose message and ``errors`` name the file and the field
(``districts.geojson: features[12].properties.code: ...``, ``intersections.csv: line 7: lat: ...``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rtcc.core import geo
from rtcc.core.errors import ProfileInvalid, field_error
from rtcc.places.logic import Area, AreaIndex
from rtcc.places.schemas import AreaProps, BoundaryProps, IntersectionRow, PlaceRow, ProfileMeta

M = TypeVar("M", bound=BaseModel)

#: The files of a profile folder; the CSV files may be absent (no gazetteer, no places).
REQUIRED = ("profile.json", "boundary.geojson", "divisions.geojson", "districts.geojson", "neighborhoods.geojson")
OPTIONAL = ("intersections.csv", "places.csv")


@dataclass(frozen=True)
class CityProfile:
    """A loaded, validated city profile."""

    source: str
    meta: ProfileMeta
    boundary: geo.Boundary
    city: AreaIndex  # the boundary as an index (fast ``contains``)
    divisions: AreaIndex
    districts: AreaIndex
    neighborhoods: AreaIndex
    intersections: tuple[IntersectionRow, ...]
    places: tuple[PlaceRow, ...]


def packaged_profiles() -> list[str]:
    """Slugs of the profiles shipped with the package."""
    root = files("rtcc.places").joinpath("profiles")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.joinpath("profile.json").is_file())


def profile_folder(ref: str) -> Path:
    """The folder a ``city_profile`` setting names: a packaged slug, or a path."""
    if ref in packaged_profiles():
        return Path(str(files("rtcc.places").joinpath("profiles", ref)))
    return Path(ref).expanduser()


def _fail(file: str, loc: str, msg: str) -> ProfileInvalid:
    where = f"{file}: {loc}" if loc else file
    return ProfileInvalid(f"city profile {where}: {msg}", errors=[field_error(loc, msg, where=file)])


def _validate(model: type[M], data: Any, file: str, prefix: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        raise _fail(file, loc, err["msg"]) from None


def _json(folder: Path, name: str) -> Any:
    path = folder / name
    if not path.is_file():
        raise _fail(name, "", f"missing from the profile folder {folder}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(name, "", f"not valid JSON ({exc})") from None


def _features(folder: Path, name: str) -> list[tuple[str, dict[str, Any], tuple[geo.Ring, ...]]]:
    doc = _json(folder, name)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise _fail(name, "type", "expected a GeoJSON FeatureCollection with a 'features' list")
    out = []
    for i, f in enumerate(doc["features"]):
        loc = f"features[{i}]"
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
            raise _fail(name, f"{loc}.geometry", "missing")
        try:
            rings = tuple(geo.rings_of_geometry(f["geometry"]))
        except ValueError as exc:
            raise _fail(name, f"{loc}.{exc}", "not a polygon") from None
        except (TypeError, KeyError, IndexError):
            raise _fail(name, f"{loc}.geometry.coordinates", "not a list of [lon, lat] rings") from None
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise _fail(name, f"{loc}.geometry.coordinates", "a ring needs 4+ positions, first = last")
            if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in ring):
                raise _fail(name, f"{loc}.geometry.coordinates", "a position is not a WGS84 [lon, lat]")
        out.append((loc, f.get("properties") or {}, rings))
    return out


def _areas(folder: Path, name: str, *, one_ring: bool = False) -> list[Area]:
    areas: list[Area] = []
    seen: set[str] = set()
    for loc, props, rings in _features(folder, name):
        p = _validate(AreaProps, props, name, f"{loc}.properties")
        if p.code in seen:
            raise _fail(name, f"{loc}.properties.code", f"duplicate code {p.code!r}")
        if one_ring and len(rings) != 1:
            raise _fail(name, f"{loc}.geometry", "a neighborhood is one Polygon ring without holes")
        seen.add(p.code)
        areas.append(Area(code=p.code, name=p.name, rings=rings, division=p.division))
    return areas


def _csv(folder: Path, name: str, model: type[M]) -> list[M]:
    path = folder / name
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        wanted = set(model.model_fields)
        if set(reader.fieldnames or []) != wanted:
            raise _fail(name, "line 1", f"expected the columns {sorted(wanted)}, got {reader.fieldnames}")
        return [_validate(model, row, name, f"line {n}") for n, row in enumerate(reader, start=2)]


def load_profile(ref: str) -> CityProfile:
    """Load and validate the profile a ``city_profile`` setting names."""
    folder = profile_folder(ref)
    if not folder.is_dir():
        known = ", ".join(packaged_profiles())
        raise ProfileInvalid(
            f"city profile {ref!r}: neither a packaged profile ({known}) nor a folder",
            errors=[field_error("city_profile", "unknown city profile", where="settings")],
        )
    meta = _validate(ProfileMeta, _json(folder, "profile.json"), "profile.json", "")
    boundary_features = _features(folder, "boundary.geojson")
    if not boundary_features:
        raise _fail("boundary.geojson", "features", "the city boundary has no feature")
    for loc, props, _ in boundary_features:
        _validate(BoundaryProps, props, "boundary.geojson", f"{loc}.properties")
    boundary = geo.Boundary(tuple(r for _, _, rings in boundary_features for r in rings))
    divisions = _areas(folder, "divisions.geojson")
    districts = _areas(folder, "districts.geojson")
    codes = {d.code for d in divisions}
    for i, d in enumerate(districts):
        if d.division is not None and d.division not in codes:
            raise _fail("districts.geojson", f"features[{i}].properties.division", f"unknown division {d.division!r}")
    return CityProfile(
        source=str(folder),
        meta=meta,
        boundary=boundary,
        city=AreaIndex([Area(code=meta.slug, name=meta.name, rings=boundary.rings)]),
        divisions=AreaIndex(divisions),
        districts=AreaIndex(districts),
        neighborhoods=AreaIndex(_areas(folder, "neighborhoods.geojson", one_ring=True)),
        intersections=tuple(_csv(folder, "intersections.csv", IntersectionRow)),
        places=tuple(_csv(folder, "places.csv", PlaceRow)),
    )
