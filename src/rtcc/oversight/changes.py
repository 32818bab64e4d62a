"""Before and after a priority-rule change: the calls the change affected (its call type), received within a window
either side of its effective time, their response times before and after, and after-minus-before with bootstrap
intervals (``rtcc.analytics.kernels.response_times.before_after``), plus the month-by-month medians around it.

Works the same on live calls and on imported history (both are in the interval table); a rule of a call type the
history names by its raw code is matched on the stored call type.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.core import divisions
from rtcc.core.db import Database
from rtcc.core.errors import NotFound, invalid
from rtcc.dispatch import calltypes
from rtcc.dispatch.schemas import RuleRead
from rtcc.oversight import intervals, kpis
from rtcc.oversight.models import CallInterval
from rtcc.oversight.schemas import ChangeSide, RuleChangeRead
from rtcc.places import service as places


def rules(session: Session) -> list[RuleRead]:
    """Every priority rule version (the changes one can look at), newest first."""
    return sorted(calltypes.list_rules(session), key=lambda r: r.effective_from, reverse=True)


def _side(s: rt.Summary) -> ChangeSide:
    return ChangeSide(calls=s.n, median=kpis.estimate(s.median), p90=kpis.estimate(s.p90), mean=kpis.estimate(s.mean))


def current(db: Database, rule_id: int, *, interval: str, window_days: int) -> RuleChangeRead:
    """A rule change's before/after as a screen asks for it: the interval table refreshed (unscoped), then the calls
    of the request's divisions."""
    intervals.refresh_unscoped(db)
    with db.read() as session:
        return rule_change(session, rule_id, interval=interval, window_days=window_days, refresh=False)


def rule_change(
    session: Session,
    rule_id: int,
    *,
    interval: str = "response",
    window_days: int = 120,
    n_boot: int = kpis.N_BOOT,
    seed: int = 0,
    refresh: bool = True,
) -> RuleChangeRead:
    """The before/after of rule ``rule_id`` over ``window_days`` either side of its effective time."""
    if interval not in rt.INTERVALS:
        raise invalid("interval", f"{interval!r} is not one of {', '.join(rt.INTERVALS)}")
    if not 7 <= window_days <= 3650:
        raise invalid("window_days", "must be between 7 and 3650")
    every = calltypes.list_rules(session)
    rule = next((r for r in every if r.id == rule_id), None)
    if rule is None:
        raise NotFound(f"no priority rule #{rule_id}")
    earlier = [r for r in every if r.call_type == rule.call_type and r.effective_from < rule.effective_from]
    if earlier:
        previous: str | None = max(earlier, key=lambda r: (r.effective_from, r.version)).priority
    else:
        ct = calltypes.catalogue().call_type(rule.call_type)
        previous = ct.default_priority if ct is not None else None
    if refresh:
        intervals.refresh(session)
    eff = rule.effective_from.timestamp()
    span = window_days * 86400
    t = CallInterval.__table__.c
    stmt = select(t.received_s, t[f"{interval}_s"]).where(
        t.call_type == rule.call_type, t.received_s >= eff - span, t.received_s < eff + span
    )
    rows = session.execute(divisions.scoped(stmt, t.division)).all()  # a divisional request: its calls only
    times = np.array([r[0] for r in rows], dtype=np.float64)
    values = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)
    change = rt.before_after(values, times, effective=eff, rng=np.random.default_rng(seed), n_boot=n_boot)
    zone = places.city_zone()
    start = rule.effective_from.astimezone(zone).date()
    monthly = kpis.compute(
        session,
        kpis.KpiQuery(
            interval=interval,
            group_by="month",
            since=start - timedelta(days=window_days),
            until=start + timedelta(days=window_days - 1),
            filters={"call_type": rule.call_type},
            n_boot=min(n_boot, 500),
            seed=seed,
        ),
        refresh=False,
    )
    return RuleChangeRead(
        rule_id=rule.id,
        call_type=rule.call_type,
        priority=rule.priority,
        previous_priority=previous,
        effective_from=rule.effective_from,
        reason=rule.reason,
        interval=interval,
        window_days=window_days,
        before=_side(change.before),
        after=_side(change.after),
        median_diff=kpis.estimate(change.median_diff),
        mean_diff=kpis.estimate(change.mean_diff),
        median_ratio=kpis.estimate(change.median_ratio, digits=3),
        monthly=monthly.rows,
    )
