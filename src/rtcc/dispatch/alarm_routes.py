"""HTTP routes of alarm companies, their alarm messages, alarm permits and the alarm context of a call, under
``/api/v1/dispatch`` (included by ``rtcc.dispatch.routes``).

Permissions: ``alarms:write`` (only an alarm company's API key holds it) to send messages and read its own events;
``alarms:admin`` (supervisors) to register companies, ``apikeys:admin`` (administrators) to issue their keys;
``premises:read`` / ``premises:write`` (dispatchers, supervisors) for the permit registry; ``callers:read`` for a
call's alarm with its keyholders (audited); ``calls:dispatch`` to record a verification; ``alarms:context``
(dispatchers, supervisors, analysts; never guards or CSOs) for the reads and cameras around a burglary alarm.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from rtcc.core.pagination import Offset
from rtcc.deps import BusDep, DbDep, RuntimeDep, SettingsDep
from rtcc.dispatch import alarm_context, alarms, permits
from rtcc.dispatch.adapters import asap
from rtcc.dispatch.alarm_schemas import (
    AlarmCompanyCreate,
    AlarmCompanyRead,
    AlarmCompanyUpdate,
    AlarmContext,
    AlarmDetail,
    AlarmKeyCreate,
    AlarmRead,
    AlarmReceipt,
    PermitCreate,
    PermitRead,
    PermitUpdate,
    VerifyRequest,
)
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.identity.schemas import ApiKeyCreated

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch", "alarms"])

Company = Annotated[Principal, require(Perm.alarms_write)]
CompanyAdmin = Annotated[Principal, require(Perm.alarms_admin)]
KeyAdmin = Annotated[Principal, require(Perm.apikeys_admin)]
PermitReader = Annotated[Principal, require(Perm.premises_read)]
PermitWriter = Annotated[Principal, require(Perm.premises_write)]
AlarmReader = Annotated[Principal, require(Perm.callers_read)]
Dispatcher = Annotated[Principal, require(Perm.calls_dispatch)]
ContextReader = Annotated[Principal, require(Perm.alarm_context)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema with its local ``$ref``s replaced by their definitions (an ``openapi_extra`` body stands alone;
    the discriminator's mapping of ``$ref`` strings goes: ``message`` says which one it is)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k not in ("$defs", "discriminator")}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


_SCHEMA = TypeAdapter(asap.AlarmMessage).json_schema()
_MESSAGE_DOC = {
    "requestBody": {
        "required": True,
        "description": "An ASAP-style alarm event (message 'alarm') or cancel (message 'cancel').",
        "content": {"application/json": {"schema": _inline(_SCHEMA, _SCHEMA.get("$defs", {}))}},
    }
}

# --- the alarm company's side -----------------------------------------------------------------------------------------


@router.post("/alarms", response_model=AlarmReceipt, openapi_extra=_MESSAGE_DOC)
async def post_alarm(request: Request, runtime: RuntimeDep, actor: Company) -> Response:
    """An alarm event (201 with its call; a resent event 200 ``duplicate``, the same call) or a cancel of one of
    your own events (200: ``closed`` before dispatch, ``noted`` for the dispatcher after). A message that cannot be
    used answers 422 naming the field and is kept as a dead letter."""
    body = await request.body()
    receipt = await run_in_threadpool(
        alarms.receive_message, runtime.db, runtime.bus, runtime.settings, body, actor=actor
    )
    status = 201 if receipt.outcome == "created" else 200
    return Response(content=receipt.model_dump_json(), status_code=status, media_type="application/json")


@router.get("/alarms/{event_id:path}")
def get_own_alarm(event_id: str, db: DbDep, actor: Company) -> AlarmRead:
    """One of your company's events and its call's state (another company's answers 404)."""
    with db.read() as session:
        return alarms.company_event(session, event_id, actor=actor)


# --- companies --------------------------------------------------------------------------------------------------------


@router.get("/alarm-companies")
def list_companies(db: DbDep, _p: CompanyAdmin) -> list[AlarmCompanyRead]:
    """Registered alarm companies."""
    with db.read() as session:
        return alarms.list_companies(session)


@router.post("/alarm-companies", status_code=201)
def create_company(body: AlarmCompanyCreate, db: DbDep, actor: CompanyAdmin) -> AlarmCompanyRead:
    """Register an alarm company as a partner."""
    with db.uow() as session:
        return alarms.create_company(session, body, actor=actor)


@router.patch("/alarm-companies/{code}")
def update_company(code: str, body: AlarmCompanyUpdate, db: DbDep, actor: CompanyAdmin) -> AlarmCompanyRead:
    """Change a company (``active: false`` refuses its messages)."""
    with db.uow() as session:
        return alarms.update_company(session, code, body, actor=actor)


@router.post("/alarm-companies/{code}/keys", status_code=201)
def issue_key(code: str, body: AlarmKeyCreate, db: DbDep, actor: KeyAdmin) -> ApiKeyCreated:
    """Issue an API key for a company (it may only send that company's alarms); the secret is shown once."""
    with db.uow() as session:
        return alarms.issue_key(session, code, body, actor=actor)


# --- a call's alarm ---------------------------------------------------------------------------------------------------


@router.get("/calls/{call_id}/alarm")
def call_alarm(call_id: uuid.UUID, db: DbDep, actor: AlarmReader) -> AlarmDetail:
    """The alarm a call came from, with keyholders and the central station's call-back (the read is audited)."""
    with db.uow() as session:
        return alarms.alarm_detail(session, call_id, actor=actor)


@router.post("/calls/{call_id}/alarm/verify")
def verify_alarm(call_id: uuid.UUID, body: VerifyRequest, db: DbDep, bus: BusDep, actor: Dispatcher) -> AlarmRead:
    """Record that an alarm requiring verification was verified; the call gets its rule's priority."""
    with db.uow() as session:
        return alarms.verify(session, bus, call_id, body, actor=actor)


@router.get("/calls/{call_id}/alarm-context")
def call_alarm_context(
    call_id: uuid.UUID, runtime: RuntimeDep, settings: SettingsDep, actor: ContextReader
) -> AlarmContext:
    """ALPR reads near a burglary alarm's premise (from shortly before the alarm) and the registered cameras that
    may have seen it, under purpose ``alarm_response``; audited like any search."""
    return alarm_context.run(runtime.db, runtime.services, settings, call_id, actor=actor)


# --- permits ----------------------------------------------------------------------------------------------------------


@router.get("/permits")
def list_permits(
    db: DbDep,
    response: Response,
    _p: PermitReader,
    q: Annotated[str | None, Query(max_length=128, description="Number, holder or address contains this.")] = None,
    premise_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(description="active, suspended or revoked.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PermitRead]:
    """Alarm permits with their false alarms in 12 months (X-Total-Count: how many match)."""
    with db.read() as session:
        rows, total = permits.search(session, q=q, premise_id=premise_id, status=status, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return rows


@router.post("/permits", status_code=201)
def create_permit(body: PermitCreate, db: DbDep, actor: PermitWriter) -> PermitRead:
    """Register an alarm permit of a premise."""
    with db.uow() as session:
        return permits.create(session, body, actor=actor)


@router.get("/permits/{permit_id}")
def get_permit(permit_id: uuid.UUID, db: DbDep, _p: PermitReader) -> PermitRead:
    """One permit, with its false alarms and whether it requires a verified response."""
    with db.read() as session:
        return permits.get(session, permit_id)


@router.patch("/permits/{permit_id}")
def update_permit(permit_id: uuid.UUID, body: PermitUpdate, db: DbDep, actor: PermitWriter) -> PermitRead:
    """Change a permit (holder, company, status, expiry, notes)."""
    with db.uow() as session:
        return permits.update(session, permit_id, body, actor=actor)


@router.delete("/permits/{permit_id}", status_code=204)
def delete_permit(permit_id: uuid.UUID, db: DbDep, actor: PermitWriter) -> Response:
    """Remove a permit no alarm refers to (revoke one that has history)."""
    with db.uow() as session:
        permits.delete(session, permit_id, actor=actor)
    return Response(status_code=204)
