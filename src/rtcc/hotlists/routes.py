"""HTTP routes of the hotlist domain: lists, their entries, file imports and the skip list.

Reading needs ``hotlists:read``; every change needs ``hotlists:write``. An import takes either a multipart form
(``file`` plus an optional ``format`` field) or the raw file as the request body (``?format=`` and ``?filename=``);
a bad line answers 422 problem+json whose ``detail`` names ``file:line`` and the reason, and nothing changes
(``force=true`` accepts a CLEW file whose trailer count disagrees with its records). ``GET /{id}/tolerance`` says
what each OCR tolerance would cost on a list, so that a person chooses it knowingly.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rtcc.core.errors import ValidationFailed, field_error, invalid
from rtcc.core.pagination import Offset, RowId
from rtcc.deps import BusDep, DbDep, SettingsDep
from rtcc.hotlists import entries, guards, imports, lists, skiplist
from rtcc.hotlists.parsers import FORMATS
from rtcc.hotlists.schemas import (
    EntryCreate,
    EntryPage,
    EntryRead,
    HotlistCreate,
    HotlistPage,
    HotlistRead,
    HotlistUpdate,
    ImportFormat,
    ImportResult,
    SkipCreate,
    SkipRead,
    ToleranceReport,
)
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/hotlists", tags=["hotlists"])

Reader = Annotated[Principal, require(Perm.hotlists_read)]
Writer = Annotated[Principal, require(Perm.hotlists_write)]

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The hotlist file: CSV (documented columns), NCIC fixed width, or CA DOJ CLEW .tbl.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": list(FORMATS)},
                        "force": {"type": "boolean", "description": "As the force query parameter."},
                    },
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


# --- skip list (declared before /{hotlist_id} so that "skip" is never read as an id) ----------------------------------


@router.get("/skip")
def list_skip(db: DbDep, _p: Reader) -> list[SkipRead]:
    """The skip list: plate texts never matched."""
    with db.read() as session:
        return [SkipRead.model_validate(s) for s in skiplist.list_skip(session)]


@router.post("/skip", status_code=201)
def add_skip(body: SkipCreate, db: DbDep, bus: BusDep, actor: Writer) -> SkipRead:
    """Put a plate text on the skip list."""
    with db.uow() as session:
        return SkipRead.model_validate(skiplist.add_skip(session, bus, body, actor=actor))


@router.delete("/skip/{plate}", status_code=204)
def remove_skip(plate: str, db: DbDep, bus: BusDep, actor: Writer) -> Response:
    """Take a plate text off the skip list."""
    with db.uow() as session:
        skiplist.remove_skip(session, bus, plate, actor=actor)
    return Response(status_code=204)


# --- lists -----------------------------------------------------------------------------------------------------------


@router.get("")
def list_hotlists(
    db: DbDep,
    _p: Reader,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> HotlistPage:
    """Lists by priority and name; ``active`` filters on status."""
    with db.read() as session:
        return lists.hotlist_page(session, active=active, limit=limit, offset=offset)


@router.post("", status_code=201)
def create_hotlist(body: HotlistCreate, db: DbDep, bus: BusDep, settings: SettingsDep, actor: Writer) -> HotlistRead:
    """Create an empty list; a refresh file must lie inside the data directory (RTCC_DATA_DIR)."""
    with db.uow() as session:
        hotlist = lists.create_hotlist(session, bus, body, actor=actor, refresh_root=settings.data_dir)
        return HotlistRead.model_validate(hotlist)


@router.get("/{hotlist_id}")
def get_hotlist(hotlist_id: uuid.UUID, db: DbDep, _p: Reader) -> HotlistRead:
    """One list."""
    with db.read() as session:
        return HotlistRead.model_validate(lists.get_hotlist(session, hotlist_id))


@router.patch("/{hotlist_id}")
def update_hotlist(
    hotlist_id: uuid.UUID, body: HotlistUpdate, db: DbDep, bus: BusDep, settings: SettingsDep, actor: Writer
) -> HotlistRead:
    """Change a list's settings, or deactivate it (``{"active": false}``)."""
    with db.uow() as session:
        hotlist = lists.update_hotlist(session, bus, hotlist_id, body, actor=actor, refresh_root=settings.data_dir)
        return HotlistRead.model_validate(hotlist)


