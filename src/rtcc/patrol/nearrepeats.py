"""Near-repeat alerts: a stored burglary call (its APCO code in ``patrol_burglary_apco_codes``) becomes an alert whose
circle (radius) and days come from the near-repeat rule (``rtcc.patrol.logic.near_repeat_rule``: the Knox table of
the city's burglaries of the last year, or the configured bands). Alerts are made by ``sync`` (the patrol job every
minute, and staff's "refresh"), idempotent per call. Staff list them; active ones are offered to patrol plans
(``rtcc.patrol.plans``); staff may publish one to the community alerts of its neighborhood, an explicit audited
action that goes through ``rtcc.community.public_alerts`` (never the burglary's address: the neighborhood only).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import public_alerts
from rtcc.community.logic import Category
from rtcc.community.schemas import AlertArea, AlertCreate
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.core.localtime import bilingual
from rtcc.dispatch import queries as dispatch
from rtcc.identity.logic import Principal
from rtcc.patrol import logic, repository, risk
from rtcc.patrol.models import NearRepeatAlert
from rtcc.patrol.schemas import NearRepeatRead
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: How far back ``sync`` looks for burglary calls without an alert.
SYNC_LOOKBACK = timedelta(days=30)
#: The history the Knox test reads.
KNOX_HISTORY = timedelta(days=365)
DAY_S = 86400.0


def read(row: NearRepeatAlert, *, now: datetime | None = None) -> NearRepeatRead:
    """An alert as the API shows it (``active``: its window holds now)."""
    at = now or utcnow()
    out = NearRepeatRead.model_validate(row)
    return out.model_copy(update={"active": row.starts_at <= at < row.ends_at})


def current_rule(session: Session, settings: Settings, *, at: datetime) -> logic.NearRepeatRule:
    """The near-repeat rule from the last year of burglaries before ``at`` (see ``rtcc.patrol.logic``)."""
    pts = dispatch.calls_of_apco(session, settings.patrol_burglary_apco_codes, since=at - KNOX_HISTORY, until=at)
    kwargs = {
        "fallback_radius_m": settings.patrol_near_repeat_radius_m,
        "fallback_days": settings.patrol_near_repeat_days,
        "events": len(pts),
    }
    if len(pts) < settings.patrol_knox_min_events:
        return logic.near_repeat_rule(None, None, (), (), **kwargs)  # type: ignore[arg-type]
    t0 = pts[0].at
    knox = risk.burglary_knox(
        [p.lat for p in pts], [p.lon for p in pts], [(p.at - t0).total_seconds() / DAY_S for p in pts]
    )
    return logic.near_repeat_rule(knox.ratio, knox.p_value, knox.distance_edges, knox.time_edges, **kwargs)  # type: ignore[arg-type]


def has_alert(session: Session, call_id: uuid.UUID) -> bool:
    """True when the call already has its near-repeat alert."""
    return repository.near_repeat_of_call(session, call_id) is not None


def for_call(session: Session, settings: Settings, call_id: uuid.UUID) -> NearRepeatRead | None:
    """The near-repeat alert of a call, made now when it is a burglary without one (None: not a burglary)."""
    existing = repository.near_repeat_of_call(session, call_id)
    if existing is not None:
        return read(existing)
    point = dispatch.call_point(session, call_id)
    if point is None:
        raise NotFound(f"no call {call_id}")
    if point.apco_code not in settings.patrol_burglary_apco_codes:
        return None
    rule = current_rule(session, settings, at=point.at)
    hood = point.neighborhood
    if hood is None:
        ref = places.neighborhood_of(point.lat, point.lon)
        hood = ref.code if ref else None
    row = NearRepeatAlert(
        call_id=call_id,
        call_number=point.number,
        call_type=point.call_type,
        lat=point.lat,
        lon=point.lon,
        neighborhood=hood,
        radius_m=rule.radius_m,
        starts_at=point.at,
        ends_at=point.at + timedelta(days=rule.days),
        rule_source=rule.source,
        rule_detail=rule.detail,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor="system",
        actor_role="system",
        action="patrol.near_repeat.created",
        target_type="near_repeat",
        target_id=str(row.id),
        details={"call": point.number, "radius_m": rule.radius_m, "days": rule.days, "rule": rule.source},
    )
    return read(row)


def sync(session: Session, settings: Settings, *, now: datetime | None = None) -> int:
    """Make the alerts of the burglary calls of the last 30 days that have none; how many were made."""
    at = now or utcnow()
    made = 0
    pts = dispatch.calls_of_apco(
        session,
        settings.patrol_burglary_apco_codes,
        since=at - SYNC_LOOKBACK,
        until=at + timedelta(minutes=1),
        history=False,
    )
    for p in pts:
        cid = uuid.UUID(p.id)
        if repository.near_repeat_of_call(session, cid) is None and for_call(session, settings, cid) is not None:
            made += 1
    return made


def list_alerts(session: Session, *, active_only: bool, limit: int = 100) -> list[NearRepeatRead]:
    """Alerts newest first (``active_only``: those whose window holds now)."""
    now = utcnow()
    return [
        read(r, now=now) for r in repository.near_repeats(session, active_at=now if active_only else None, limit=limit)
    ]


def active_areas(session: Session, *, start: datetime, end: datetime) -> list[NearRepeatAlert]:
    """The alerts whose days overlap [start, end) (what a patrol plan of that window is offered)."""
    return list(repository.near_repeats_overlapping(session, start=start, end=end, limit=500))


def publish(session: Session, settings: Settings, alert_id: uuid.UUID, *, actor: Principal) -> NearRepeatRead:
    """Publish a near-repeat alert to its neighborhood's community alerts (audited; once)."""
    row = repository.near_repeat(session, alert_id)
    if row is None:
        raise NotFound(f"no near-repeat alert {alert_id}")
    if row.community_alert_id is not None:
        raise Conflict("this near-repeat alert is already published")
    if row.neighborhood is None:
        raise Conflict("the burglary lies in no neighborhood of the city profile: nothing to publish to")
    now = utcnow()
    if row.ends_at <= now:
        raise Conflict("this near-repeat alert has ended")
    days = max(1, round((row.ends_at - now).total_seconds() / DAY_S))
    sent = public_alerts.send_alert(
        session,
        AlertCreate(
            category=Category.burglary,
            headline="Burglary nearby: homes close by are at raised risk",
            body=bilingual(
                f"A burglary was reported in your neighborhood. Nearby homes are at raised risk for about {days} more "
                "day(s): lock doors and windows, keep lights on timers, and report anything suspicious.",
                f"Se reportó un robo en su vecindario. Las casas cercanas corren más riesgo durante unos {days} días "
                "más: cierre puertas y ventanas, use luces con temporizador y reporte cualquier actividad sospechosa.",
            ),
            area=AlertArea(neighborhood_code=row.neighborhood),
            expires=row.ends_at,
        ),
        actor=actor,
        sender=public_alerts.cap_sender(settings),
    )
    row.community_alert_id = sent.id
    row.published_at = now
    row.published_by = actor.name
    audit.record_for(
        session,
        actor,
        "patrol.near_repeat.published",
        target_type="near_repeat",
        target_id=str(row.id),
        details={"community_alert": str(sent.id), "neighborhood": row.neighborhood},
    )
    session.flush()
    return read(row)
