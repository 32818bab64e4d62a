"""How an alert is shown: the ``AlertRead`` a person sees (the alert with its first read, camera, hotlist entry and
list side by side, where the vehicle was seen last, its history and, on the detail, every sighting) and the live
event each change publishes (topic ``alerts`` for hits, ``cameras`` for camera-offline alerts).

Every use case of the domain (hit alerts, camera-offline alerts, the lifecycle, the queue) builds its answers and
live events here, so that one alert looks the same in the list, the detail, the live stream and the notifications.
The related rows of a batch of alerts come in one query (``repository.related``): hit alerts are built for every
batch of new hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alerts import repository
from rtcc.alerts.logic import AlertKind, allowed_actions
from rtcc.alerts.models import Alert
from rtcc.alerts.schemas import AlertRead, CameraInfo, EntryInfo, ReadInfo, SightingRead, TransitionRead
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.live import service as live

#: The most sightings an alert's detail lists (``read_count`` says how many there are in all).
MAX_SIGHTINGS = 200


def topic_for(kind: str) -> str:
    """The live topic that carries alerts of ``kind``."""
    return "cameras" if kind == AlertKind.camera_offline else "alerts"


def is_current(expires_at: datetime | None, list_active: bool | None, now: datetime) -> bool:
    """Whether a hotlist entry is still in force: not expired, and its list (when there is one) active."""
    return (list_active is None or bool(list_active)) and (expires_at is None or expires_at > now)


def _entry_info(entry: dict[str, Any], hotlist: dict[str, Any] | None, now: datetime) -> EntryInfo:
    return EntryInfo(
        **entry,
        hotlist_name=hotlist["name"] if hotlist else None,
        category=hotlist["category"] if hotlist else None,
        current=is_current(entry["expires_at"], hotlist["active"] if hotlist else None, now),
    )


def to_reads(
    session: Session, alerts: Sequence[Alert], *, with_transitions: bool = True, with_sightings: bool = False
) -> list[AlertRead]:
    """``AlertRead`` models of these alerts, with their read, camera and entry (one query), where the vehicle was
    seen last, their history and (``with_sightings``) every sighting."""
    if not alerts:
        return []
    now = utcnow()
    related = repository.related(session, alerts)
    last = repository.last_sightings(session, alerts)
    transitions = repository.transitions_for(session, [a.id for a in alerts]) if with_transitions else {}
    out = []
    for a in alerts:
        seen = last.get(a.id)
        sightings = repository.sightings(session, a.id, limit=MAX_SIGHTINGS) if with_sightings else []
        rel = related.get(a.id, {})
        read, cam, entry = rel.get("read"), rel.get("camera"), rel.get("entry")
        out.append(
            AlertRead(
                id=a.id,
                kind=a.kind,
                state=a.state,
                priority=a.priority,
                title=a.title,
                camera_id=a.camera_id,
                hotlist_id=a.hotlist_id,
                entry_id=a.entry_id,
                read_id=a.read_id,
                last_read_id=a.last_read_id,
                plate_read=a.plate_read,
                plate_listed=a.plate_listed,
                match_kind=a.match_kind,
                fuzzy=a.match_kind == "fuzzy",
                diff_positions=list(a.diff_positions or []),
                read_count=a.read_count,
                first_seen_at=a.first_seen_at,
                last_seen_at=a.last_seen_at,
                checklist=dict(a.checklist or {}),
                reject_reason=a.reject_reason,
                dispatched_to=a.dispatched_to,
                note=a.note,
                created_at=a.created_at,
                updated_at=a.updated_at,
                closed_at=a.closed_at,
                allowed_actions=[x.value for x in allowed_actions(a.kind, a.state)],
                camera=CameraInfo(**cam) if cam else None,
                read=ReadInfo(**read) if read else None,
                entry=_entry_info(entry, rel.get("hotlist"), now) if entry else None,
                last_sighting=SightingRead(**seen) if seen else None,
                sightings=[SightingRead(**x) for x in sightings],
                transitions=[TransitionRead.model_validate(t) for t in transitions.get(a.id, [])],
            )
        )
    return out


def live_data(alert: AlertRead) -> dict[str, Any]:
    """The data of an alert's live event: the alert as JSON, without its transition history (which is shown,
    audited, when a person opens the alert)."""
    return alert.model_dump(mode="json", exclude={"transitions", "sightings"})


def emit(session: Session, bus: Bus, reads: Sequence[AlertRead], types: Sequence[str]) -> None:
    """Publish one live event per alert (``types``: ``alert.created`` or ``alert.updated``), after commit."""
    live.emit_many(
        session,
        bus,
        [(topic_for(r.kind), t, live_data(r)) for r, t in zip(reads, types, strict=True)],
    )
