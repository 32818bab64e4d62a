"""``rtcc footage``: list and show footage requests, export an evidence package to a file, verify a request's
files and custody chain (tamper evidence), and expire unanswered requests.

Each command builds the runtime from ``RTCC_*`` settings and runs its units of work in a worker thread. Accesses are
logged in custody and audit as ``cli:<os user>``. ``verify`` exits 1 when any file or the custody chain fails.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.footage import clips, evidence, service
from rtcc.footage.logic import RequestState
from rtcc.footage.schemas import VerifyResult
from rtcc.footage.storage import FootageStore, store_for
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

footage = typer.Typer(no_args_is_help=True, help="Footage requests, uploads, custody log, evidence packages.")

_actor = cli_operator  # the audit names the OS user who ran the command


def _store(rt: Runtime) -> FootageStore:
    return store_for(rt.settings.footage_dir, rt.settings.data_dir)


@footage.command("list")
def list_requests(
    state: Annotated[RequestState | None, typer.Option(help="Only requests in this state (as of now).")] = None,
    case: Annotated[str | None, typer.Option(help="Only requests for this case number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 50,
) -> None:
    """List footage requests, newest first."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            page = service.request_page(session, state=state.value if state else None, case_number=case, limit=limit)
        return [
            f"{r.id}  {r.state:<10} {r.case_number or '-':<16} {r.camera_code:<16} "
            f"{r.window_start:%Y-%m-%d %H:%M}..{r.window_end:%H:%M}  clips={r.clip_count}  by {r.requested_by}"
            for r in page.items
        ] + [f"{page.total} request(s)"]

    for line in run_command(work):
        typer.echo(line)


@footage.command("show")
def show(request_id: uuid.UUID) -> None:
    """Show one request as JSON: its clips and its custody log."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            req = service.get_request(session, request_id)
            custody = clips.custody(session, request_id)
        data = req.model_dump(mode="json")
        data["custody"] = [e.model_dump(mode="json") for e in custody]
        return json.dumps(data, indent=2)

    typer.echo(run_command(work))


@footage.command("package")
def package(
    request_id: uuid.UUID,
    out: Annotated[Path | None, typer.Option(help="Zip file to write (default: ./evidence-<id>.zip).")] = None,
) -> None:
    """Export the evidence package (clips, manifest.json, custody_log.json) to a zip file; the export is logged."""
    target = out or Path(f"evidence-{request_id}.zip")

    def work(rt: Runtime) -> Path:
        built = evidence.build_package(rt.db, _store(rt), request_id, actor=_actor())
        shutil.move(str(built), str(target))
        return target

    path = run_command(work)
    typer.echo(f"wrote {path} ({path.stat().st_size} bytes)")


@footage.command("verify")
def verify(request_id: uuid.UUID) -> None:
    """Re-hash every clip of a request and walk its custody chain; report any mismatch (exit 1 on failure)."""

    def work(rt: Runtime) -> VerifyResult:
        return evidence.verify(rt.db, _store(rt), request_id, actor=_actor())

    result = run_command(work)
    for c in result.clips:
        status = "ok" if c.ok else f"MISMATCH: {c.problem}"
        typer.echo(f"clip {c.clip_id} {c.filename}: {status}")
        if not c.ok:
            typer.echo(f"  recorded sha256 {c.expected_sha256} size {c.expected_size}")
            typer.echo(f"  found    sha256 {c.actual_sha256} size {c.actual_size}")
    chain = "ok" if result.custody_ok else f"BROKEN: {result.custody_problem}"
    typer.echo(f"custody log: {chain} ({result.custody_checked} entries checked)")
    typer.echo("verified: all files match" if result.ok else "verification FAILED")
    if not result.ok:
        raise typer.Exit(1)


@footage.command("expire")
def expire() -> None:
    """Mark unanswered requests past their due time expired (and tell the requesters)."""

    def work(rt: Runtime) -> int:
        with rt.db.uow() as session:
            return service.expire_overdue(session, actor=_actor())

    typer.echo(f"{run_command(work)} request(s) expired")
