"""HTTP routes of drone flights and the public flight log.

- Staff (``drones:read``): flights (the pilot's list: in the air and recent), a flight's track, geofence events,
  commands and footage.
- Pilot (``drones:pilot``): start a flight from an accepted launch request, command the drone back to its dock or
  down (``rtcc.drones.commands``: recorded, audited, sent over its telemetry channel), land it, upload its
  recording (kept by the footage domain: ``rtcc.drones.footage_retention``).
- Telemetry (``drones:telemetry``, a dock gateway's key or the pilot's station): ``POST /api/v1/drones/telemetry``
  with one ``TelemetryIn`` or a list of them (the JSON message of ``rtcc.drones.telemetry``).
- Supervisor (``drones:admin``): keep a recording as evidence of a case (the footage domain's custody).
- Live video (``drones:read``): ``POST .../video`` with a purpose, only while the call is open (audited).
- Public (no login): ``/api/v1/public/drones/flights`` (keyset pages), ``.../figures``, ``.../flights.csv``,
  ``.../flights.geojson``, and the page ``/drones/log`` (``rtcc.drones.public_page``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from rtcc.core.clock import utcnow
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.deps import BusDep, DbDep, RuntimeDep, SettingsDep
from rtcc.drones import commands, flight_repo, flights, footage_retention, public_page, publiclog, video
from rtcc.drones.flight_schemas import (
    CommandCreate,
    CommandRead,
    FiguresRead,
    FlightEventRead,
    FlightRead,
    FlightStart,
    PublicPage,
    TelemetryAccepted,
    TrackPoint,
    VideoLink,
    VideoOpen,
)
from rtcc.drones.ingest import ingest
from rtcc.drones.telemetry import TelemetryIn, fix_from_json
from rtcc.footage.schemas import FootageRequestRead, RecordingAttach
from rtcc.footage.storage import store_for
from rtcc.footage.uploads import receive_upload
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(tags=["drones"])
router.include_router(public_page.router)

Reader = Annotated[Principal, require(Perm.drones_read)]
Pilot = Annotated[Principal, require(Perm.drones_pilot)]
Admin = Annotated[Principal, require(Perm.drones_admin)]
Sender = Annotated[Principal, require(Perm.drones_telemetry)]
P = "/api/v1/drones"
PUB = "/api/v1/public/drones"


# --- telemetry ---------------------------------------------------------------------------------------------------


@router.post(f"{P}/telemetry", status_code=202)
def post_telemetry(
    body: Annotated[Any, Body(description="One telemetry message (TelemetryIn) or a list of them.")],
    actor: Sender,
    db: DbDep,
    bus: BusDep,
    settings: SettingsDep,
) -> TelemetryAccepted:
    """Telemetry over HTTP: checked against the geofences, stored in the flight's track, shown on the live map."""
    items = body if isinstance(body, list) else [body]
    if not items or len(items) > 1000:
        raise ValidationFailed("body: 1 to 1000 messages", errors=[field_error("body", "1 to 1000 messages")])
    fixes = []
    for i, raw in enumerate(items):
        try:
            fixes.append(fix_from_json(TelemetryIn.model_validate(raw), drone=None, source="http"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise ValidationFailed(
                f"message {i}: {where}: {first['msg']}", errors=[field_error(f"{i}.{where}", first["msg"])]
            ) from None
        except ValueError as exc:
            raise ValidationFailed(f"message {i}: {exc}", errors=[field_error(f"{i}.drone", str(exc))]) from None
    with db.uow() as session:
        result = ingest(session, bus, fixes, settings)
    if result.rejected and not result.stored and not result.without_flight:
        raise ValidationFailed(
            f"no message stored: {result.rejected[0]}", errors=[field_error("drone", r) for r in result.rejected[:20]]
        )
    return TelemetryAccepted(
        stored=result.stored,
        geofence_checks=result.geofence_checks,
        breaches=result.breaches,
        without_flight=result.without_flight,
    )


# --- flights (staff) ---------------------------------------------------------------------------------------------


@router.post(f"{P}/flights", status_code=201)
def start_flight(body: FlightStart, actor: Pilot, db: DbDep, bus: BusDep) -> FlightRead:
    """Start the flight of an accepted launch request."""
    with db.uow() as session:
        return flights.start(session, bus, request_id=body.request_id, actor=actor)


@router.get(f"{P}/flights")
def list_flights(
    _actor: Reader,
    db: DbDep,
    status: Annotated[Literal["in_flight", "landed"] | None, Query(description="Only these; unset: both.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[FlightRead]:
    """Flights newest first: the pilot's list of drones in the air and recent flights."""
    with db.read() as session:
        return flights.recent(session, status=status, limit=limit)


@router.post(f"{P}/flights/{{flight_id}}/commands", status_code=201)
def command_flight(flight_id: uuid.UUID, body: CommandCreate, actor: Pilot, runtime: RuntimeDep) -> CommandRead:
    """Order the drone back to its dock or down where it is: recorded, audited, and sent over the channel its
    telemetry arrives on (MAVLink COMMAND_LONG, MQTT JSON); ``channel`` ``none``: relay it from the ground station."""
    return commands.issue(runtime, flight_id, body, actor=actor)


@router.get(f"{P}/flights/{{flight_id}}/commands")
def flight_commands(flight_id: uuid.UUID, _actor: Reader, db: DbDep) -> list[CommandRead]:
    """A flight's commands, oldest first, with their channel and when they were sent and acknowledged."""
    with db.read() as session:
        flights.get(session, flight_id)
        return commands.of_flight(session, flight_id)


@router.post(f"{P}/flights/{{flight_id}}/land")
def land_flight(flight_id: uuid.UUID, actor: Pilot, db: DbDep, bus: BusDep, settings: SettingsDep) -> FlightRead:
    """Land a flight (its public path and outcome are computed now)."""
    with db.uow() as session:
        return flights.land(session, bus, flight_id, actor=actor, settings=settings)


@router.get(f"{P}/flights/{{flight_id}}")
def get_flight(flight_id: uuid.UUID, _actor: Reader, db: DbDep) -> FlightRead:
    """One flight."""
    with db.read() as session:
        return flights.get(session, flight_id)


@router.get(f"{P}/flights/{{flight_id}}/track")
def get_track(flight_id: uuid.UUID, _actor: Reader, db: DbDep) -> list[TrackPoint]:
    """A flight's whole stored track, oldest first (the live map's track so far)."""
    with db.read() as session:
        return flights.track(session, flight_id)


@router.get(f"{P}/flights/{{flight_id}}/events")
def get_events(flight_id: uuid.UUID, _actor: Reader, db: DbDep) -> list[FlightEventRead]:
    """A flight's geofence breaches."""
    with db.read() as session:
        flights.get(session, flight_id)
        return [FlightEventRead.model_validate(e) for e in flight_repo.events(session, flight_id)]


@router.post(f"{P}/flights/{{flight_id}}/video")
def open_video(flight_id: uuid.UUID, body: VideoOpen, actor: Reader, db: DbDep, settings: SettingsDep) -> VideoLink:
    """The drone's live video link, only while its call is open (audited)."""
    with db.uow() as session:
        return video.open_video(session, flight_id, body, actor=actor, settings=settings)


@router.get(f"{P}/flights/{{flight_id}}/footage")
def list_footage(flight_id: uuid.UUID, _actor: Reader, db: DbDep) -> list[FootageRequestRead]:
    """A flight's recordings: footage items of the footage domain, with their hashes, retention and case."""
    with db.read() as session:
        return footage_retention.list_footage(session, flight_id)


_UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The recording: a multipart form (file, note) or the raw file as the body (?filename=).",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}},
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(f"{P}/flights/{{flight_id}}/footage", status_code=201, openapi_extra=_UPLOAD)
async def upload_footage(
    flight_id: uuid.UUID,
    request: Request,
    actor: Pilot,
    runtime: RuntimeDep,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> FootageRequestRead:
    """Upload the flight's recording: hashed and kept in the evidence store by the footage domain (custody starts),
    purged after the policy's retention unless attached to a case."""
    with runtime.db.read() as session:
        flights.get(session, flight_id)
    s = runtime.settings
    store = store_for(s.footage_dir, s.data_dir)
    started = utcnow()
    received = await receive_upload(
        request, store, max_bytes=s.footage_max_upload_mb * 1024 * 1024, allowed=list(s.footage_allowed_types),
        filename=filename,
    )  # fmt: skip
    return await run_in_threadpool(
        footage_retention.store_upload, runtime.db, store, flight_id, received.staged, actor=actor, settings=s,
        filename=received.filename, started_at=started, note=received.note,
        client_ip=request.client.host if request.client else None,
    )  # fmt: skip


@router.post(f"{P}/footage/{{recording_id}}/evidence")
def attach_evidence(recording_id: uuid.UUID, body: RecordingAttach, actor: Admin, db: DbDep) -> FootageRequestRead:
    """Keep a flight's recording as evidence of a case (the footage domain's custody; audited)."""
    with db.uow() as session:
        return footage_retention.attach_evidence(session, recording_id, body, actor=actor)


# --- public log --------------------------------------------------------------------------------------------------


def _range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    a = datetime.combine(start, time(), tzinfo=UTC) if start else None
    b = datetime.combine(end, time(), tzinfo=UTC) + timedelta(days=1) if end else None
    return a, b


@router.get(f"{PUB}/flights", dependencies=[public()])
def public_flights(
    db: DbDep,
    after: Annotated[str | None, Query(max_length=80, description="The 'next' cursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=publiclog.MAX_PAGE)] = 50,
) -> PublicPage:
    """The public flight log, newest first."""
    with db.read() as session:
        return publiclog.page(session, after=after, limit=limit)


@router.get(f"{PUB}/figures", dependencies=[public()])
def public_figures(db: DbDep, start: date | None = None, end: date | None = None) -> FiguresRead:
    """Monthly figures (flights, median time to scene, share cleared without patrol, share by call type)."""
    a, b = _range(start, end)
    with db.read() as session:
        return publiclog.monthly(session, start=a, end=b)


@router.get(
    f"{PUB}/flights.csv",
    dependencies=[public()],
    response_class=Response,
    responses={200: {"description": "The log as CSV", "content": {"text/csv": {}}}},
)
def public_csv(db: DbDep, start: date | None = None, end: date | None = None) -> Response:
    """The public log as CSV."""
    a, b = _range(start, end)
    with db.read() as session:
        text = publiclog.csv_text(session, start=a, end=b)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="drone-flights.csv"'},
    )


@router.get(
    f"{PUB}/flights.geojson",
    dependencies=[public()],
    response_class=JSONResponse,
    responses={200: {"description": "A GeoJSON FeatureCollection", "content": {"application/geo+json": {}}}},
)
def public_geojson(db: DbDep, start: date | None = None, end: date | None = None) -> JSONResponse:
    """The public log as GeoJSON (coarsened paths)."""
    a, b = _range(start, end)
    with db.read() as session:
        data = publiclog.geojson(session, start=a, end=b)
    return JSONResponse(
        data,
        media_type="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="drone-flights.geojson"'},
    )
