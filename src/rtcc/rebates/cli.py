"""``rtcc rebates``: the program budget, the council report (table, JSON or CSV) and the registration-commitment
check (``compliance``: rebated cameras withdrawn before the commitment ended, to flag for recapture; exit status 2
when there are any, so a scheduled job can alert on it).

Each command builds the runtime from ``RTCC_*`` settings (``rtcc.commands.run_command``) and runs one unit of work;
changes are audited as ``cli:<os user>``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.identity.logic import cli_operator
from rtcc.rebates import budget, reports
from rtcc.runtime import Runtime

rebates = typer.Typer(no_args_is_help=True, help="Camera rebate program.")

_actor = cli_operator  # the audit names the OS user who ran the command


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


@rebates.command("program")
def program_cmd(
    set_total: Annotated[
        int | None, typer.Option("--set-total", min=0, help="New budget total in cents (not below committed + paid).")
    ] = None,
) -> None:
    """Show the budget (total, committed, paid, available, waitlist), or set its total."""

    def work(rt: Runtime) -> str:
        if set_total is not None:
            with rt.db.uow() as session:
                p = budget.set_budget(session, rt.settings, set_total, actor=_actor())
        else:
            with rt.db.read() as session:
                p = budget.program(session, rt.settings)
        return (
            f"total {_money(p.total_cents)}  committed {_money(p.committed_cents)}  paid {_money(p.paid_cents)}  "
            f"available {_money(p.available_cents)}  waitlisted {p.waitlisted} ({_money(p.waitlisted_cents)})"
        )

    typer.echo(run_command(work, bus=False))


@rebates.command("report")
def report_cmd(
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC), inclusive.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or csv.")] = "text",
) -> None:
    """Council report: applications, approvals, denials, dollars committed/paid, cameras added by neighbourhood."""
    if fmt not in ("text", "json", "csv"):
        raise typer.BadParameter("choose text, json or csv", param_hint="--format")
    start, end = _day(from_), _day(to)

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rep = reports.report(session, start=start, end=end)
        if fmt == "json":
            return rep.model_dump_json(indent=2)
        if fmt == "csv":
            return reports.report_csv(rep).rstrip("\n")
        lines = [
            f"period {rep.period_from or '…'} to {rep.period_to or '…'}",
            f"applications {rep.applications}  approvals {rep.approvals}  denials {rep.denials}  "
            f"ineligible {rep.ineligible}  waitlisted now {rep.waitlisted_now}",
            f"committed {_money(rep.committed_cents)}  paid {_money(rep.paid_cents)}  "
            f"cameras added {rep.cameras_added}",
        ]
        lines += [
            f"  {r.neighborhood:<24} {r.cameras:>5} cameras  {_money(r.rebate_cents)}" for r in rep.by_neighborhood
        ]
        return "\n".join(lines)

    typer.echo(run_command(work, bus=False))


@rebates.command("compliance")
def compliance_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list on stdout.")] = False,
) -> None:
    """List approved/paid rebates whose camera left the registry before the commitment ended (exit 2 if any)."""

    def work(rt: Runtime) -> list[dict[str, object]]:
        with rt.db.read() as session:
            return [r.model_dump(mode="json") for r in reports.compliance(session, rt.settings)]

    rows = run_command(work, bus=False)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif not rows:
        typer.echo("all rebated cameras keep their registration commitment")
    else:
        for r in rows:
            withdrawn = r["withdrawn_at"] or "-"
            typer.echo(
                f"{r['application_id']}  {r['problem']:<17} camera {r['camera_id']}  withdrawn {withdrawn}  "
                f"commitment ends {r['commitment_ends']}  recapture {_money(int(str(r['rebate_cents'])))}"
            )
    if rows:
        raise typer.Exit(2)
