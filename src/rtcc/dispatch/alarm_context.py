"""The alarm context of a burglary alarm call: the ALPR reads near the premise from shortly before the alarm until
now and the registered cameras that may have seen it, found through the existing investigations stakeout
(``rtcc.investigations.scenes.stakeout``) and camera canvass (``rtcc.cameras.canvass``) under purpose
``alarm_response`` with the call's number as the incident number, and audited like any search: ``alpr.search``
(kind ``stakeout``, with the purpose), ``canvass.run``, and ``dispatch.call.alarm_context`` on the call (purpose and
counts). A refused purpose (a deployment whose purpose list lacks ``alarm_response``) is audited as
``alpr.search.refused`` in a transaction of its own and answered with the governance error.

Only dispatchers, supervisors and analysts hold ``alarms:context``; guards and CSOs never see ALPR data.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from rtcc.cameras import canvass
from rtcc.cameras.canvass import CanvassIndex
from rtcc.cameras.schemas import CanvassQuery
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict
from rtcc.dispatch import access, alarm_logic, alarm_repository, calltypes, chain
from rtcc.dispatch.alarm_schemas import AlarmContext
from rtcc.identity.logic import Principal
from rtcc.investigations import scenes
from rtcc.investigations import service as investigations
from rtcc.investigations.schemas import Area, PurposeFields, StakeoutQuery
from rtcc.settings import Settings

#: The purpose code an alarm context searches under (declared in ``rtcc.governance.logic.DEFAULT_PURPOSES``).
PURPOSE = "alarm_response"
#: How many cameras a context lists at most.
CAMERA_LIMIT = 50


def _is_burglary_alarm(session: Session, call_id: uuid.UUID, call_type: str) -> bool:
    rec = alarm_repository.alarm_of_call(session, call_id)
    if rec is not None:
        return rec.category == "burglary"
    ct = calltypes.catalogue().call_type(call_type)
    return ct is not None and ct.alarm is not None and ct.alarm.category.lower() == "burg"


def context(
    session: Session, index: CanvassIndex, settings: Settings, call_id: uuid.UUID, *, actor: Principal
) -> AlarmContext:
    """The reads and cameras around a burglary alarm call (see the module docstring); Conflict for another call."""
    call = access.visible_call(session, call_id, actor)
    if not _is_burglary_alarm(session, call.id, call.call_type):
        raise Conflict(f"call {call.number} is not a burglary alarm: it has no alarm context")
    now = utcnow()
    start, end = alarm_logic.context_window(
        call.received_at,
        now,
        minutes=settings.dispatch_alarm_context_minutes,
        max_hours=settings.search_stakeout_max_hours,
    )
    radius = settings.dispatch_alarm_context_radius_m
    query = StakeoutQuery(
        purpose=PURPOSE,
        case_number=call.number,
        area=Area(lat=call.lat, lon=call.lon, radius_m=radius),
        start=start,
        end=end,
    )
    reads = scenes.stakeout(session, query, actor=actor, settings=settings)
    cameras = canvass.canvass(
        session, index, CanvassQuery(lat=call.lat, lon=call.lon, start=start, end=end, limit=CAMERA_LIMIT), now=now
    )
    canvass.record_canvass(session, actor, cameras)
    chain.audit_call(
        session,
        actor,
        "alarm_context",
        call,
        purpose=PURPOSE,
        start=start.isoformat(),
        end=end.isoformat(),
        radius_m=radius,
        plates=reads.result_count,
        reads=reads.total_reads,
        cameras=len(cameras.items),
    )
    return AlarmContext(
        call_id=call.id,
        call_number=call.number,
        purpose=PURPOSE,
        lat=call.lat,
        lon=call.lon,
        radius_m=radius,
        start=start,
        end=end,
        reads=reads,
        cameras=cameras,
    )


def run(
    db: Database, services: dict[str, Any], settings: Settings, call_id: uuid.UUID, *, actor: Principal
) -> AlarmContext:
    """The alarm context in one unit of work; a refused purpose is audited on its own and raised."""
    index = canvass.index_of(services)
    try:
        with db.uow() as session:
            return context(session, index, settings, call_id, actor=actor)
    except investigations.SearchRefused as refused:
        body = PurposeFields(purpose=PURPOSE)
        with db.uow() as session:
            investigations.record_refusal(session, actor, kind="stakeout", body=body, reason=refused.error.detail)
        raise refused.error from None
