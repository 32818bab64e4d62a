"""The simulator's calls keep their own clock and may be the city's own: an imported history carries its export's
time zone (DECC: America/New_York whatever city is active) into the fit and the KPI keys, and the live calls fit
like an imported history does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from rtcc.core.db import Database
from rtcc.demo import seed_simulator
from rtcc.dispatch import assignment, calls, chain, history, units
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.dispatch.logic import AssignmentStatus, Disposition
from rtcc.dispatch.schemas import AssignRequest, CallCreate, CloseRequest, StepRequest
from rtcc.dispatch.unit_schemas import UnitCreate
from rtcc.identity.logic import SYSTEM, Principal, Role, permissions_for
from rtcc.oversight import intervals, logic
from rtcc.oversight.models import CallInterval
from rtcc.places import service as places
from rtcc.settings import Settings
from rtcc.simulator.fit import LIVE, fit, history_zone, load_history

NY = ZoneInfo("America/New_York")
DISPATCHER = Principal(
    kind="user",
    id=str(uuid.uuid4()),
    name="dana",
    role="dispatcher",
    permissions=permissions_for(Role.dispatcher.value),
)


def test_an_imported_history_keeps_its_own_time_zone(db: Database, tmp_path: Path) -> None:
    assert places.city_zone().key != "America/New_York"  # the active city is elsewhere
    path = tmp_path / "alexandria.csv"
    path.write_text(synthetic_alexandria_csv(1200), encoding="utf-8")
    with db.uow() as s:
        history.import_file(s, CadFile(path), actor=SYSTEM)
        assert history.zone_of(s, "cad:alexandria_decc") == "America/New_York"
        assert history_zone(s, None) == NY and history_zone(s, LIVE) == places.city_zone()
        _, notes = fit(s, origin=None, since=None, until=None)
        assert "local time America/New_York" in notes[0]
        intervals.refresh(s)
        rows = s.execute(select(CallInterval.received_s, CallInterval.shift, CallInterval.month)).all()
    with db.read() as s:
        keys = intervals._keys(s)
    local = [datetime.fromtimestamp(r[0], NY) for r in rows]
    assert [r[1] for r in rows] == [logic.shift_of(t, keys.windows) for t in local]
    assert [r[2] for r in rows] == [t.strftime("%Y-%m") for t in local]
    city = [logic.shift_of(datetime.fromtimestamp(r[0], keys.zone), keys.windows) for r in rows]
    assert city != [r[1] for r in rows]  # the city's clock would have put calls in other shifts
    # the demo's backtest request is cut at the history's own local midnight
    req = seed_simulator.backtest_request(
        db, "cad:alexandria_decc", fit=timedelta(hours=8), predict=timedelta(hours=4), monday=False
    )
    assert req is not None and req.fit_from is not None
    assert req.fit_from.astimezone(NY).hour == 0 and req.fit_from.astimezone(UTC).hour == 4


def test_the_live_calls_fit_like_an_imported_history(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        units.create(s, None, UnitCreate(call_sign="41A", unit_type="deputy_car"), actor=SYSTEM)
    ids = []
    for n, ct in enumerate(("FIGHT", "THEFT_RPT", "FIGHT", "NOISE")):
        with db.uow() as s:
            call = calls.intake(
                s,
                None,
                settings,
                CallCreate.model_validate(
                    {
                        "call_type": ct,
                        "location": {"kind": "coordinates", "lat": 33.866, "lon": -118.051},
                        "source": "911",
                    }
                ),
                actor=DISPATCHER,
            ).call
            ids.append(call.id)
        with db.uow() as s:
            assignment.assign(s, None, call.id, AssignRequest(units=["41A"]), actor=DISPATCHER)
        for status in ("en_route", "on_scene", "cleared"):
            with db.uow() as s:
                chain.step(s, None, call.id, StepRequest(status=AssignmentStatus(status), unit="41A"), actor=DISPATCHER)
        if n < 3:  # the last call stays open: only closed calls are fitted
            with db.uow() as s:
                chain.close(s, None, call.id, CloseRequest(disposition=Disposition.report_taken), actor=DISPATCHER)
    with db.read() as s:
        live = load_history(s, origin=LIVE, since=None, until=None)
        assert live.n == 3 and set(live.call_type) == {"FIGHT", "THEFT_RPT"}
        assert all(a == "live" for a in live.agency) and np.isfinite(live.interval("received", "on_scene")).all()
        fallback = load_history(s, origin=None, since=None, until=None)  # nothing imported: the live calls
        assert fallback.n == 3 and "no imported history" in fallback.notes[0]
        fitted, notes = fit(s, origin=LIVE, since=None, until=None)
    assert notes[0].startswith("catalogue mode, 3 calls")
    assert set(fitted.mix) == {"FIGHT", "THEFT_RPT"} and [u.call_sign for u in fitted.units] == ["41A"]