@router.get("/{hotlist_id}/tolerance")
def get_tolerance(hotlist_id: uuid.UUID, db: DbDep, _p: Reader) -> ToleranceReport:
    """What each OCR tolerance (k = 0, 1, 2) would cost on this list: estimated false alerts on ordinary reads."""
    with db.read() as session:
        return guards.tolerance_report(session, hotlist_id)


# --- entries ---------------------------------------------------------------------------------------------------------


@router.get("/{hotlist_id}/entries")
def list_entries(
    hotlist_id: uuid.UUID,
    db: DbDep,
    actor: Reader,
    plate: Annotated[str | None, Query(max_length=16, description="Plates starting with this.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    purpose: Annotated[
        str | None, Query(max_length=64, description="Purpose code the plates are shown for (e.g. audit_review).")
    ] = None,
    case_number: Annotated[
        str | None, Query(max_length=64, description="Case number, where the purpose needs one.")
    ] = None,
) -> EntryPage:
    """A page of a list's entries by plate, shown under a ``purpose``: one ``alpr.access`` record per page."""
    with db.uow() as session:
        return entries.list_entries(
            session,
            hotlist_id,
            actor=actor,
            purpose=purpose,
            case_number=case_number,
            plate=plate,
            limit=limit,
            offset=offset,
        )


@router.post("/{hotlist_id}/entries", status_code=201)
def add_entry(hotlist_id: uuid.UUID, body: EntryCreate, db: DbDep, bus: BusDep, actor: Writer) -> EntryRead:
    """Add one plate to a list."""
    with db.uow() as session:
        return entries.add_entry(session, bus, hotlist_id, body, actor=actor)


@router.delete("/{hotlist_id}/entries/{entry_id}", status_code=204)
def remove_entry(hotlist_id: uuid.UUID, entry_id: RowId, db: DbDep, bus: BusDep, actor: Writer) -> Response:
    """Remove one entry from a list."""
    with db.uow() as session:
        entries.remove_entry(session, bus, hotlist_id, entry_id, actor=actor)
    return Response(status_code=204)


# --- imports ---------------------------------------------------------------------------------------------------------


def _format(value: object) -> str | None:
    if value is None or value == "":
        return None
    if value not in FORMATS:
        raise invalid("format", f"must be one of {', '.join(FORMATS)}")
    return str(value)


def _flag(value: object) -> bool:
    if value is None or value in ("", "false", "0", "off"):
        return False
    if value in ("true", "1", "on"):
        return True
    raise invalid("force", "must be true or false")


async def _upload(request: Request, fmt: str | None, filename: str | None) -> tuple[bytes, str, str | None, bool]:
    """(file bytes, file name, format, force from the form) from a multipart form or a raw body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("the form has no 'file' part", errors=[field_error("file", "required")])
        data = await upload.read()
        name = upload.filename or filename or "upload"
        return data, name, _format(form.get("format")) or fmt, _flag(form.get("force"))
    data = await request.body()
    return data, filename or "upload", fmt, False


@router.post("/{hotlist_id}/import", openapi_extra=_IMPORT_BODY)
async def import_file(
    hotlist_id: uuid.UUID,
    request: Request,
    db: DbDep,
    bus: BusDep,
    actor: Writer,
    fmt: Annotated[ImportFormat | None, Query(alias="format", description="Default: detected.")] = None,
    filename: Annotated[
        str | None,
        Query(max_length=255, description="File name for a raw body: named in errors; a CLEW name picks the list."),
    ] = None,
    force: Annotated[
        bool, Query(description="Accept a CLEW file whose trailer count disagrees with its records (audited).")
    ] = False,
) -> ImportResult:
    """Replace the list's entries with a file's, atomically; a bad line aborts with file:line and the reason."""
    data, name, used, form_force = await _upload(request, fmt, filename)
    forced = force or form_force

    def work() -> ImportResult:
        with db.uow() as session:
            return imports.import_bytes(session, bus, hotlist_id, data, fmt=used, name=name, actor=actor, force=forced)

    return await run_in_threadpool(work)
