"""The figures of a month's council report, gathered from the domains that hold them.

- Service delivered against bought: deputy-minutes are the minutes sworn units (the contract's ``sworn_unit_types``)
  spent in any status but ``out_of_service``, from the dispatch unit status log, split by the catalogue's shifts in
  city time; bought is the contract's deputy-minutes per shift times the days of the month.
- Targets met per priority: response times of the month's calls (the interval table) within the contract's targets.
- Overtime used: the cost of the month's overtime shifts (dispatch rosters) against a twelfth of the year's budget.
- CSO and guard hours: on-duty hours of those unit types against the contract's weekly hours; the calls they took
  off deputies are the month's calls whose first unit was a CSO or a guard.
- ALPR hits and their outcomes: hit alerts raised in the month by their state (and reject reason), through the
  alerts domain's published queries.
- Drone flights: a section only where a ``drones`` domain publishes ``rtcc.drones.queries.FLIGHTS`` (a table with a
  ``started_at`` column); otherwise the section says there is no drone program data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtcc.alerts import queries as aq
from rtcc.dispatch import calltypes
from rtcc.dispatch import queries as dq
from rtcc.drones import queries as drone_queries
from rtcc.oversight import contracts, kpis, logic
from rtcc.places import service as places

OFF_DUTY = "out_of_service"


def _on_duty_minutes(
    session: Session, start: datetime, end: datetime, unit_types: set[str], windows: list[logic.ShiftWindow]
) -> dict[str, dict[str, float]]:
    """Minutes on duty per unit type and shift between ``start`` and ``end`` (from the unit status log)."""
    log, units = dq.UNIT_STATUS_LOG.c, dq.UNITS.c
    types = {uid: t for uid, t in session.execute(select(units.id, units.unit_type)) if t in unit_types}
    if not types:
        return {}
    before = select(log.unit_id, func.max(log.at).label("at")).where(log.at < start).group_by(log.unit_id).subquery()
    opening = {
        uid: status
        for uid, status in session.execute(
            select(log.unit_id, log.status).join(before, (before.c.unit_id == log.unit_id) & (before.c.at == log.at))
        )
    }
    changes: dict[Any, list[tuple[datetime, str]]] = defaultdict(list)
    for uid, at, status in session.execute(
        select(log.unit_id, log.at, log.status).where(log.at >= start, log.at < end).order_by(log.unit_id, log.at)
    ):
        changes[uid].append((at, status))
    zone = places.city_zone()
    lut = np.array([logic.shift_of(datetime(2000, 1, 1, m // 60, m % 60), windows) for m in range(1440)], dtype=object)
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for uid, utype in types.items():
        spans = []
        status = opening.get(uid)
        t0 = start
        for at, new in changes.get(uid, []):
            if status is not None and status != OFF_DUTY:
                spans.append((t0, at))
            status, t0 = new, at
        if status is not None and status != OFF_DUTY:
            spans.append((t0, end))
        for a, b in spans:
            minutes = int((b - a).total_seconds() // 60)
            if minutes <= 0:
                continue
            local = a.astimezone(zone)
            first = local.hour * 60 + local.minute
            idx = (first + np.arange(minutes)) % 1440
            for shift, n in Counter(lut[idx].tolist()).items():
                out[utype][shift] += n
    return out


def _alpr(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    a = aq.ALERTS.c
    rows = session.execute(
        select(a.state, a.reject_reason, func.count())
        .where(a.kind == "hit", a.created_at >= start, a.created_at < end)
        .group_by(a.state, a.reject_reason)
    ).all()
    by_state: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for state, reason, n in rows:
        by_state[str(state)] += n
        if state == "rejected":
            rejected[str(reason or "unspecified")] += n
    return {"hits": sum(by_state.values()), "by_state": dict(by_state), "rejected_by_reason": dict(rejected)}


def _drones(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Drone flights launched in the month: how many, how many reached the scene (and their median time to it), how
    many were cleared without patrol, how many were flagged (a geofence breach)."""
    c = drone_queries.FLIGHTS.c
    rows = session.execute(
        select(c.launched_at, c.on_scene_at, c.cleared_without_patrol, c.flagged).where(
            c.launched_at >= start, c.launched_at < end
        )
    ).all()
    if not rows:
        return {"available": False, "note": "no drone flights this month"}
    to_scene = sorted((r.on_scene_at - r.launched_at).total_seconds() for r in rows if r.on_scene_at is not None)
    median = float(np.median(to_scene)) if to_scene else None
    return {
        "available": True,
        "flights": len(rows),
        "reached_scene": len(to_scene),
        "median_to_scene_s": None if median is None else round(median, 1),
        "cleared_without_patrol": sum(1 for r in rows if r.cleared_without_patrol),
        "flagged": sum(1 for r in rows if r.flagged),
    }


