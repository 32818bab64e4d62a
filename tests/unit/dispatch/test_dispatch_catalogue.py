"""The packaged dispatch catalogues load and hold together; their APCO codes are real ones (checked against the
NENA EIDO schema's list where the shared data is present); a broken catalogue is an error naming the field."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rtcc.core.errors import ProfileInvalid
from rtcc.dispatch import catalogue
from rtcc_testing import shared_data


def test_packaged_catalogues_load() -> None:
    assert {"cerritos", "los_angeles"} <= set(catalogue.packaged())
    c = catalogue.load("cerritos")
    assert [p.code for p in c.scheme.priorities] == ["Emergent", "Priority", "Routine"]
    alarm = c.call_type("ALARM_BURG_RES")
    assert alarm is not None and alarm.default_priority == "Routine"  # the change to Priority is a dated rule
    assert alarm.alarm is not None and (alarm.alarm.category, alarm.alarm.location) == ("BURG", "residential")
    guard = c.unit_type("guard")
    assert guard is not None and guard.capabilities == frozenset({"observe_and_report"}) and not guard.sworn
    assert {s.code for s in c.shifts} == {"day", "pm", "early_morning"}
    la = catalogue.load("los_angeles")
    assert la.scheme.name == "numbered" and la.scheme.level("1") is not None
    assert catalogue.reference(None, "cerritos") == "cerritos"
    with pytest.raises(ProfileInvalid, match="RTCC_DISPATCH_CATALOGUE"):
        catalogue.reference(None, "springfield")


def test_apco_codes_are_codes_of_the_eido_schema() -> None:
    path = shared_data("standards", "nena_eido", "apco_codes_from_niem_apco_event_4.0.csv")
    with path.open(encoding="utf-8") as fh:
        codes = {row["code"] for row in csv.DictReader(fh)}
    for name in catalogue.packaged():
        c = catalogue.load(name)
        assert not [t.apco_code for t in c.call_types if t.apco_code not in codes], name
        assert not [t.alarm.category for t in c.call_types if t.alarm and t.alarm.category not in codes], name


def test_a_broken_catalogue_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(Path(str(catalogue._path("cerritos"))).read_text())
    doc["call_types"][0]["default_priority"] = "Urgent"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ProfileInvalid, match="default_priority"):
        catalogue.load(str(bad))
    doc["unit_types"][4]["capabilities"] = ["enforcement"]  # the guard
    doc["call_types"][0]["default_priority"] = "Routine"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ProfileInvalid, match="sworn"):
        catalogue.load(str(bad))  # a failed load is not cached
    with pytest.raises(ProfileInvalid, match="no such packaged catalogue"):
        catalogue.load(str(tmp_path / "missing.json"))
