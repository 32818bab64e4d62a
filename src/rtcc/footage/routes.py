"""HTTP routes of the footage domain.

Staff (``/api/v1/footage``): list and read requests, their custody log and clips (``footage:read``); make, cancel and
close requests, and upload clips for the agency's own cameras (``footage:request``); re-verify a request's files
(``footage:read``); export an evidence package (``evidence:export``); keep an agency recording (a drone flight's,
``footage.recordings``) as evidence of a case (``footage:request``). Every clip download and every export is a
custody entry, an audit entry and an entry in the camera's owner-visible access log.

Owners (``/api/v1/me/footage``, ``community:self``): a resident or business sees the requests for their own cameras,
approves or declines them and uploads clips; anyone else's request answers 404.

An upload is a multipart form (``file``; optional ``note``, ``recorded_start``, ``recorded_end``) or the raw file as
the body (``?filename=``). Its type is read from its bytes; too large answers 413, a type not accepted 415, and a
failed upload stores nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.pagination import Offset
from rtcc.deps import DbDep, RuntimeDep
from rtcc.footage import clips, evidence, recordings, service
from rtcc.footage.logic import Event, RequestState
from rtcc.footage.schemas import (
    Cancel,
    ClipRead,
    Close,
    CustodyRead,
    Decision,
    FootageRequestCreate,
    FootageRequestPage,
    FootageRequestRead,
    OwnerRequestRead,
    RecordingAttach,
    VerifyResult,
)
from rtcc.footage.storage import FootageStore, store_for
from rtcc.footage.uploads import receive_upload
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.runtime import Runtime

router = APIRouter(tags=["footage"])

Reader = Annotated[Principal, require(Perm.footage_read)]
Requester = Annotated[Principal, require(Perm.footage_request)]
Exporter = Annotated[Principal, require(Perm.evidence_export)]
Owner = Annotated[Principal, require(Perm.community_self)]

_STAFF = "/api/v1/footage"
_OWN = "/api/v1/me/footage"
_CHUNK = 1024 * 1024
_STORE_KEY = "footage.store"

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The clip: a multipart form, or the raw file as the body (name it with ?filename=).",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "note": {"type": "string", "maxLength": 2000},
                        "recorded_start": {"type": "string", "format": "date-time"},
                        "recorded_end": {"type": "string", "format": "date-time"},
                    },
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _store(runtime: Runtime) -> FootageStore:
    store = runtime.services.get(_STORE_KEY)
    if store is None:
        store = store_for(runtime.settings.footage_dir, runtime.settings.data_dir)
        runtime.services[_STORE_KEY] = store
    result: FootageStore = store
    return result


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


# --- staff ------------------------------------------------------------------------------------------------------------


@router.get(f"{_STAFF}/requests")
def list_requests(
    db: DbDep,
    _p: Reader,
    state: RequestState | None = None,
    case_number: Annotated[str | None, Query(max_length=64)] = None,
    camera_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> FootageRequestPage:
    """Footage requests, newest first; filter by state (as of now), case or camera."""
    with db.read() as session:
        return service.request_page(
            session,
            state=state.value if state else None,
            case_number=case_number,
            camera_id=camera_id,
            limit=limit,
            offset=offset,
        )


@router.post(f"{_STAFF}/requests", status_code=201)
def create_request(
    body: FootageRequestCreate, request: Request, runtime: RuntimeDep, actor: Requester
) -> FootageRequestRead:
    """Request a camera's recordings for a case; its owner is notified (an agency camera's request is approved)."""
    s = runtime.settings
    with runtime.db.uow() as session:
        return service.create_request(
            session,
            body,
            actor=actor,
            client_ip=_ip(request),
            ttl_days=s.footage_request_ttl_days,
            max_window_hours=s.footage_max_window_hours,
        )


@router.get(f"{_STAFF}/requests/{{request_id}}")
def get_request(request_id: uuid.UUID, db: DbDep, _p: Reader) -> FootageRequestRead:
    """One request with its clips."""
    with db.read() as session:
        return service.get_request(session, request_id)


@router.post(f"{_STAFF}/requests/{{request_id}}/cancel")
def cancel_request(
    request_id: uuid.UUID, body: Cancel, request: Request, db: DbDep, actor: Requester
) -> FootageRequestRead:
    """Withdraw a request that is not yet fulfilled."""
    with db.uow() as session:
        return service.staff_transition(
            session, request_id, Event.cancel, actor=actor, reason=body.reason, client_ip=_ip(request)
        )


@router.post(f"{_STAFF}/requests/{{request_id}}/close")
def close_request(
    request_id: uuid.UUID, request: Request, db: DbDep, actor: Requester, body: Close | None = None
) -> FootageRequestRead:
    """Close a fulfilled request (no more uploads); an optional reason is kept in the custody log."""
    with db.uow() as session:
        return service.staff_transition(
            session,
            request_id,
            Event.close,
            actor=actor,
            reason=body.reason if body and body.reason else None,
            client_ip=_ip(request),
        )


async def _upload(
    request: Request,
    runtime: RuntimeDep,
    request_id: uuid.UUID,
    actor: Principal,
    filename: str | None,
) -> ClipRead:
    db: Database = runtime.db
    s = runtime.settings
    started = utcnow()
    received = await receive_upload(
        request,
        _store(runtime),
        max_bytes=s.footage_max_upload_mb * 1024 * 1024,
        allowed=list(s.footage_allowed_types),
        filename=filename,
    )
    return await run_in_threadpool(
        evidence.store_upload,
        db,
        _store(runtime),
        request_id,
        received.staged,
        actor=actor,
        filename=received.filename,
        started_at=started,
        note=received.note,
        recorded_start=received.recorded_start,
        recorded_end=received.recorded_end,
        client_ip=_ip(request),
    )


def _check_staff_upload(db: Database, request_id: uuid.UUID) -> None:
    with db.read() as session:
        clips.check_staff_upload(session, request_id)


def _check_owner_upload(db: Database, request_id: uuid.UUID, owner: Principal) -> None:
    with db.read() as session:
        clips.check_owner_upload(session, request_id, owner=owner)


FilenameQuery = Annotated[
    str | None, Query(max_length=255, description="File name of a raw-body upload (kept for display).")
]


@router.post(f"{_STAFF}/requests/{{request_id}}/clips", status_code=201, openapi_extra=_UPLOAD_BODY)
async def staff_upload(
    request_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: Requester,
    filename: FilenameQuery = None,
) -> ClipRead:
    """Upload a clip for a request to one of the agency's own cameras (city/ALPR; no owner to upload it)."""
    await run_in_threadpool(_check_staff_upload, runtime.db, request_id)
    return await _upload(request, runtime, request_id, actor, filename)


