"""HTTP routes of the ALPR domain: read ingest (native batches, the OpenALPR/Rekor agent webhook), camera
registration and heartbeats, stored reads' images, the sensors' own alerts, and the dead-letter queue.

Ingest routes read the raw body themselves, so that a malformed body is dead-lettered (with the JSON error's line,
column and position) instead of being refused by the framework before we see it, and so that one bad read in a
batch does not refuse the others. They answer only after the unit of work has committed: a 202 means stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from rtcc.alerts import queue as alerts_queue
from rtcc.alpr import cameras, deadletters, images, intake, replay, vendoralerts
from rtcc.alpr.schemas import (
    CameraCreate,
    CameraDivisionSet,
    CameraRead,
    DeadLetterPage,
    HeartbeatIn,
    HeartbeatResult,
    IngestResult,
    ReadBatch,
    ReplayOutcome,
    ReplaySummary,
    VendorAlertPage,
)
from rtcc.core.errors import NotFound
from rtcc.core.hotlane import LaneHandler
from rtcc.core.pagination import Offset, RowId
from rtcc.deps import BusDep, DbDep, RuntimeDep, SettingsDep, get_runtime
from rtcc.identity.deps import Require, require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1", tags=["alpr"])
#: The two ingest routes, one call per camera read: mounted before every other domain's routes (``hot_router``).
ingest_router = APIRouter(prefix="/api/v1", tags=["alpr"])
#: The one permission check of both ingest routes, declared on the routes and called by their hot lane
#: (``INGEST_LANE``), so the two ways in cannot drift apart.
READS_WRITE = Require(Perm.reads_write)


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema with its local ``$ref``s replaced by their definitions (for ``openapi_extra`` bodies)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _json_body(model: type[ReadBatch]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


def _context(request: Request, channel: str, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"channel": channel, "content_type": request.headers.get("content-type", "")[:64]}
    ctx.update({k: v for k, v in extra.items() if v is not None})
    return ctx


def _accepted(result: IngestResult) -> Response:
    """A 202 with the result's JSON, serialised once by pydantic (cameras send a request per read: FastAPI's generic
    response validation and encoding would cost more than storing the read)."""
    return Response(content=result.model_dump_json(), status_code=202, media_type="application/json")


@ingest_router.post("/reads", status_code=202, response_model=IngestResult, openapi_extra=_json_body(ReadBatch))
async def post_reads(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(READS_WRITE)],
) -> Response:
    """Store a batch of native reads (``{"reads": [...]}``); 202 once stored, with each refused read's reason.

    A resent read is counted as a duplicate and stored once. A malformed read is refused (index, field, reason)
    and dead-lettered while the rest of the batch is stored; 422 when nothing could be stored, 403 when every read
    is for a camera the key may not report for.
    """
    body = await request.body()
    return _accepted(
        await intake.ingest_request(
            runtime, body, source="rest", context=_context(request, "native"), principal=principal
        )
    )


@ingest_router.post("/ingest/openalpr", status_code=202, response_model=IngestResult)
async def post_openalpr(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(READS_WRITE)],
    camera: Annotated[
        str | None,
        Query(max_length=64, description="Camera code for documents that name no camera_id/site_id."),
    ] = None,
) -> Response:
    """The OpenALPR/Rekor agent webhook: alpr_group (v1-v3), alpr_results, alpr_alert, heartbeat and vehicle
    documents at one URL. Invalid JSON is dead-lettered and refused with 422 naming line, column and position."""
    body = await request.body()
    scoped = sorted(principal.camera_codes)
    default = camera or (scoped[0] if principal.kind == "apikey" and len(scoped) == 1 and scoped[0] != "*" else None)
    context = _context(request, "openalpr", default_camera=default)
    return _accepted(
        await intake.ingest_request(runtime, body, source="openalpr", context=context, principal=principal)
    )


async def _lane_reads(request: Request) -> Response:
    return await post_reads(request, get_runtime(request), await READS_WRITE(request))


async def _lane_openalpr(request: Request) -> Response:  # the lane takes no query string: no ``camera``
    return await post_openalpr(request, get_runtime(request), await READS_WRITE(request))


#: The ingest routes' hot lane (``rtcc.core.hotlane``): a camera-sized POST without a query string reaches the same
#: endpoint, after the same permission check, without the framework's per-request routing and dependency solving.
INGEST_LANE: dict[str, LaneHandler] = {
    "/api/v1/reads": _lane_reads,
    "/api/v1/ingest/openalpr": _lane_openalpr,
}


@router.post("/cameras/heartbeat")
def post_heartbeat(
    body: HeartbeatIn,
    db: DbDep,
    bus: BusDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require(Perm.cameras_heartbeat)],
) -> HeartbeatResult:
    """A camera's sign of life (by code, or every camera of an OpenALPR agent by agent_uid)."""
    with db.uow() as session:
        return cameras.heartbeat(session, bus, body, principal=principal, settings=settings)


