"""Patrol plans: for a unit and a shift window, the stops (hotspot cells of the burglary forecast, active near-repeat
areas, the house checks due that day) inside the unit's area, each with a dose, in a route order; the dose delivered
measured from the unit's position track; house-check visits logged from the track; and the report of dose against
crime. The rules are ``rtcc.patrol.logic``; the forecast ``rtcc.patrol.risk``.

* **Area**: the plan's ``area``, else the unit's home area; a cell or place is in it when the city profile locates
  its centre in the district, division or neighborhood of that code. An area code the profile does not know means
  the whole city (the plan says which area it used).
* **Forecast**: burglaries of the last year before the plan is made (live calls and imported history), the kernel
  density for the next 7 days, cells ranked; the top ``patrol_hotspots`` cells in the area are offered, with the
  near-repeat areas whose days overlap the shift.
* **House checks** join plans of kind ``cso``, ``guard`` and ``holiday`` (not ``special``) on the days they cover
  (the shift's start date in the city's time zone), when the house is in the plan's area.
* **Route**: travel times between all stops from ``rtcc.routing.service.travel_times`` (the road network when one is
  loaded, else straight-line estimates; the plan says which: ``routing_method``), ordered by ``logic.order_route``.
* **Report**: the stated comparison rule is ``logic``'s: patrolled hotspot cells against the next-ranked unpatrolled
  cells of the same forecast (kept with each plan), burglaries in [since, until) against the same length before; the
  dose of each group is what the plans' tracks show in its cells (a patrol passing through a comparison cell counts).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, invalid
from rtcc.dispatch import positions, units
from rtcc.dispatch import queries as dispatch
from rtcc.identity.logic import Principal
from rtcc.patrol import housechecks, logic, nearrepeats, repository, risk
from rtcc.patrol.logic import Area, Candidate
from rtcc.patrol.models import PatrolPlan, PlanStop
from rtcc.patrol.schemas import DoseReport, GroupRead, PlanCreate, PlanRead, StopRead
from rtcc.places import service as places
from rtcc.routing import service as routing
from rtcc.settings import Settings

HISTORY = timedelta(days=365)
HORIZON_DAYS = 7.0
MAX_TRACK = 50_000
HOUSE_CHECK_KINDS = ("cso", "guard", "holiday")
STRAIGHT_NOTE = "Travel times are straight-line estimates (no road network loaded)."
RULE = (
    "Patrolled: the hotspot cells of the plans in the period. Comparison: for each plan, the next-ranked cells of the "
    "same forecast that no plan patrolled, as many as it patrolled. Burglaries in the period against the same length "
    "of time just before it. Dose: minutes the plans' units spent in each group's cells during their plans."
)


def _in_area(lat: float, lon: float, area: str | None) -> bool:
    if area is None:
        return True
    loc = places.locate(lat, lon)
    return any(ref is not None and ref.code == area for ref in (loc.district, loc.division, loc.neighborhood))


def _known_area(area: str | None) -> str | None:
    if area is None:
        return None
    p = places.current()
    codes = {a.code for coll in (p.districts, p.divisions, p.neighborhoods) for a in coll.areas}
    return area if area in codes else None


def _days(ts: Sequence[datetime], t0: datetime) -> list[float]:
    return [(t - t0).total_seconds() / 86400.0 for t in ts]


def city_forecast(session: Session, settings: Settings, at: datetime) -> risk.CityForecast:
    """The burglary forecast for the week from ``at`` (see the module)."""
    t0 = at - HISTORY
    pts = dispatch.calls_of_apco(session, settings.patrol_burglary_apco_codes, since=t0, until=at)
    return risk.city_forecast(
        places.boundary().rings,
        [p.lat for p in pts],
        [p.lon for p in pts],
        _days([p.at for p in pts], t0),
        origin_day=HISTORY.total_seconds() / 86400.0,
        horizon_days=HORIZON_DAYS,
        cell_m=settings.patrol_cell_m,
    )


def _travel_matrix(session: Session, nodes: list[tuple[float, float]]) -> tuple[np.ndarray, str]:
    n = len(nodes)
    m = np.zeros((n, n), dtype=np.float64)
    methods: set[str] = set()
    for j in range(1, n):
        tt = routing.travel_times(session, to=nodes[j], origins=nodes, emergent=False)
        for i, s in enumerate(tt.seconds):
            m[i, j] = s if s is not None else 1e9
        methods.update(tt.methods)
    return m, ("network" if methods == {"network"} else "straight_line")


def create(session: Session, settings: Settings, data: PlanCreate, *, actor: Principal) -> PlanRead:
    """Make a unit's plan for a shift window (audited)."""
    unit = units.get(session, data.call_sign)
    area = _known_area(data.area if data.area is not None else unit.home_area)
    if data.area is not None and area is None:
        raise invalid("area", f"no district, division or neighborhood {data.area!r} in the city profile")
    start_at = data.starts_at.astimezone(UTC)
    end_at = data.ends_at.astimezone(UTC)
    fc = city_forecast(session, settings, utcnow())
    # the offered hotspots and, after them, as many comparison cells: 2N cells of the area in rank order suffice
    in_area: list[risk.RankedCell] = []
    for c in fc.ranked:
        if len(in_area) >= 2 * settings.patrol_hotspots:
            break
        if _in_area(c.lat, c.lon, area):
            in_area.append(c)
    cands = [
        Candidate("hotspot", c.key, Area(c.lat, c.lon, box=c.box), c.expected, f"Cell {c.key}")
        for c in in_area[: settings.patrol_hotspots]
    ]
    for nr in nearrepeats.active_areas(session, start=start_at, end=end_at):
        if _in_area(nr.lat, nr.lon, area):
            label = f"Near repeat of call {nr.call_number}"
            cands.append(Candidate("near_repeat", str(nr.id), Area(nr.lat, nr.lon, radius_m=nr.radius_m), 1.0, label))
    if data.kind in HOUSE_CHECK_KINDS:
        zone = places.city_zone()
        last = (end_at - timedelta(microseconds=1)).astimezone(zone).date()  # a shift ending at midnight ends that day
        for hc in housechecks.due(session, start_at.astimezone(zone).date(), last):
            if _in_area(hc.lat, hc.lon, area):
                circle = Area(hc.lat, hc.lon, radius_m=settings.patrol_visit_radius_m)
                cands.append(Candidate("house_check", str(hc.id), circle, 1.0, f"House check: {hc.address}"))
    if unit.lat is not None and unit.lon is not None:
        start = (unit.lat, unit.lon)
    else:
        lon, lat = places.boundary().center()
        start = (lat, lon)
    chosen = logic.choose_stops(
        cands,
        start=start,
        shift_minutes=(end_at - start_at).total_seconds() / 60.0,
        dose_min=settings.patrol_dose_min,
        house_check_min=settings.patrol_house_check_min,
    )
    nodes = [start, *((s.candidate.area.lat, s.candidate.area.lon) for s in chosen)]
    matrix, method = _travel_matrix(session, nodes)
    order = logic.order_route(matrix) if chosen else []
    patrolled = [s.candidate.key for s in chosen if s.candidate.kind == "hotspot"]
    comparison = logic.comparison_cells([c.key for c in in_area], patrolled)
    boxes = {c.key: c.box for c in in_area}
    plan = PatrolPlan(
        call_sign=unit.call_sign,
        kind=data.kind,
        area=area,
        starts_at=start_at,
        ends_at=end_at,
        routing_method=method,
        forecast_model=fc.model[:64],
        comparison=[{"key": k, "box": list(boxes[k])} for k in comparison],
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add(plan)
    session.flush()
    prev = 0
    for seq, node in enumerate(order, start=1):
        stop = chosen[node - 1]
        cand = stop.candidate
        session.add(
            PlanStop(
                plan_id=plan.id,
                seq=seq,
                kind=cand.kind,
                key=cand.key,
                label=cand.label[:255],
                lat=cand.area.lat,
                lon=cand.area.lon,
                box=list(cand.area.box) if cand.area.box else None,
                radius_m=cand.area.radius_m,
                risk=cand.risk,
                dose_min=stop.dose_min,
                travel_s=float(matrix[prev, node]),
                near_repeat_id=uuid.UUID(cand.key) if cand.kind == "near_repeat" else None,
                house_check_id=uuid.UUID(cand.key) if cand.kind == "house_check" else None,
            )
        )
        prev = node
    session.flush()
    audit.record_for(
        session,
        actor,
        "patrol.plan.created",
        target_type="patrol_plan",
        target_id=str(plan.id),
        details={"unit": unit.call_sign, "stops": len(order), "area": area, "routing": method},
    )
    return read(session, plan)


def _area_of(stop: PlanStop) -> Area:
    box = tuple(stop.box) if stop.box else None
    return Area(stop.lat, stop.lon, box=box, radius_m=stop.radius_m)  # type: ignore[arg-type]


def _track(session: Session, plan: PatrolPlan) -> tuple[list[float], list[float], list[float]]:
    fixes = [
        p
        for p in positions.track(session, plan.call_sign, since=plan.starts_at, limit=MAX_TRACK)
        if p.at < plan.ends_at
    ]
    return [p.at.timestamp() for p in fixes], [p.lat for p in fixes], [p.lon for p in fixes]


def read(session: Session, plan: PatrolPlan) -> PlanRead:
    """A plan with the dose delivered per stop, measured now from the unit's track."""
    stops = repository.stops(session, plan.id)
    ts, la, lo = _track(session, plan)
    delivered = logic.dose_delivered(
        ts, la, lo, [_area_of(s) for s in stops], start_s=plan.starts_at.timestamp(), end_s=plan.ends_at.timestamp()
    )
    visits = repository.visits(session, [s.house_check_id for s in stops if s.house_check_id is not None])
    seen: dict[uuid.UUID, datetime] = {}
    for v in visits:
        if v.plan_id == plan.id:
            seen[v.check_id] = min(v.at, seen.get(v.check_id, v.at))
    out = [
        StopRead(
            seq=s.seq,
            kind=s.kind,
            key=s.key,
            label=s.label,
            lat=s.lat,
            lon=s.lon,
            box=s.box,
            radius_m=s.radius_m,
            risk=s.risk,
            dose_min=s.dose_min,
            delivered_min=round(d, 2),
            travel_s=s.travel_s,
            near_repeat_id=s.near_repeat_id,
            house_check_id=s.house_check_id,
            visited_at=seen.get(s.house_check_id) if s.house_check_id else None,
        )
        for s, d in zip(stops, delivered, strict=True)
    ]
    return PlanRead(
        id=plan.id,
        call_sign=plan.call_sign,
        kind=plan.kind,
        area=plan.area,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        routing_method=plan.routing_method,
        routing_note="Travel times on the road network." if plan.routing_method == "network" else STRAIGHT_NOTE,
        forecast_model=plan.forecast_model,
        created_at=plan.created_at,
        stops=out,
        dose_planned_min=sum(s.dose_min for s in stops),
        dose_delivered_min=round(sum(delivered), 2),
        track_fixes=len(ts),
    )


def get(session: Session, plan_id: uuid.UUID, *, actor: Principal, own_only: bool) -> PlanRead:
    """One plan (``own_only``: a field user sees only their unit's; another answers 404). A plan holding house checks
    shows residents' addresses: the read is audited."""
    plan = repository.plan(session, plan_id)
    if plan is None or (own_only and plan.call_sign != dispatch.my_call_sign(session, actor)):
        raise NotFound(f"no patrol plan {plan_id}")
    out = read(session, plan)
    audit_read(session, out, actor)
    return out


def audit_read(session: Session, plan: PlanRead, actor: Principal) -> None:
    """Record that ``actor`` was shown ``plan``'s house-check stops (residents' addresses); nothing when it has none."""
    checks = [str(s.house_check_id) for s in plan.stops if s.house_check_id]
    if checks:
        audit.record_for(
            session,
            actor,
            "patrol.plan.read",
            target_type="patrol_plan",
            target_id=str(plan.id),
            details={"house_checks": checks},
        )


def mine(session: Session, *, actor: Principal) -> PlanRead | None:
    """A field user's current plan: the one of their unit whose window holds now, else the next one starting today,
    else the latest (None without a unit or a plan). Not audited here: the route audits the plan it actually sends
    (``audit_read``), so a poll answered 304 adds no entry."""
    sign = dispatch.my_call_sign(session, actor)
    if sign is None:
        return None
    now = utcnow()
    rows = repository.plans(session, call_sign=sign, since=None, until=None, limit=20)
    current = [p for p in rows if p.starts_at <= now < p.ends_at]
    upcoming = sorted((p for p in rows if now < p.starts_at < now + timedelta(hours=24)), key=lambda p: p.starts_at)
    candidates = current or upcoming or list(rows)
    if not candidates:
        return None
    return read(session, candidates[0])


def list_plans(session: Session, *, call_sign: str | None, limit: int = 50) -> list[PlanRead]:
    """Plans newest first (without residents' addresses: house-check stops are labelled by kind only)."""
    out = []
    for p in repository.plans(session, call_sign=call_sign, since=None, until=None, limit=limit):
        r = read(session, p)
        stops = [s.model_copy(update={"label": "House check"}) if s.kind == "house_check" else s for s in r.stops]
        out.append(r.model_copy(update={"stops": stops}))
    return out


def plan_ids_with_check(session: Session, call_sign: str, check_id: uuid.UUID) -> list[uuid.UUID]:
    """The unit's plans (newest first) that hold this house check as a stop."""
    rows = repository.plans(session, call_sign=call_sign, since=None, until=None, limit=50)
    return [p.id for p in rows if any(s.house_check_id == check_id for s in repository.stops(session, p.id))]


def measure(session: Session, settings: Settings, plan_id: uuid.UUID) -> int:
    """Log the house-check visits the plan's track shows (once per check and plan); how many were logged."""
    plan = repository.plan(session, plan_id)
    if plan is None:
        raise NotFound(f"no patrol plan {plan_id}")
    ts, la, lo = _track(session, plan)
    logged = 0
    for s in repository.stops(session, plan.id):
        if s.house_check_id is None or repository.track_visit(session, s.house_check_id, plan.id) is not None:
            continue
        check = repository.house_check(session, s.house_check_id)
        if check is None or check.status != "active":
            continue
        at = logic.first_arrival(
            ts,
            la,
            lo,
            lat=check.lat,
            lon=check.lon,
            radius_m=settings.patrol_visit_radius_m,
            start_s=plan.starts_at.timestamp(),
            end_s=plan.ends_at.timestamp(),
        )
        if at is None:
            continue
        housechecks.record_visit(
            session,
            check,
            call_sign=plan.call_sign,
            at=datetime.fromtimestamp(at, tz=UTC),
            source="track",
            outcome="visited",
            note=None,
            plan_id=plan.id,
        )
        logged += 1
    return logged


def measure_open(session: Session, settings: Settings, *, now: datetime | None = None) -> int:
    """``measure`` every plan whose window overlaps the last day (the patrol job)."""
    at = now or utcnow()
    rows = repository.plans(session, call_sign=None, since=at - timedelta(days=1), until=at, limit=500)
    return sum(measure(session, settings, p.id) for p in rows)


def report(session: Session, settings: Settings, *, since: datetime, until: datetime) -> DoseReport:
    """Dose delivered against burglaries in the patrolled and comparable unpatrolled cells (``RULE``)."""
    if until <= since:
        raise invalid("until", "must be after since", where="query")
    rows = repository.plans(session, call_sign=None, since=since, until=until, limit=10_000)
    patrolled: dict[str, Area] = {}
    dose = 0.0
    compare: dict[str, Area] = {}
    for p in rows:
        r = read(session, p)
        for s in r.stops:
            if s.kind == "hotspot" and s.box:
                patrolled[s.key] = Area(s.lat, s.lon, box=tuple(s.box))  # type: ignore[arg-type]
                dose += s.delivered_min
        for c in p.comparison:
            b = [float(v) for v in c["box"]]
            compare[c["key"]] = Area((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, box=(b[0], b[1], b[2], b[3]))
    for k in patrolled:
        compare.pop(k, None)
    # the minutes the plans' units actually spent in the comparison cells (unplanned dose: patrols pass through)
    spill = 0.0
    if compare:
        areas = list(compare.values())
        for p in rows:
            ts, la, lo = _track(session, p)
            got = logic.dose_delivered(ts, la, lo, areas, start_s=p.starts_at.timestamp(), end_s=p.ends_at.timestamp())
            spill += sum(got)
    span = until - since
    codes = settings.patrol_burglary_apco_codes
    during = dispatch.calls_of_apco(session, codes, since=since, until=until)
    before = dispatch.calls_of_apco(session, codes, since=since - span, until=since)

    def group(areas: dict[str, Area], minutes: float) -> GroupRead:
        a = list(areas.values())
        d = logic.count_in(a, [e.lat for e in during], [e.lon for e in during])
        b = logic.count_in(a, [e.lat for e in before], [e.lon for e in before])
        g = logic.GroupFigures(len(a), round(minutes, 2), d, b)
        return GroupRead(cells=g.cells, dose_min=g.dose_min, crimes_during=d, crimes_before=b, change=g.change)

    return DoseReport(
        since=since,
        until=until,
        plans=len(rows),
        rule=RULE,
        patrolled=group(patrolled, dose),
        comparison=group(compare, spill),
    )
