"""Derive the demo's call profile (``src/rtcc/demo/data/call_profile.json``) from the shared public data set.

Two facts, both stated in ``src/rtcc/demo/data/SOURCES.md``:

* **When calls arrive**: the hour-of-week shape (168 weights summing to 1, Monday 00h first, local time) of the
  police calls of Alexandria, VA's 911/CAD export (weeks 35-45 of 2025), the only CAD export in the data set with
  times of day and a priority for every call.
* **What calls are**: a mix of APCO common incident types. Crime calls take the category mix of the LA County
  Sheriff's Cerritos station incidents (2021-22); the other police calls (alarms, collisions, disturbances, traffic
  stops ...) and the crime calls' share of all calls come from the Alexandria police calls, mapped problem by problem
  (``ALEXANDRIA`` below). Alexandria problems that are not calls a patrol unit answers (administrative tasks, lobby
  walk-ins, off-duty details) and those with no mapping are left out; the output says how many calls that was.

Alarm types carry the premise kind after a slash (``ALRBA/residential``): APCO codes the alarm's location category
separately from its type, and the demo needs residential burglary alarms apart from commercial ones.

Deterministic: the same inputs rewrite a byte-identical file. Usage:
``python tools/derive_demo_calls.py [--data DIR] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

ALEX_SRC = "cad/alexandria_decc_2025/cad_calls_weeks35_45_2025.csv"
LASD_SRC = "incidents/lasd_2021_2022/cerritos_station_incidents.csv"

#: LASD incident category -> APCO common incident type.
LASD: dict[str, str] = {
    "LARCENY THEFT": "LARCENY",
    "BURGLARY": "BURGLARY",
    "GRAND THEFT AUTO": "VEHSTLN",
    "FRAUD AND NSF CHECKS": "FRAUD",
    "VANDALISM": "VANDAL",
    "VEHICLE / BOATING LAWS": "TSTOP",
    "NON-AGGRAVATED ASSAULTS": "ASSAULT",
    "AGGRAVATED ASSAULT": "ASSAULT",
    "ROBBERY": "ROBBERY",
    "NARCOTICS": "DRUGS",
    "MISDEMEANORS MISCELLANEOUS": "DISORD",
    "FORGERY": "CNTRFT",
    "FELONIES MISCELLANEOUS": "INVEST",
    "WEAPON LAWS": "WEAPON",
    "ARSON": "FARSON",
    "DRUNK DRIVING VEHICLE / BOAT": "DUI",
    "SEX OFFENSES MISDEMEANORS": "SEXOFFNS",
    "SEX OFFENSES FELONIES": "SEXOFFNS",
}

CRIME = "crime"  # an Alexandria problem counted in the crime share, whose mix comes from LASD Cerritos instead

#: Alexandria police problem (prefix) -> APCO type, CRIME, or None (not a patrol call: left out). First match wins.
ALEXANDRIA: list[tuple[str, str | None]] = [
    ("ALARM RESIDENTIAL", "ALRBA/residential"),
    ("ALARM COMMERCIAL", "ALRBA/commercial"),
    ("ALARM HOLDUP", "ALRROBA/commercial"),
    ("ALARM PANIC", "ALRPANA/residential"),
    ("TRAFFIC STOP", "TSTOP"),
    ("DISORDERLY", "DISORD"),
    ("PARKING", "PARKING"),
    ("SUSPICIOUS", "SUSP"),
    ("OCCUPIED VEHICLE", "VEHSUSP"),
    ("MVC HIT/RUN", "MVAHR"),
    ("MVC INJURY", "MVAINJY"),
    ("MVC", "MVA"),
    ("DOMESTIC VIOL NO INJ", "DVNA"),
    ("DOMESTIC", "DVA"),
    ("MENTAL HEALTH", "EDP"),
    ("TRESPASS", "TRESPASS"),
    ("WARRANT", "WARRANT"),
    ("TROUBLE UNKNOWN", "TROUBLE"),
    ("ASSIST CITIZEN", "CITASST"),
    ("NOISE", "NOISE"),
    ("911 HANG UP", "911H"),
    ("DIP", "INTOX"),
    ("ANIMAL", "ANIMAL"),
    ("SUBJECT STOP", "SUBJSTP"),
    ("DISABLED MOTORIST", "DISVEH"),
    ("FIGHT", "FIGHT"),
    ("MISSING PERSON", "PERMISS"),
    ("PROPERTY FOUND", "PROPFND"),
    ("HAZARD", "THAZ"),
    ("SUICIDE", "SUICIDE"),
    ("DWI", "DUI"),
    ("TRAFFIC COMPLAINT", "RECKDRV"),
    ("RUNAWAY", "RUNAWAY"),
    ("HOME VISIT", "WELFARE"),
    ("WELFARE", "WELFARE"),
    ("LARCENY", CRIME),
    ("SHOPLIFTING", CRIME),
    ("ASSAULT", CRIME),
    ("GLA", CRIME),
    ("DEST OF PROP", CRIME),
    ("FALSE PRETENSE", CRIME),
    ("BURGLARY", CRIME),
    ("ROBBERY", CRIME),
    ("DRUG", CRIME),
    ("WEAPON", CRIME),
    ("FRAUD", CRIME),
    ("OFF DUTY", None),
    ("WALK IN", None),
    ("ADMINISTRATIVE", None),
    ("POLICE INFORMATION", None),
    ("PUBLIC SERVICE", None),
    ("CIVIL PROCESS", None),
    ("TRNSPORT", None),
    ("PROTECTIVE ORDER", None),
    ("ASSIST OUTSIDE", None),
    ("ASSIST FIRE", None),
    ("TRAFFIC DIRECTION", None),
    ("ON VIEW", None),
    ("FLAG DOWN", None),
    ("TELEPHONE", None),
]


def _alex_type(problem: str) -> tuple[bool, str | None]:
    for prefix, code in ALEXANDRIA:
        if problem.startswith(prefix):
            return True, code
    return False, None


def derive(data: Path) -> dict[str, object]:
    """The profile as a JSON-ready dict (see the module docstring)."""
    hours: Counter[int] = Counter()
    other: Counter[str] = Counter()
    crime_calls = left_out = unmapped = 0
    with (data / ALEX_SRC).open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Agency"] == "POLICE"]
    for r in rows:
        at = datetime.fromisoformat(r["Incident_Start_Time"][:19])
        known, code = _alex_type(r["Problem"])
        if not known:
            unmapped += 1
            continue
        if code is None:
            left_out += 1
            continue
        hours[at.weekday() * 24 + at.hour] += 1
        if code == CRIME:
            crime_calls += 1
        else:
            other[code] += 1
    kept = crime_calls + sum(other.values())
    with (data / LASD_SRC).open(newline="", encoding="utf-8") as f:
        lasd = Counter(LASD[r["CATEGORY"]] for r in csv.DictReader(f) if r["CATEGORY"] in LASD)
    crime_share = crime_calls / kept
    mix = {code: n / kept for code, n in other.items()}
    total_lasd = sum(lasd.values())
    for code, n in lasd.items():
        mix[code] = mix.get(code, 0.0) + crime_share * n / total_lasd
    total_hours = sum(hours.values())
    return {
        "source": "tools/derive_demo_calls.py (see src/rtcc/demo/data/SOURCES.md)",
        "hour_of_week_weights": [round(hours[h] / total_hours, 6) for h in range(168)],
        "mix": {k: round(v, 6) for k, v in sorted(mix.items())},
        "crime_share": round(crime_share, 4),
        "alexandria_police_calls": len(rows),
        "alexandria_calls_used": kept,
        "alexandria_left_out": left_out,
        "alexandria_unmapped": unmapped,
        "lasd_cerritos_incidents": total_lasd,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "src/rtcc/demo/data/call_profile.json")
    args = ap.parse_args()
    profile = derive(args.data)
    args.out.write_text(json.dumps(profile, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {profile['alexandria_calls_used']} calls used, mix of {len(profile['mix'])} types")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
