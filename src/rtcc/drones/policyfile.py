"""The launch-policy file: one GeoJSON ``FeatureCollection`` that carries the policy and the program's limits as
foreign members and the geofence zones as its features, parsed and validated with errors that name the place.

    {"type": "FeatureCollection",
     "policy": {"name": "...", "eligible_call_types": ["SHOTS", ...],
                "excluded_call_types": [{"call_type": "FOCUSED_PATROL", "rule_id": "DFR-4.2", "rule": "..."}],
                "max_wind_mps": 10.7, "max_gust_mps": 13.4, "daylight_only": false,
                "min_battery_pct": 60, "reserve_pct": 25, "max_range_m": 3200},
     "program_limits": {"authorization_ref": "FAA COA ...", "max_altitude_m": 122, "bvlos_allowed": true,
                        "night_ops_allowed": true},
     "features": [{"type": "Feature", "properties": {"kind": "no_fly" | "camera_restricted", "name": "..."},
                   "geometry": {"type": "Polygon" | "MultiPolygon", "coordinates": [...]}}]}

``program_limits`` is optional (a policy change need not restate the authorisation). Pure: it reads only the file it
is given; checking call types against the dispatch catalogue is the importer's job (``rtcc.drones.policies``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rtcc.drones.geofence import ZONE_KINDS, GeofenceError, polygon_rings
from rtcc.drones.schemas import LimitsIn, PolicyIn

#: Foreign members a policy file may carry besides GeoJSON's own.
MEMBERS = frozenset({"type", "policy", "program_limits", "features", "name", "bbox", "description"})


class PolicyFileError(ValueError):
    """The file is not a valid policy file; ``errors`` lists every problem as ``"<where>: <what>"``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ZoneIn:
    """A validated zone: kind, name, geometry and its bounding box (min_lon, min_lat, max_lon, max_lat)."""

    kind: str
    name: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class PolicyDocument:
    policy: PolicyIn
    limits: LimitsIn | None
    zones: tuple[ZoneIn, ...]


def _pydantic_errors(prefix: str, exc: ValidationError) -> list[str]:
    return [f"{'.'.join([prefix, *(str(p) for p in e['loc'])])}: {e['msg']}" for e in exc.errors()]


def parse(doc: Any) -> PolicyDocument:
    """Validate a decoded policy document; raises ``PolicyFileError`` listing every problem."""
    if not isinstance(doc, dict):
        raise PolicyFileError(["(top level): must be a GeoJSON FeatureCollection object"])
    errors: list[str] = []
    if doc.get("type") != "FeatureCollection":
        errors.append(f"type: must be 'FeatureCollection', not {doc.get('type')!r}")
    errors.extend(f"{k}: unknown member" for k in sorted(set(doc) - MEMBERS))
    policy: PolicyIn | None = None
    limits: LimitsIn | None = None
    if "policy" not in doc:
        errors.append("policy: missing (the launch policy: eligible call types, limits, range)")
    else:
        try:
            policy = PolicyIn.model_validate(doc["policy"])
        except ValidationError as exc:
            errors.extend(_pydantic_errors("policy", exc))
    if doc.get("program_limits") is not None:
        try:
            limits = LimitsIn.model_validate(doc["program_limits"])
        except ValidationError as exc:
            errors.extend(_pydantic_errors("program_limits", exc))
    if policy is not None:
        seen: dict[str, int] = {}
        for i, ex in enumerate(policy.excluded_call_types):
            if ex.call_type in seen:
                errors.append(f"policy.excluded_call_types.{i}.call_type: {ex.call_type} is excluded twice")
            seen[ex.call_type] = i
            if ex.call_type in policy.eligible_call_types:
                errors.append(
                    f"policy.excluded_call_types.{i}.call_type: {ex.call_type} is also in eligible_call_types"
                )
        if policy.max_gust_mps is not None and policy.max_gust_mps < policy.max_wind_mps:
            errors.append("policy.max_gust_mps: must not be below max_wind_mps")
    zones: list[ZoneIn] = []
    features = doc.get("features", [])
    if not isinstance(features, list):
        errors.append("features: must be a list")
        features = []
    for i, f in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            errors.append(f"{where}: must be a GeoJSON Feature")
            continue
        props = f.get("properties") or {}
        kind, name = props.get("kind"), props.get("name")
        if kind not in ZONE_KINDS:
            errors.append(f"{where}.properties.kind: {kind!r} is not one of {', '.join(ZONE_KINDS)}")
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            errors.append(f"{where}.properties.name: a name of 1 to 128 characters is required")
        try:
            rings = polygon_rings(f.get("geometry"), f"{where}.geometry")
        except GeofenceError as exc:
            errors.append(str(exc))
            continue
        if isinstance(kind, str) and kind in ZONE_KINDS and isinstance(name, str) and name.strip():
            xs = [float(x) for r in rings for x in r[:, 0]]
            ys = [float(y) for r in rings for y in r[:, 1]]
            zones.append(ZoneIn(kind, name.strip(), dict(f["geometry"]), (min(xs), min(ys), max(xs), max(ys))))
    if errors or policy is None:
        raise PolicyFileError(errors)
    return PolicyDocument(policy, limits, tuple(zones))


def load(path: Path) -> PolicyDocument:
    """Read and validate a policy file; ``PolicyFileError`` names the file on a JSON syntax error."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PolicyFileError([f"{path.name}: line {exc.lineno} column {exc.colno}: {exc.msg}"]) from exc
    except OSError as exc:
        raise PolicyFileError([f"{path}: {exc.strerror or exc}"]) from exc
    return parse(doc)
