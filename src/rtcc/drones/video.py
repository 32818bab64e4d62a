"""A drone's live video link, under the rule of a live-linked camera (``rtcc.cameras.liveview``): handed out only
during an active incident — the flight is in the air for a call that is open and that the caller may see — with a
stated purpose, and every opening audited. Everywhere else the link is withheld.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied
from rtcc.dispatch import calls as dispatch_calls
from rtcc.dispatch.logic import CallStatus
from rtcc.drones import flight_repo as repo
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_schemas import VideoLink, VideoOpen
from rtcc.identity.logic import Principal


def open_video(
    session: Session, flight_id: uuid.UUID, data: VideoOpen, *, actor: Principal, settings: DroneFlightSettings
) -> VideoLink:
    """The flight's live video link, if its call is open and visible to ``actor``; audited."""
    flight = repo.get_flight(session, flight_id)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    if flight.status != repo.IN_FLIGHT:
        raise Conflict(f"flight {flight_id} has landed: its live video is closed")
    if flight.call_id is None:
        raise PermissionDenied("a drone's live video opens only for an open call")
    call = dispatch_calls.get_call(session, flight.call_id, actor=actor)  # NotFound unless the actor may see it
    if call.status == CallStatus.closed:
        raise PermissionDenied(f"call {call.number} is closed: the drone's live video opens only for an open call")
    template = settings.drones_video_url_template
    if not template:
        raise Conflict("no drone video is configured (RTCC_DRONES_VIDEO_URL_TEMPLATE)")
    now = utcnow()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.video.open",
        target_type="drone_flight",
        target_id=str(flight.id),
        details={"drone": flight.drone_code, "call_number": call.number, "purpose": data.purpose},
    )
    return VideoLink(
        flight_id=flight.id,
        drone=flight.drone_code,
        call_number=call.number,
        url=template.replace("{drone}", flight.drone_code),
        opened_at=now,
    )
