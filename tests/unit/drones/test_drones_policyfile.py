"""The policy file: the packaged city defaults are valid; a bad file lists every problem, each naming where it is
(policy member, excluded entry, feature and ring), and a JSON syntax error names its line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from rtcc.drones import policyfile

POLICIES = Path(__file__).resolve().parents[3] / "src" / "rtcc" / "drones" / "policies"

GOOD: dict[str, Any] = {
    "type": "FeatureCollection",
    "policy": {
        "name": "p",
        "eligible_call_types": ["SHOTS"],
        "excluded_call_types": [{"call_type": "NOISE", "rule_id": "X-1", "rule": "not for noise"}],
        "max_wind_mps": 10,
        "daylight_only": False,
        "min_battery_pct": 50,
        "max_range_m": 3000,
    },
    "features": [
        {
            "type": "Feature",
            "properties": {"kind": "no_fly", "name": "Z"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        }
    ],
}


@pytest.mark.parametrize("slug", ["cerritos", "los_angeles"])
def test_packaged_policies_are_valid(slug: str) -> None:
    doc = policyfile.load(POLICIES / f"{slug}.geojson")
    assert doc.zones and all(z.kind == "camera_restricted" for z in doc.zones)
    assert doc.limits is not None and doc.policy.excluded_call_types


def test_a_good_document() -> None:
    doc = policyfile.parse(GOOD)
    assert doc.limits is None and doc.zones[0].bbox == (0.0, 0.0, 1.0, 1.0) and doc.policy.reserve_pct == 20.0


def test_every_problem_is_named() -> None:
    bad = copy.deepcopy(GOOD)
    bad["policy"]["max_wind_mps"] = -1
    bad["policy"]["excluded_call_types"].append({"call_type": "SHOTS", "rule_id": "X-2"})
    bad["policy"]["surprise"] = 1
    bad["features"].append({"type": "Feature", "properties": {"kind": "camera_down", "name": ""}, "geometry": None})
    bad["features"].append(
        {
            "type": "Feature",
            "properties": {"kind": "no_fly", "name": "open ring"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        }
    )
    bad["colour"] = "red"
    with pytest.raises(policyfile.PolicyFileError) as err:
        policyfile.parse(bad)
    text = "\n".join(err.value.errors)
    for where in (
        "colour: unknown member",
        "policy.max_wind_mps:",
        "policy.excluded_call_types.1.rule:",
        "policy.surprise:",
        "features[1].properties.kind: 'camera_down'",
        "features[1].properties.name:",
        "features[1].geometry: must be a GeoJSON geometry",
        "features[2].geometry.coordinates[0]: a linear ring must end where it starts",
    ):
        assert where in text, f"{where!r} not in:\n{text}"


def test_excluded_and_eligible_at_once_and_gusts_below_wind() -> None:
    bad = copy.deepcopy(GOOD)
    bad["policy"]["excluded_call_types"][0]["call_type"] = "SHOTS"
    bad["policy"]["max_gust_mps"] = 5
    with pytest.raises(policyfile.PolicyFileError, match="also in eligible_call_types") as err:
        policyfile.parse(bad)
    assert any(e.startswith("policy.max_gust_mps") for e in err.value.errors)


def test_missing_policy_and_json_syntax(tmp_path: Path) -> None:
    with pytest.raises(policyfile.PolicyFileError, match="policy: missing"):
        policyfile.parse({"type": "FeatureCollection", "features": []})
    f = tmp_path / "p.geojson"
    f.write_text('{"type": "FeatureCollection",\n "policy": }')
    with pytest.raises(policyfile.PolicyFileError, match=r"p\.geojson: line 2"):
        policyfile.load(f)
    f.write_text(json.dumps([1]))
    with pytest.raises(policyfile.PolicyFileError, match="FeatureCollection object"):
        policyfile.load(f)
