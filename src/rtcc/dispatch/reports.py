"""Calls and online reports made by community accounts: a resident files an online report from the portal (only call
types the catalogue lets an online report take), and follows the calls and reports they made with coarse statuses
(received, assigned, visited, closed). A call another account made answers 404 exactly like a missing one.

The link is ``dispatch_calls.reporter_user_id``, set at intake; what a resident reads is built here from the call's
own stamps, so nothing of the units, notes or other people can leak into it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.errors import NotFound, PermissionDenied, invalid
from rtcc.dispatch import calls, calltypes, repository
from rtcc.dispatch.logic import CallStatus, Source
from rtcc.dispatch.models import Call
from rtcc.dispatch.resident_schemas import (
    OnlineReportCreate,
    ReportTypeRead,
    ResidentCallRead,
    ResidentStatus,
    ResidentStep,
)
from rtcc.dispatch.schemas import CallCreate, CallLocation
from rtcc.identity.logic import Principal
from rtcc.settings import Settings

#: The coarse status a resident sees for each call status.
COARSE: dict[str, ResidentStatus] = {
    CallStatus.received.value: "received",
    CallStatus.queued.value: "received",
    CallStatus.dispatched.value: "assigned",
    CallStatus.acknowledged.value: "assigned",
    CallStatus.en_route.value: "assigned",
    CallStatus.on_scene.value: "visited",
    CallStatus.cleared.value: "visited",
    CallStatus.closed.value: "closed",
}


def coarse_status(status: str) -> ResidentStatus:
    """The resident's status of a call status (an unknown one reads as received)."""
    return COARSE.get(status, "received")


def resident_read(call: Call) -> ResidentCallRead:
    """What the resident who made a call sees of it."""
    status = coarse_status(call.status)
    stamps: list[tuple[ResidentStatus, datetime | None]] = [
        ("received", call.received_at),
        ("assigned", call.dispatched_at),
        ("visited", call.on_scene_at),
        ("closed", call.closed_at if status == "closed" else None),
    ]
    return ResidentCallRead(
        id=call.id,
        number=call.number,
        call_type_name=calltypes.type_of(call.call_type).name,
        call_type_names=dict(calltypes.type_of(call.call_type).names),
        online_report=call.source == Source.online_report.value,
        status=status,
        received_at=call.received_at,
        steps=[ResidentStep(status=s, at=at) for s, at in stamps if at is not None],
    )


def _account(actor: Principal) -> uuid.UUID:
    user_id = actor.user_uuid
    if user_id is None or not actor.is_community:
        raise PermissionDenied("only a community account has reports of its own")
    return user_id


def report_types() -> list[ReportTypeRead]:
    """The call types a resident may report online."""
    return [
        ReportTypeRead(code=ct.code, name=ct.name, names=dict(ct.names))
        for ct in calltypes.catalogue().call_types
        if ct.online_report_ok
    ]


def file_report(
    session: Session, bus: Bus | None, settings: Settings, data: OnlineReportCreate, *, actor: Principal
) -> ResidentCallRead:
    """File an online report as the signed-in community account (intake, linked to the account; audited)."""
    user_id = _account(actor)
    ct = calltypes.type_of(data.call_type)
    if not ct.online_report_ok:
        raise invalid("call_type", f"{ct.name} cannot be reported online: call the station")
    body = CallCreate(
        call_type=ct.code,
        location=CallLocation(kind="point", lat=data.lat, lon=data.lon),
        narrative=data.narrative,
        source=Source.online_report,
    )
    made = calls.intake(session, bus, settings, body, actor=actor, reporter=user_id)
    call = repository.call(session, made.call.id)
    assert call is not None  # just added in this transaction
    return resident_read(call)


def my_reports(session: Session, *, actor: Principal, limit: int = 100) -> list[ResidentCallRead]:
    """The calls and online reports the signed-in community account made, newest first."""
    return [resident_read(c) for c in repository.calls_of_reporter(session, _account(actor), limit=limit)]


def my_report(session: Session, call_id: uuid.UUID, *, actor: Principal) -> ResidentCallRead:
    """One of them; another account's call answers NotFound, as a missing one does."""
    call = repository.call(session, call_id)
    if call is None or call.reporter_user_id != _account(actor):
        raise NotFound(f"no report {call_id}")
    return resident_read(call)
