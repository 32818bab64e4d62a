"""HTTP routes of the dispatch interchange under ``/api/v1/dispatch``: a call as a NENA EIDO (``GET
/calls/{id}/eido``), an EIDO received (``POST /eido``), the EIDOs received (``GET /eido``), and a historic CAD export
uploaded by an administrator (``POST /history``). Included by ``rtcc.dispatch.routes``. Every route declares one
permission; the services scope and audit.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response, UploadFile

from rtcc.deps import BusDep, DbDep, SettingsDep
from rtcc.dispatch import history, interchange
from rtcc.dispatch.adapters.cad_history import LAYOUTS, CadFile
from rtcc.dispatch.interop_schemas import EidoReceipt, EidoRecordRead, HistoryReportRead
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"])

Reader = Annotated[Principal, require(Perm.calls_read)]
Taker = Annotated[Principal, require(Perm.calls_create)]
Admin = Annotated[Principal, require(Perm.units_admin)]
Dispatcher = Annotated[Principal, require(Perm.calls_dispatch)]

_EIDO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An EIDO 1.0 JSON document (NENA-STA-021.1b).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.get("/calls/{call_id}/eido")
def call_eido(call_id: uuid.UUID, db: DbDep, settings: SettingsDep, p: Reader) -> dict[str, Any]:
    """The call as a NENA EIDO 1.0, validated (the caller only with callers:read, audited); 503 without the schema."""
    with db.uow() as session:
        return interchange.export_call(session, settings, call_id, actor=p)


@router.post("/eido", openapi_extra=_EIDO_BODY)
async def receive_eido(
    request: Request,
    response: Response,
    db: DbDep,
    bus: BusDep,
    settings: SettingsDep,
    p: Taker,
    strict: Annotated[
        bool, Query(description="false: accept a readable EIDO that breaks the schema (the problems are returned).")
    ] = True,
) -> EidoReceipt:
    """Import an EIDO: create a call, or update the one made from the same incident; 422 naming the JSON path of a
    malformed one (which goes to the dead letters)."""
    body = await request.body()

    def work() -> EidoReceipt:
        return interchange.receive_committed(db, bus, settings, body, actor=p, strict=strict)

    receipt = await anyio.to_thread.run_sync(work)
    response.status_code = 201 if receipt.action == "created" else 200
    return receipt


@router.get("/eido")
def eido_records(
    db: DbDep,
    _p: Dispatcher,
    held: Annotated[bool | None, Query(description="true: only the held ones; false: only live calls.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EidoRecordRead]:
    """EIDOs received, latest first, with the live call each made or why it is held."""
    with db.read() as session:
        return interchange.list_records(session, held=held, limit=limit)


@router.post("/history")
def upload_history(
    file: UploadFile,
    db: DbDep,
    p: Admin,
    layout: Annotated[str | None, Query(description=f"One of {', '.join(LAYOUTS)} (default: from the header).")] = None,
    dry_run: Annotated[bool, Query(description="Check everything and store nothing.")] = False,
) -> HistoryReportRead:
    """Import a historic CAD export (one transaction; bad rows reported with file:line and skipped)."""
    name = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory(prefix="rtcc-history-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        cad = CadFile(path, layout=layout)
        with db.read() if dry_run else db.uow() as session:
            report = history.import_file(session, cad, actor=p, dry_run=dry_run)
    return HistoryReportRead(
        file=report.file,
        layout=report.layout,
        origin=report.origin,
        dry_run=report.dry_run,
        batch_id=report.batch_id,
        records=report.records,
        imported=report.imported,
        duplicates=report.duplicates,
        skipped=report.skipped,
        problem_count=report.problem_count,
        problems=report.problems[: history.KEPT_PROBLEMS],
    )
