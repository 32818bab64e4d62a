"""``rtcc audit``: verify the hash chain and show recent entries."""

from __future__ import annotations

import typer

from rtcc.audit import service
from rtcc.audit.service import Verification
from rtcc.commands import run_command
from rtcc.runtime import Runtime

audit = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


@audit.command("verify")
def verify() -> None:
    """Recompute the chain; exit 1 and name the first edited, inserted or deleted entry if it is broken."""

    def work(rt: Runtime) -> Verification:
        with rt.db.uow() as session:
            result = service.verify(session)
            service.record(
                session,
                actor="cli",
                actor_role="system",
                action="audit.verify",
                details={
                    "ok": result.ok,
                    "checked": result.checked,
                    "first_bad_seq": result.first_bad_seq,
                    "problem": result.problem,
                },
            )
        return result

    result = run_command(work, bus=False)
    if result.ok:
        typer.echo(f"audit chain OK: {result.checked} entries verified")
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.first_bad_seq}: {result.problem} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(1)


@audit.command("tail")
def tail(limit: int = 20) -> None:
    """Print the newest entries."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            return [
                f"{e.seq:>8} {e.at.isoformat()} {e.actor:<20} {e.action:<24} {e.target_type or ''} {e.target_id or ''}"
                for e in reversed(service.search(session, limit=limit))
            ]

    for line in run_command(work, bus=False):
        typer.echo(line)
