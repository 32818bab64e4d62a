"""Public alerts: staff send an alert of a category to a neighborhood or a circle (audited); it is fanned out to
every active subscription it reaches, once per account and channel, through the notify domain's outbox; anyone
reads the latest alerts, each also as a CAP 1.2 XML document whose sender is the city profile's (or
``RTCC_COMMUNITY_CAP_SENDER``).

Reach: a neighborhood subscription when its neighborhood is the alert's, or one a circle alert meets; a radius
subscription when its circle overlaps a circle alert, or for a neighborhood alert when its centre lies in the
neighborhood or a neighborhood vertex lies within its radius (``logic.radius_subscribers_reached`` is the reference
the database query, ``repository.alert_audience``, is tested against).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import logic, neighborhoods, repository
from rtcc.community.logic import Area
from rtcc.community.models import CommunityAlert
from rtcc.community.schemas import AlertCreate
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, ValidationFailed, field_error
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.places import service as places
from rtcc.settings import Settings


def cap_sender(settings: Settings) -> str:
    """The CAP <sender> of public alerts: the ``community_cap_sender`` setting, else the city profile's."""
    return settings.community_cap_sender or places.alert_senders().cap_sender


def _alert_area(alert: CommunityAlert) -> Area:
    if alert.area_kind == "neighborhood" and alert.polygon:
        return Area(ring=tuple((float(x), float(y)) for x, y in alert.polygon))
    return Area(lat=alert.lat, lon=alert.lon, radius_m=alert.radius_m)


def _circle(area: Area) -> tuple[float, float, float] | None:
    if area.is_circle and area.lat is not None and area.lon is not None and area.radius_m is not None:
        return (area.lat, area.lon, area.radius_m)
    return None


def send_alert(session: Session, data: AlertCreate, *, actor: Principal, sender: str) -> CommunityAlert:
    """Create a public alert and fan it out to every matching subscriber's channels (audited)."""
    now = utcnow()
    if data.expires is not None and data.expires <= now:
        raise ValidationFailed("expires is in the past", errors=[field_error("expires", "must be in the future")])
    area = data.area
    polygon: list[list[float]] | None = None
    if area.neighborhood_code is not None:
        hood = neighborhoods.get(session, area.neighborhood_code, "area.neighborhood_code")
        polygon = [list(map(float, p)) for p in hood.polygon]
        desc = area.description or hood.name
    else:
        desc = area.description or f"Within {area.radius_m:.0f} m of {area.lat:.5f}, {area.lon:.5f}"
    alert = CommunityAlert(
        category=data.category.value,
        headline=data.headline,
        body=data.body,
        severity=data.severity.value,
        urgency=data.urgency.value,
        certainty=data.certainty.value,
        area_kind="neighborhood" if area.neighborhood_code else "radius",
        neighborhood_code=area.neighborhood_code,
        lat=area.lat,
        lon=area.lon,
        radius_m=area.radius_m,
        area_desc=desc,
        polygon=polygon,
        sender=sender,
        created_by=actor.audit_name,
        sent_at=now,
        expires_at=data.expires,
        recipients=0,
    )
    session.add(alert)
    session.flush()
    alert.recipients = fan_out(session, alert)
    audit.record_for(
        session,
        actor,
        "community.alert.send",
        target_type="community_alert",
        target_id=str(alert.id),
        details={"category": alert.category, "area": desc, "recipients": alert.recipients},
    )
    return alert


def fan_out(session: Session, alert: CommunityAlert) -> int:
    """Enqueue the alert for every active subscription it reaches (see the module docstring), once per account and
    channel; idempotent (a retried fan-out inserts nothing new). Returns the alert's outbox row count."""
    area = _alert_area(alert)
    reach = repository.Reach(
        category=alert.category,
        neighborhoods=frozenset(
            logic.neighborhoods_reached(area, neighborhoods.rings(session), alert.neighborhood_code)
        ),
        circle=_circle(area),
        polygon_code=alert.neighborhood_code if not area.is_circle else None,
        vertices=tuple((y, x) for x, y in area.ring or ()),
    )
    notify.enqueue_audience(
        session,
        repository.alert_audience(reach),
        key=f"alert:{alert.id}",
        alert_id=alert.id,
        category=alert.category,
        subject=f"[{logic.EVENT_LABEL.get(alert.category, alert.category)}] {alert.headline}",
        body=f"{alert.body}\n\nArea: {alert.area_desc}",
        link=f"/api/v1/community/alerts/{alert.id}",
    )
    return notify.count_for_alert(session, alert.id)


def get_alert(session: Session, alert_id: uuid.UUID) -> CommunityAlert:
    """One public alert."""
    found = session.get(CommunityAlert, alert_id)
    if found is None:
        raise NotFound(f"alert {alert_id} not found")
    return found


def list_alerts(session: Session, *, limit: int = 50) -> list[CommunityAlert]:
    """The latest public alerts."""
    return repository.alerts(session, limit=limit)


def alert_cap(session: Session, alert_id: uuid.UUID, *, base_url: str) -> str:
    """The alert as a CAP 1.2 XML document."""
    alert = get_alert(session, alert_id)
    area = _alert_area(alert)
    return logic.cap_xml(
        logic.CapAlert(
            identifier=f"urn:uuid:{alert.id}",
            sender=alert.sender,
            sender_name=places.alert_senders().sender_name,
            sent=alert.sent_at,
            category=alert.category,
            headline=alert.headline,
            description=alert.body,
            severity=alert.severity,
            urgency=alert.urgency,
            certainty=alert.certainty,
            area_desc=alert.area_desc,
            expires=alert.expires_at,
            web=f"{base_url.rstrip('/')}/api/v1/community/alerts/{alert.id}",
            ring=area.ring,
            circle=_circle(area),
        )
    )
