"""RTCC-initiated calls from ALPR hits: an analyst turns a VERIFIED hit into a call for service.

An unverified hit is never acted on (a misread must be rejected by a person first), so only an alert a person has
verified (or already dispatched through the alert queue) becomes a call. The call is placed at the camera that read
the plate, its type is the catalogue's call type for APCO "ATL" (attempt to locate), its
source ``rtcc_alpr`` with the alert's id as ``source_ref``, and its narrative names the list and the plate as read.
Opening the alert goes through the alert queue's own service (``rtcc.alerts.queue.get_alert``), which checks that the
analyst may see it and writes the audited access; the call's intake is audited as every intake is. Asking twice for
the same alert returns the call made the first time.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.alerts import queue as alerts
from rtcc.bus.base import Bus
from rtcc.core.errors import Conflict, ValidationFailed
from rtcc.dispatch import calls, calltypes, repository
from rtcc.dispatch.logic import Source
from rtcc.dispatch.schemas import CallCreate, CallLocation, IntakeResult
from rtcc.identity.logic import Principal
from rtcc.settings import Settings

#: APCO common incident type of a call raised to locate a wanted vehicle.
LOCATE_APCO = "ATL"
#: Alert states a person has confirmed (``rtcc.alerts.logic``): the only ones a call may come from.
ACTIONABLE = frozenset({"verified", "dispatched"})


def call_from_alert(
    session: Session, bus: Bus | None, settings: Settings, alert_id: uuid.UUID, *, actor: Principal
) -> IntakeResult:
    """Take a call for a verified ALPR hit (module docstring); the existing call when one was already made."""
    made = repository.call_by_source_ref(session, Source.rtcc_alpr.value, str(alert_id))
    if made is not None:
        return IntakeResult(
            call=calls.get_call(session, made.id, actor=actor),
            recent_at_location=[],
            proposed_duplicate=None,
            premise_history=None,
        )
    alert = alerts.get_alert(session, actor, alert_id)
    if alert.state not in ACTIONABLE:
        raise Conflict(f"alert {alert_id} is {alert.state}: a person must verify a hit before anyone acts on it")
    types = [ct for ct in calltypes.catalogue().call_types if ct.apco_code == LOCATE_APCO]
    if not types:
        raise ValidationFailed(f"the dispatch catalogue has no call type for APCO {LOCATE_APCO} (ALPR hits)")
    lat, lon = (alert.camera.lat, alert.camera.lon) if alert.camera is not None else (None, None)
    if lat is None or lon is None:
        raise Conflict(f"alert {alert_id} has no location: its camera has no position")
    seen = alert.camera.name if alert.camera is not None else "an ALPR camera"
    body = CallCreate(
        call_type=types[0].code,
        location=CallLocation(kind="coordinates", lat=lat, lon=lon, text=seen),
        source=Source.rtcc_alpr,
        source_ref=str(alert.id),
        narrative=(
            f"RTCC: verified ALPR hit, {alert.title}. Plate read {alert.plate_read or '?'}"
            f" (listed {alert.plate_listed or '?'}) at {seen}, last seen {alert.last_seen_at.isoformat()}."
        ),
    )
    return calls.intake(session, bus, settings, body, actor=actor)
