"""Response-time KPIs on the real database: the interval table filled from imported history and from closed live
calls, KPI figures equal to the kernel's on the same calls, filters and errors, and the before/after of the demo
city's residential alarm change on its simulated history."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from rtcc.analytics.kernels import response_times as rt
from rtcc.core.db import Database
from rtcc.core.errors import NotFound, ValidationFailed
from rtcc.demo import oversight_history, seed_dispatch
from rtcc.dispatch import assignment, calls, calltypes, chain, history, units
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.dispatch.logic import AssignmentStatus, Disposition
from rtcc.dispatch.schemas import AssignRequest, CallCreate, CloseRequest, RuleCreate, StepRequest
from rtcc.dispatch.unit_schemas import UnitCreate
from rtcc.identity.logic import SYSTEM, Principal, Role, permissions_for
from rtcc.oversight import changes, intervals, kpis
from rtcc.oversight.models import CallInterval
from rtcc.settings import Settings

DISPATCHER = Principal(
    kind="user",
    id=str(uuid.uuid4()),
    name="dana",
    role="dispatcher",
    permissions=permissions_for(Role.dispatcher.value),
)


def _import_alexandria(db: Database, tmp_path: Path, n: int = 600) -> None:
    path = tmp_path / "alexandria.csv"
    path.write_text(synthetic_alexandria_csv(n), encoding="utf-8")
    with db.uow() as s:
        history.import_file(s, CadFile(path), actor=SYSTEM)


def test_kpis_over_imported_history_equal_the_kernel_on_the_same_calls(db: Database, tmp_path: Path) -> None:
    _import_alexandria(db, tmp_path)
    with db.uow() as s:
        first = intervals.refresh(s)
        again = intervals.refresh(s)
        table = kpis.compute(s, kpis.KpiQuery(interval="response", group_by="priority", n_boot=200), refresh=False)
        steps = history.step_times(s)
    assert (first.history, again.history) == (600, 0)
    arr = {k: np.array([np.nan if v is None else v for v in steps[k]], dtype=float) for k in rt.STEPS}
    # the synthetic export's OFFICER calls are self-initiated (history ids follow received order here)
    with db.read() as s:
        rows = s.execute(select(CallInterval.call_ref, CallInterval.self_initiated)).all()
    own = np.array([flag for _ref, flag in sorted(rows, key=lambda r: int(r[0]))])
    iv = rt.intervals(arr, self_initiated=own)["response"]
    prio = np.array(steps["priority"], dtype=object)
    for row in table.rows:
        values = np.round(iv[prio == row.key])
        values = values[~np.isnan(values)]
        assert row.n == values.size
        assert row.median.value == pytest.approx(float(np.median(values)), abs=0.05)
        assert row.p90.value == pytest.approx(float(np.quantile(values, 0.9)), abs=0.05)
        assert row.mean.value == pytest.approx(float(values.mean()), abs=0.05)
        assert row.median.low <= row.median.value <= row.median.high  # type: ignore[operator]
    q = rt.quality(arr)
    assert table.total.calls == 600
    assert table.total.quality.missing == q.missing and table.total.quality.out_of_order == q.out_of_order
    assert table.total.quality.score == pytest.approx(q.score, abs=1e-4)
    assert own.any() and not np.isnan(rt.intervals(arr, self_initiated=own)["travel"][own]).all()


def test_filters_grouping_and_bad_input(db: Database, tmp_path: Path) -> None:
    _import_alexandria(db, tmp_path, 300)
    with db.uow() as s:
        by_shift = kpis.compute(s, kpis.KpiQuery(interval="travel", group_by="shift", n_boot=50))
        one = kpis.compute(s, kpis.KpiQuery(group_by="month", filters={"priority": "1"}, n_boot=50), refresh=False)
        with pytest.raises(ValidationFailed, match="group_by"):
            kpis.compute(s, kpis.KpiQuery(group_by="weather"))
        with pytest.raises(ValidationFailed, match="interval"):
            kpis.compute(s, kpis.KpiQuery(interval="lunch"))
        with pytest.raises(ValidationFailed, match="colour"):
            kpis.compute(s, kpis.KpiQuery(filters={"colour": "red"}))
    assert {r.key for r in by_shift.rows} <= {"day", "pm", "early_morning"}
    assert sum(r.calls for r in by_shift.rows) == 300
    assert one.total.calls < 300 and all(r.key.startswith("2025-") for r in one.rows)


def test_a_closed_live_call_enters_the_table_with_its_first_unit_type(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        units.create(s, None, UnitCreate(call_sign="41A", unit_type="deputy_car"), actor=SYSTEM)
        call = calls.intake(
            s,
            None,
            settings,
            CallCreate.model_validate(
                {
                    "call_type": "FIGHT",
                    "location": {"kind": "coordinates", "lat": 33.866126, "lon": -118.051176},
                    "source": "911",
                }
            ),
            actor=DISPATCHER,
        ).call
    with db.uow() as s:
        assignment.assign(s, None, call.id, AssignRequest(units=["41A"]), actor=DISPATCHER)
    for status in ("en_route", "on_scene", "cleared"):
        with db.uow() as s:
            chain.step(s, None, call.id, StepRequest(status=AssignmentStatus(status), unit="41A"), actor=DISPATCHER)
    with db.uow() as s:
        assert intervals.refresh(s).live == 0  # not closed yet
        chain.close(s, None, call.id, CloseRequest(disposition=Disposition.report_taken), actor=DISPATCHER)
    with db.uow() as s:
        assert intervals.refresh(s).live == 1
        row = s.scalar(select(CallInterval).where(CallInterval.call_ref == str(call.id)))
        assert row is not None and row.origin == "live" and row.unit_type == "deputy_car"
        assert row.priority == "Priority" and row.district != "unknown" and row.response_s is not None
        assert not row.missing and not row.out_of_order


def test_the_alarm_change_halves_response_on_the_demo_history(db: Database) -> None:
    with db.uow() as s:
        rule = calltypes.add_rule(s, None, seed_dispatch.RULE, actor=SYSTEM)
        result = oversight_history.seed(s)
        assert oversight_history.seed(s)["simulated_calls"] == 0  # idempotent
        change = changes.rule_change(s, rule.id, n_boot=300)
        with pytest.raises(NotFound):
            changes.rule_change(s, 99999)
    assert result["simulated_calls"] > 5000
    assert (change.previous_priority, change.priority) == ("Routine", "Priority")
    assert change.before.calls > 50 and change.after.calls > 50
    assert change.median_ratio.high is not None and change.median_ratio.high < 0.75
    assert change.median_diff.high is not None and change.median_diff.high < 0
    assert len(change.monthly) >= 8


def test_a_rule_without_history_reports_empty_sides(db: Database) -> None:
    with db.uow() as s:
        rule = calltypes.add_rule(
            s,
            None,
            RuleCreate(
                call_type="NOISE", priority="Priority", effective_from=seed_dispatch.RULE.effective_from, reason="test"
            ),
            actor=SYSTEM,
        )
        change = changes.rule_change(s, rule.id, n_boot=50)
    assert change.before.calls == 0 and change.median_diff.value is None


def test_the_cached_columns_follow_new_and_replaced_rows(db: Database, tmp_path: Path) -> None:
    from rtcc.oversight import columns

    _import_alexandria(db, tmp_path, 50)
    with db.uow() as s:
        intervals.refresh(s)
        first = columns.load(s)
        assert columns.load(s) is first  # unchanged table: no read
        row = s.scalar(select(CallInterval).order_by(CallInterval.id.desc()).limit(1))
        assert row is not None
        s.delete(row)
        s.flush()
        s.add(
            CallInterval(
                **{c.key: getattr(row, c.key) for c in CallInterval.__table__.c if c.key not in ("id", "priority")},
                priority="Z",
            )
        )
        s.flush()
        replaced = columns.load(s)
    assert replaced.count == 50 and replaced.max_id > first.max_id
    assert "Z" in replaced.dims["priority"].labels
    with db.uow() as s:
        table = kpis.compute(s, kpis.KpiQuery(group_by="priority", filters={"priority": "Z"}, n_boot=20))
    assert table.total.calls == 1