def gather(session: Session, month: str) -> dict[str, Any]:
    """Every figure of ``month``'s report (``YYYY-MM``), as plain JSON-able values."""
    zone = places.city_zone()
    try:
        start_local, end_local = logic.month_bounds(month, zone)
    except ValueError as exc:
        from rtcc.core.errors import invalid

        raise invalid("month", str(exc)) from exc
    start, end = start_local.astimezone(UTC), end_local.astimezone(UTC)
    days = (end_local.date() - start_local.date()).days
    contract = contracts.in_force(session, start_local.date())
    cat = calltypes.catalogue()
    windows = logic.shift_windows([(s.code, s.start, s.hours) for s in cat.shifts])
    sworn = set(contract.terms.sworn_unit_types) if contract else {"deputy_car", "sergeant", "special_team"}
    duty = _on_duty_minutes(session, start, end, sworn | {"cso", "guard"}, windows)
    delivered: dict[str, float] = defaultdict(float)
    for utype in sworn:
        for shift, n in duty.get(utype, {}).items():
            delivered[shift] += n
    bought = {s.shift: s.deputy_minutes * days for s in contract.terms.service_units} if contract else {}
    service = [
        {"shift": s, "bought": bought.get(s, 0), "delivered": round(delivered.get(s, 0.0))}
        for s in sorted(set(bought) | set(delivered))
    ]
    q = kpis.KpiQuery(
        interval="response",
        group_by="priority",
        since=start_local.date(),
        until=(end_local - timedelta(days=1)).date(),
        n_boot=500,
    )
    table = kpis.compute(session, q)
    goals = {t.priority: t for t in contract.terms.targets} if contract else {}
    target_rows = []
    for r in table.rows:
        goal = goals.get(r.key)
        target_rows.append(
            {
                "priority": r.key,
                "calls": r.n,
                "median_s": r.median.value,
                "median_low": r.median.low,
                "median_high": r.median.high,
                "p90_s": r.p90.value,
                "target_s": r.target_s,
                "met": r.met,
                "met_share": round(r.met / r.n, 3) if r.met is not None and r.n else None,
                "required_share": goal.share if goal else None,
            }
        )
    by_unit = kpis.compute(
        session,
        kpis.KpiQuery(interval="response", group_by="unit_type", since=q.since, until=q.until, n_boot=10),
        refresh=False,
    )
    taken = {r.key: r.calls for r in by_unit.rows if r.key in ("cso", "guard")}
    overtime_cents = int(
        session.scalar(
            select(func.coalesce(func.sum(dq.SHIFTS.c.cost_cents), 0)).where(
                dq.SHIFTS.c.kind == "overtime", dq.SHIFTS.c.starts_at >= start, dq.SHIFTS.c.starts_at < end
            )
        )
        or 0
    )
    weeks = days / 7
    return {
        "month": month,
        "city": places.city_name(),
        "days": days,
        "contract": (
            {
                "id": contract.id,
                "name": contract.name,
                "effective_from": contract.effective_from.isoformat(),
                "demo": contract.demo,
            }
            if contract
            else None
        ),
        "service": service,
        "targets": target_rows,
        "calls": table.total.calls,
        "quality": table.total.quality.model_dump(),
        "overtime": {
            "used_cents": overtime_cents,
            "budget_cents": round(contract.terms.overtime_budget_cents / 12) if contract else None,
        },
        "cso_guard": {
            "cso_hours": round(sum(duty.get("cso", {}).values()) / 60, 1),
            "cso_hours_bought": round(contract.terms.cso_hours_per_week * weeks, 1) if contract else None,
            "guard_hours": round(sum(duty.get("guard", {}).values()) / 60, 1),
            "guard_hours_bought": round(contract.terms.guard_hours_per_week * weeks, 1) if contract else None,
            "calls_taken": taken,
        },
        "alpr": _alpr(session, start, end),
        "drones": _drones(session, start, end),
    }
