"""``rtcc dispatch``: the catalogue (``call-types``, ``scheme``), the effective-dated priority rules (``rules list``,
``rules add``), units (``units list``, ``units add``), alarm permits (``permits ...``), alarm companies
(``alarm-companies ...``, in ``rtcc.dispatch.alarm_cli``) and the historic CAD import (``import-history``, in
``rtcc.dispatch.interop_cli``).

Each command builds the runtime from ``RTCC_*`` settings (``rtcc.commands.run_command``) and runs one unit of work;
changes are audited as ``cli:<os user>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.dispatch import calltypes, interop_cli, units
from rtcc.dispatch.alarm_cli import companies_app, permits_app
from rtcc.dispatch.schemas import RuleCreate
from rtcc.dispatch.unit_schemas import UnitCreate
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

dispatch = typer.Typer(no_args_is_help=True, help="Calls for service and dispatch: call types, priority rules, units.")
rules = typer.Typer(no_args_is_help=True, help="Effective-dated priority rules of call types.")
units_app = typer.Typer(no_args_is_help=True, help="Units of the fleet.")
dispatch.add_typer(rules, name="rules")
dispatch.add_typer(units_app, name="units")
dispatch.add_typer(permits_app, name="permits")
dispatch.add_typer(companies_app, name="alarm-companies")
dispatch.command("import-history")(interop_cli.import_history)


@dispatch.command("scheme")
def scheme_cmd() -> None:
    """Show the catalogue in use and its priority scheme."""

    def work(_rt: Runtime) -> str:
        s = calltypes.scheme_read()
        lines = [f"catalogue {s.catalogue}  scheme {s.scheme}"]
        lines += [f"  {p.rank}  {p.code:<10} {p.name:<28} target {p.target_s} s" for p in s.priorities]
        return "\n".join(lines)

    typer.echo(run_command(work, bus=False))


@dispatch.command("call-types")
def call_types_cmd() -> None:
    """List the call types: APCO code, the priority in force now, units, CSO / online report."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = calltypes.call_types(session)
        return "\n".join(
            f"{r.code:<20} {r.apco_code:<9} {r.priority_now:<10} x{r.units_needed} "
            f"{'CSO ' if r.cso_may_take else ''}{'online ' if r.online_report_ok else ''}{r.name}"
            for r in rows
        )

    typer.echo(run_command(work, bus=False))


@rules.command("list")
def rules_list(
    call_type: Annotated[str | None, typer.Option("--call-type", help="Only this call type.")] = None,
) -> None:
    """List priority rule versions, oldest first."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = calltypes.list_rules(session, call_type)
        if not rows:
            return "no priority rules: every call type has its catalogue priority"
        return "\n".join(
            f"#{r.id} {r.call_type:<20} v{r.version} {r.priority:<10} from {r.effective_from.isoformat()}  "
            f"by {r.created_by}: {r.reason}"
            for r in rows
        )

    typer.echo(run_command(work, bus=False))


@rules.command("add")
def rules_add(
    call_type: Annotated[str, typer.Option("--call-type", help="Call type code, e.g. ALARM_BURG_RES.")],
    priority: Annotated[str, typer.Option("--priority", help="A priority of the scheme, e.g. Priority.")],
    effective: Annotated[str, typer.Option("--effective", help="Effective from (ISO 8601 with a time zone).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (the decision that made it).")],
) -> None:
    """Add a priority rule version; calls already received keep their priority (audited)."""
    try:
        when = datetime.fromisoformat(effective)
    except ValueError:
        raise typer.BadParameter("not an ISO 8601 date-time", param_hint="--effective") from None
    if when.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2024-11-01T00:00:00-07:00", param_hint="--effective")

    def work(rt: Runtime) -> str:
        data = RuleCreate(call_type=call_type, priority=priority, effective_from=when, reason=reason)
        with rt.db.uow() as session:
            r = calltypes.add_rule(session, rt.bus, data, actor=cli_operator())
        return f"rule #{r.id}: {r.call_type} v{r.version} is {r.priority} from {r.effective_from.isoformat()}"

    typer.echo(run_command(work))


@units_app.command("list")
def units_list() -> None:
    """List units with their status and current call."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = units.list_units(session)
        if not rows:
            return "no units"
        return "\n".join(
            f"{u.call_sign:<8} {u.unit_type:<14} {u.home_area or '-':<6} {u.status:<14} {u.current_call_number or ''}"
            for u in rows
        )

    typer.echo(run_command(work, bus=False))


@units_app.command("add")
def units_add(
    call_sign: Annotated[str, typer.Argument(help="Call sign, e.g. 412A.")],
    unit_type: Annotated[str, typer.Option("--type", help="A unit type of the catalogue, e.g. deputy_car.")],
    home_area: Annotated[str | None, typer.Option("--home-area", help="Division or district code.")] = None,
) -> None:
    """Create a unit (audited)."""

    def work(rt: Runtime) -> str:
        data = UnitCreate(call_sign=call_sign, unit_type=unit_type, home_area=home_area)
        with rt.db.uow() as session:
            u = units.create(session, rt.bus, data, actor=cli_operator())
        return f"unit {u.call_sign} ({u.unit_type_name}) created"

    typer.echo(run_command(work))
