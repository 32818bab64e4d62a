"""The demo city's simulated CAD history for the oversight screens: four months of calls before and four after
Cerritos' residential burglary alarm change (Routine to Priority, effective 2024-11-01, seeded by ``seed_dispatch``),
imported through the real historic import (``rtcc.dispatch.history.import_file`` with a generic column mapping, origin
``cad:cerritos_demo_sim``), so the KPI and before/after screens show the change on history like an imported export.

Arrivals follow the demo's hour-of-week profile and call mix (``shift.load_profile``, ``shift.catalogue_mix``) at
``CALLS_PER_DAY``; each call's priority is the rule in force when it came in (``dispatch.logic.rule_in_force``) or
the catalogue default. The time chain is drawn per priority (the only thing the rule changes): a call waits for a free
unit longer the lower its priority (``WAIT_S``), then turnout and travel. A few calls never get a unit on scene
(cancelled) and a few carry an en-route stamp before their dispatch (the data-quality score sees them); some are
self-initiated. Deterministic (seeded) and idempotent: the import stores each call once.
"""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from rtcc.analytics.kernels.arrivals import sample_arrivals
from rtcc.demo import seed_dispatch
from rtcc.demo.shift import catalogue_mix, load_profile
from rtcc.dispatch import calltypes, history
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.dispatch.logic import RuleVersion, rule_in_force
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places

ORIGIN_NAME = "cerritos_demo_sim"
START = "2024-07-01"
END = "2025-03-01"
CALLS_PER_DAY = 40.0
#: Mean wait for a free unit after the call is queued, by priority (seconds).
WAIT_S = {"Emergent": 25.0, "Priority": 170.0, "Routine": 640.0}
#: Median travel (seconds), by priority: emergent runs drive with lights and siren.
TRAVEL_S = {"Emergent": 230.0, "Priority": 380.0, "Routine": 430.0}
COLUMNS = (
    "id",
    "received",
    "queued",
    "dispatched",
    "en_route",
    "on_scene",
    "cleared",
    "closed",
    "code",
    "priority",
    "source",
    "beat",
    "units",
    "lat",
    "lon",
)


def mapping() -> dict[str, object]:
    """The generic-layout column mapping of the simulated export."""
    return {
        "name": ORIGIN_NAME,
        "title": "Cerritos demo: simulated CAD history (not real calls)",
        "zone": "America/Los_Angeles",
        "columns": {c: c for c in COLUMNS if c not in ("id", "code")} | {"external_id": "id", "call_type_code": "code"},
        "time_formats": ["iso"],
    }


def _units_by_type() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for call_sign, unit_type, _area, _place in seed_dispatch.FLEET:
        out.setdefault(unit_type, []).append(call_sign)
    return out


def rows(rules: list[RuleVersion], *, seed: int = 13) -> list[dict[str, str]]:
    """The simulated calls, as CSV rows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    zone = places.city_zone()
    profile, mix = load_profile()
    weights = catalogue_mix(mix)
    cat = calltypes.catalogue()
    start = datetime.fromisoformat(START).replace(tzinfo=zone)
    hours = (datetime.fromisoformat(END).replace(tzinfo=zone) - start).total_seconds() / 3600
    offsets = sample_arrivals(
        profile.scaled(CALLS_PER_DAY * 7 / profile.calls_per_week),
        start_hour_of_week=start.weekday() * 24,
        hours=hours,
        rng=rng,
    )
    names = sorted(weights)
    p = np.array([weights[k] for k in names])
    kinds = rng.choice(len(names), size=offsets.size, p=p / p.sum())
    points = places.random_points(offsets.size, rng)
    units = _units_by_type()
    out = []
    for i, (off, k) in enumerate(zip(offsets.tolist(), kinds.tolist(), strict=True)):
        ct = cat.call_type(names[k])
        assert ct is not None
        t0 = start + timedelta(seconds=off)
        rule = rule_in_force(rules, ct.code, t0.astimezone(UTC))
        prio = rule.priority if rule is not None else ct.default_priority
        own = ct.alarm is None and rng.random() < 0.06
        queued = t0 + timedelta(seconds=float(rng.lognormal(np.log(45), 0.4)))
        wait = 0.0 if own else float(rng.exponential(WAIT_S.get(prio, 600.0)))
        dispatched = t0 if own else queued + timedelta(seconds=wait)
        en_route = dispatched + timedelta(seconds=float(rng.lognormal(np.log(35), 0.5)))
        on_scene = en_route + timedelta(seconds=float(rng.lognormal(np.log(TRAVEL_S.get(prio, 430.0)), 0.45)))
        cleared = on_scene + timedelta(seconds=float(rng.lognormal(np.log(1500), 0.6)))
        stamps: dict[str, datetime | None] = {
            "received": t0,
            "queued": queued,
            "dispatched": dispatched,
            "en_route": en_route,
            "on_scene": on_scene,
            "cleared": cleared,
            "closed": cleared + timedelta(seconds=60),
        }
        roll = rng.random()
        if roll < 0.03:
            stamps["on_scene"] = None  # cancelled before a unit arrived
        elif roll < 0.04:
            stamps["en_route"] = dispatched - timedelta(seconds=20)  # a unit pressed en route first
        lat, lon = points[i]
        where = places.locate(lat, lon)
        pool = next((units[t] for t in ct.eligible_unit_types if t in units), ["41B"])
        out.append(
            {
                "id": f"SIM-{t0:%y%m%d}-{i:06d}",
                **{k2: (v.astimezone(UTC).isoformat() if v is not None else "") for k2, v in stamps.items()},
                "code": ct.code,
                "priority": prio,
                "source": "officer" if own else ("alarm_company" if ct.alarm is not None else "911"),
                "beat": where.district.code if where.district is not None else "",
                "units": pool[int(rng.integers(0, len(pool)))],
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
            }
        )
    return out


def seed(session: Session) -> dict[str, int]:
    """Import the simulated history (calls already stored are counted as duplicates, not stored twice)."""
    rules = [
        RuleVersion(r.id, r.call_type, r.priority, r.effective_from, r.version) for r in calltypes.list_rules(session)
    ]
    data = rows(rules)
    with tempfile.TemporaryDirectory(prefix="rtcc-demo-history-") as tmp:
        path = Path(tmp) / "cerritos_demo_sim.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(COLUMNS))
            w.writeheader()
            w.writerows(data)
        map_path = Path(tmp) / "mapping.json"
        map_path.write_text(json.dumps(mapping()), encoding="utf-8")
        report = history.import_file(session, CadFile(path, mapping=map_path), actor=SYSTEM)
    return {"simulated_calls": report.imported, "already_stored": report.duplicates}