@router.get("/cameras")
def get_cameras(
    db: DbDep,
    _p: Annotated[Principal, require(Perm.cameras_read)],
    active: Annotated[bool | None, Query(description="Only active (true) or inactive (false) cameras.")] = None,
) -> list[CameraRead]:
    """Registered cameras with their health (status, last read, last heartbeat)."""
    with db.read() as session:
        return [CameraRead.model_validate(c) for c in cameras.list_cameras(session, active=active)]


@router.post("/cameras", status_code=201)
def post_camera(body: CameraCreate, db: DbDep, actor: Annotated[Principal, require(Perm.cameras_write)]) -> CameraRead:
    """Register a camera under the code its sensor sends."""
    with db.uow() as session:
        return CameraRead.model_validate(cameras.register_camera(session, body, actor=actor))


@router.put("/cameras/{code}/division")
def put_camera_division(
    code: str, body: CameraDivisionSet, db: DbDep, actor: Annotated[Principal, require(Perm.cameras_write)]
) -> CameraRead:
    """Set the division a camera belongs to (its reads and alerts follow it); null puts it back in the division its
    point lies in. Audited as camera.division."""
    with db.uow() as session:
        return CameraRead.model_validate(cameras.set_division(session, code, body.division, actor=actor))


@router.get(
    "/reads/{read_id}/images/{kind}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The JPEG as the sensor sent it."}},
)
def get_read_image(
    read_id: uuid.UUID,
    kind: Annotated[Literal["crop", "vehicle"], Path(description="crop (the plate) or vehicle.")],
    db: DbDep,
    settings: SettingsDep,
    actor: Annotated[Principal, require(Perm.alerts_read_verified)],
) -> Response:
    """A read's plate crop or vehicle image as its sensor sent it, for the people who verify its hit (the alert queue
    shows it beside the hotlist record): only a read of an alert the caller may see (a field unit: only verified
    hits); any other read answers 404, as do reads without a stored image of that kind. Opening an arbitrary read
    goes through plate search, under a purpose. Each view is audited as alpr.image.view."""
    with db.uow() as session:
        if not alerts_queue.read_in_visible_alert(session, actor, read_id):
            raise NotFound(f"no alert you may see holds read {read_id}")
        image = images.view_image(session, read_id, kind, actor=actor, data_dir=settings.data_dir)
    return Response(
        content=image.data,
        media_type=image.content_type,
        headers={
            "ETag": f'"{image.sha256}"',
            # briefly cached by this browser only, so re-rendering the queue does not refetch (and re-audit) it
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/vendor-alerts")
def get_vendor_alerts(
    db: DbDep,
    actor: Annotated[Principal, require(Perm.alerts_read)],
    read_id: Annotated[
        list[uuid.UUID] | None, Query(max_length=200, description="Only the alerts of these reads (repeatable).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> VendorAlertPage:
    """The sensors' own hotlist alerts (OpenALPR alpr_alert), newest first, each linked to its read. They are the
    vendor's word, shown beside our own alerts, which come from our hotlists (audited listing)."""
    with db.uow() as session:
        return vendoralerts.list_vendor_alerts(session, actor=actor, read_ids=read_id, limit=limit, offset=offset)


@router.get("/dead-letters")
def get_dead_letters(
    db: DbDep,
    actor: Annotated[Principal, require(Perm.deadletters_read)],
    source: Annotated[str | None, Query(max_length=32, description="rest, openalpr, mqtt, frigate or file.")] = None,
    status: Annotated[Literal["pending", "replayed", "discarded"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> DeadLetterPage:
    """Inputs we could not accept, newest first, with raw payload and reason (the listing is audited)."""
    with db.uow() as session:
        return deadletters.list_dead_letters(
            session, actor=actor, source=source, status=status, limit=limit, offset=offset
        )


@router.post("/dead-letters/replay")
def post_replay_pending(
    db: DbDep,
    bus: BusDep,
    settings: SettingsDep,
    actor: Annotated[Principal, require(Perm.deadletters_replay)],
    source: Annotated[str | None, Query(max_length=32, description="Only dead letters of this source.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Replay at most this many (oldest first).")] = 100,
) -> ReplaySummary:
    """Replay pending dead letters through their source's adapter."""
    with db.uow() as session:
        return replay.replay_pending(session, bus, source=source, limit=limit, actor=actor, settings=settings)


@router.post("/dead-letters/{dead_letter_id}/replay")
def post_replay(
    dead_letter_id: RowId,
    db: DbDep,
    bus: BusDep,
    settings: SettingsDep,
    actor: Annotated[Principal, require(Perm.deadletters_replay)],
) -> ReplayOutcome:
    """Replay one pending dead letter: replayed when now accepted, else its new reason and attempts + 1."""
    with db.uow() as session:
        return replay.replay(session, bus, dead_letter_id, actor=actor, settings=settings)
