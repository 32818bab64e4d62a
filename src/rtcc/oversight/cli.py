"""``rtcc oversight``: bring the KPI interval table up to date (the backfill), print a KPI table or a rule change's
before/after, import a contract version from a YAML/JSON file, and generate a month's council report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from rtcc.commands import command_errors, run_command
from rtcc.identity.logic import cli_operator
from rtcc.oversight import changes, contracts, intervals, kpis, reports
from rtcc.runtime import Runtime

oversight = typer.Typer(help="Response-time KPIs, the contract and the council report.", no_args_is_help=True)
contract_app = typer.Typer(help="The City-Sheriff contract as data.", no_args_is_help=True)
oversight.add_typer(contract_app, name="contract")


def _m(v: float | None) -> str:
    return "     -" if v is None else f"{v / 60:6.1f}"


@oversight.command("refresh")
def refresh_cmd() -> None:
    """Add every stored call not yet in the KPI interval table (live calls once closed, imported history)."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            r = intervals.refresh(session)
            total = intervals.stored(session)
        return f"added {r.history} history and {r.live} live calls; {total} calls in the KPI table"

    typer.echo(run_command(work, bus=False))


@oversight.command("kpis")
def kpis_cmd(
    interval: Annotated[
        str, typer.Option(help="processing, queue, turnout, travel, response or on_scene")
    ] = "response",
    group_by: Annotated[
        str, typer.Option(help="priority, call_type, shift, district, unit_type, month or division")
    ] = "priority",
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (city time).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (inclusive).")] = None,
) -> None:
    """Print a KPI table (minutes: median [95% CI], p90, mean; n; data-quality score)."""
    try:
        q = kpis.KpiQuery(
            interval=interval,
            group_by=group_by,
            since=date.fromisoformat(since) if since else None,
            until=date.fromisoformat(until) if until else None,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since/--until") from None

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            table = kpis.compute(session, q)
        lines = [f"{interval} by {group_by}, minutes     median [95% CI]      p90   mean       n  quality"]
        for r in [*table.rows, table.total]:
            lines.append(
                f"{r.key[:24]:<24} {_m(r.median.value)} [{_m(r.median.low)} {_m(r.median.high)}] "
                f"{_m(r.p90.value)} {_m(r.mean.value)} {r.n:>7}  {r.quality.score:.1%}"
            )
        lines.append(f"computed in {table.computed_ms} ms")
        return "\n".join(lines)

    typer.echo(run_command(work, bus=False))


@oversight.command("rule-change")
def rule_change_cmd(
    rule_id: Annotated[int, typer.Argument(help="The priority rule's id (rtcc dispatch rules list).")],
    window_days: Annotated[int, typer.Option(help="Days either side of the effective date.")] = 120,
) -> None:
    """Print the before/after of a priority rule change (response times of the calls it affected)."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            c = changes.rule_change(session, rule_id, window_days=window_days)
        d = c.median_diff
        return "\n".join(
            [f"rule #{c.rule_id}: {c.call_type} {c.previous_priority} -> {c.priority} from {c.effective_from}"]
            + [
                f"  {name:<6} {s.calls:>6} calls, median {_m(s.median.value)} min, mean {_m(s.mean.value)} min"
                for name, s in (("before", c.before), ("after", c.after))
            ]
            + [f"  median difference {_m(d.value)} min [{_m(d.low)}, {_m(d.high)}]; ratio {c.median_ratio.value}"]
        )

    typer.echo(run_command(work, bus=False))


@contract_app.command("import")
def contract_import(path: Annotated[Path, typer.Argument(help="A YAML or JSON contract file.")]) -> None:
    """Validate a contract file and store it as a new version."""
    with command_errors():
        terms = contracts.parse_file(path)

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            c = contracts.add(session, terms, actor=cli_operator(), source=path.name)
        return f"contract #{c.id} '{c.name}' in force from {c.effective_from}" + (" (DEMO)" if c.demo else "")

    typer.echo(run_command(work, bus=False))


@contract_app.command("list")
def contract_list() -> None:
    """List contract versions, newest first."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = contracts.versions(session)
        if not rows:
            return "no contract on file"
        return "\n".join(f"#{c.id} from {c.effective_from}: {c.name}" + (" (DEMO)" if c.demo else "") for c in rows)

    typer.echo(run_command(work, bus=False))


@oversight.command("report")
def report_cmd(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    out: Annotated[Path | None, typer.Option(help="Also write the HTML, PDF and CSV into this folder.")] = None,
) -> None:
    """Generate and file a month's council report."""

    def work(rt: Runtime) -> str:
        actor = cli_operator()
        with rt.db.uow() as session:
            r = reports.generate(session, month, actor=actor)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                for form in ("html", "pdf", "csv"):
                    data = reports.download(session, month, form, actor=actor)
                    (out / f"council-report-{month}.{form}").write_bytes(data)
        return f"council report {r.month} filed ({r.figures['calls']} calls)" + (f" in {out}" if out else "")

    typer.echo(run_command(work, bus=False))