@router.post(f"{_STAFF}/requests/{{request_id}}/evidence")
def attach_recording(
    request_id: uuid.UUID, body: RecordingAttach, request: Request, db: DbDep, actor: Requester
) -> FootageRequestRead:
    """Keep an agency recording (a drone flight's) as evidence of a case: it is no longer purged by retention."""
    with db.uow() as session:
        return recordings.attach_to_case(session, request_id, body, actor=actor, client_ip=_ip(request))


@router.get(f"{_STAFF}/requests/{{request_id}}/custody")
def get_custody(request_id: uuid.UUID, db: DbDep, _p: Reader) -> list[CustodyRead]:
    """The request's chain-of-custody log, in order."""
    with db.read() as session:
        return clips.custody(session, request_id)


@router.post(f"{_STAFF}/requests/{{request_id}}/verify")
def verify_request(request_id: uuid.UUID, request: Request, runtime: RuntimeDep, actor: Reader) -> VerifyResult:
    """Re-hash every clip and walk the custody chain; the verification is logged in custody and audit."""
    return evidence.verify(runtime.db, _store(runtime), request_id, actor=actor, client_ip=_ip(request))


@router.get(f"{_STAFF}/requests/{{request_id}}/package")
def export_package(request_id: uuid.UUID, request: Request, runtime: RuntimeDep, actor: Exporter) -> FileResponse:
    """The evidence package: a zip of the clips, manifest.json (hashes, sizes, uploaders, times) and
    custody_log.json; the export is logged in custody, audit and the camera's access log."""
    path: Path = evidence.build_package(runtime.db, _store(runtime), request_id, actor=actor, client_ip=_ip(request))
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"evidence-{request_id}.zip",
        background=BackgroundTask(_unlink, path),
    )


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _chunks(f: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := f.read(_CHUNK):
            yield chunk
    finally:
        f.close()


@router.get(f"{_STAFF}/clips/{{clip_id}}")
def download_clip(clip_id: uuid.UUID, request: Request, runtime: RuntimeDep, actor: Reader) -> StreamingResponse:
    """Download a clip (re-hashed first; a changed file is refused with 409); logged in custody, audit and the
    camera's access log."""
    dl = evidence.open_clip(runtime.db, _store(runtime), clip_id, actor=actor, client_ip=_ip(request))
    safe = dl.clip.filename.encode("ascii", "replace").decode().replace('"', "'")
    return StreamingResponse(
        _chunks(dl.file),
        media_type=dl.clip.content_type,
        headers={
            "Content-Length": str(dl.clip.size_bytes),
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-SHA256": dl.clip.sha256,
        },
    )


# --- owners -----------------------------------------------------------------------------------------------------------


@router.get(f"{_OWN}/requests")
def my_requests(db: DbDep, owner: Owner, state: RequestState | None = None) -> list[OwnerRequestRead]:
    """Footage requests for your cameras, newest first."""
    with db.read() as session:
        return service.owner_requests(session, owner=owner, state=state.value if state else None)


@router.get(f"{_OWN}/requests/{{request_id}}")
def my_request(request_id: uuid.UUID, db: DbDep, owner: Owner) -> OwnerRequestRead:
    """One footage request for your camera."""
    with db.read() as session:
        return service.get_owner_request(session, request_id, owner=owner)


@router.post(f"{_OWN}/requests/{{request_id}}/approve")
def approve(
    request_id: uuid.UUID, request: Request, db: DbDep, owner: Owner, body: Decision | None = None
) -> OwnerRequestRead:
    """Agree to share the requested footage; then upload the clips."""
    with db.uow() as session:
        return service.decide(
            session,
            request_id,
            Event.approve,
            owner=owner,
            reason=body.reason if body else None,
            client_ip=_ip(request),
        )


@router.post(f"{_OWN}/requests/{{request_id}}/decline")
def decline(
    request_id: uuid.UUID, request: Request, db: DbDep, owner: Owner, body: Decision | None = None
) -> OwnerRequestRead:
    """Decline to share the footage (say why, if you like)."""
    with db.uow() as session:
        return service.decide(
            session,
            request_id,
            Event.decline,
            owner=owner,
            reason=body.reason if body else None,
            client_ip=_ip(request),
        )


@router.post(f"{_OWN}/requests/{{request_id}}/clips", status_code=201, openapi_extra=_UPLOAD_BODY)
async def owner_upload(
    request_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    owner: Owner,
    filename: FilenameQuery = None,
) -> ClipRead:
    """Upload a clip for an approved request to your camera."""
    await run_in_threadpool(_check_owner_upload, runtime.db, request_id, owner)
    return await _upload(request, runtime, request_id, owner, filename)
