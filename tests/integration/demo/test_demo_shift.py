"""The demo's simulated shift: calls arrive from the committed profile, the simulated dispatcher sends the
recommended unit (never one a person drives), units drive their route, arrive, clear, and calls close with a
disposition: all through the dispatch services, with a controllable clock."""

from __future__ import annotations

from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.demo import road_grid, seed_dispatch
from rtcc.demo.shift import ACTOR as READER
from rtcc.demo.shift import MANUAL_UNITS, ShiftSimulator, along, catalogue_mix, load_profile
from rtcc.dispatch import calls, positions
from rtcc.settings import Settings


def test_the_mix_maps_onto_the_catalogue() -> None:
    _shape, mix = load_profile()
    mapped = catalogue_mix(mix)
    assert "ALARM_BURG_RES" in mapped and "ALARM_BURG_COM" in mapped and "COLLISION_NONINJ" in mapped
    assert 0.5 < sum(mapped.values()) <= 1.0  # types the catalogue lacks (traffic stops ...) drop out


def test_along_a_route() -> None:
    line = [(33.0, -118.0), (33.0, -117.99), (33.01, -117.99)]
    assert along(line, 0.0) == line[0] and along(line, 1.0) == line[-1]
    mid = along(line, 0.25)
    assert mid[0] == 33.0 and -118.0 < mid[1] < -117.99


def test_a_simulated_hour(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        seed_dispatch.seed(s)
        road_grid.install_if_none(s)
    clock = [0.0]
    bus = MemoryBus()
    sim = ShiftSimulator(
        db, bus, settings, calls_per_day=400, min_per_hour=20, auto_dispatch_s=30, clock=lambda: clock[0]
    )
    for _ in range(240):  # a simulated hour, a tick every 15 s
        clock[0] += 15.0
        sim.tick()
    # a residential alarm at one of the demo company's homes takes the company's own path (an ASAP-style message)
    assert sim._alarm_from_company(sim.now())
    st = sim.stats
    assert st.alarms >= 1
    assert st.errors == 0
    assert st.calls >= 10 and st.assigned >= 5 and st.arrived >= 3 and st.closed >= 2 and st.positions > st.arrived
    with db.read() as s:
        page = calls.list_calls(s, actor=READER, limit=500)
        closed = [c for c in page.items if c.status == "closed"]
        assert closed and all(c.disposition for c in closed)
        assert all(a.call_sign not in MANUAL_UNITS for c in page.items for a in c.assignments)
        detail = calls.get_call(s, closed[0].id, actor=READER)
        steps = [e.status for e in detail.timeline]
        assert {"dispatched", "en_route", "on_scene", "cleared", "closed"} <= set(steps)
        moved = closed[0].assignments[0].call_sign
        track = positions.track(s, moved, since=None, limit=100)
        assert len(track) >= 3  # its seeded spot, along the route, on scene
