"""``rtcc dispatch permits`` (the alarm-permit registry: ``list``, ``show``, ``add``, ``set``) and ``rtcc dispatch
alarm-companies`` (``list``, ``add``, ``key``). Each command runs one unit of work; changes are audited as
``cli:<os user>``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.dispatch import alarms, permits
from rtcc.dispatch.alarm_schemas import AlarmCompanyCreate, AlarmKeyCreate, PermitCreate, PermitRead, PermitUpdate
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

permits_app = typer.Typer(no_args_is_help=True, help="The alarm-permit registry and false alarms per permit.")
companies_app = typer.Typer(no_args_is_help=True, help="Alarm companies (partners sending alarm events) and keys.")


def _line(p: PermitRead) -> str:
    state = "VERIFIED RESPONSE REQUIRED" if p.verified_response_required else "ok"
    expiry = f" expires {p.expires_on.isoformat()}" if p.expires_on else ""
    return (
        f"{p.number:<14} {p.status:<9}{' (expired)' if p.expired else ''} {p.company or '-':<12} "
        f"false alarms 12m {p.false_alarms_12m}/{p.false_alarm_limit} {state}  {p.premise_address}{expiry}"
    )


@permits_app.command("list")
def permits_list(
    q: Annotated[str | None, typer.Option("--q", help="Number, holder or address contains this.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active, suspended or revoked.")] = None,
) -> None:
    """List alarm permits with their false alarms in the last 12 months."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows, total = permits.search(session, q=q, status=status, limit=500)
        return "\n".join([_line(p) for p in rows] + [f"{total} permit(s)"])

    typer.echo(run_command(work, bus=False))


@permits_app.command("show")
def permits_show(number: Annotated[str, typer.Argument(help="The permit number.")]) -> None:
    """Show one permit: holder, company, status, false alarms and whether it requires a verified response."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            p = permits.get_by_number(session, number)
        return f"{_line(p)}\n  holder {p.holder}  premise {p.premise_id}\n  {p.notes or ''}".rstrip()

    typer.echo(run_command(work, bus=False))


@permits_app.command("add")
def permits_add(
    number: Annotated[str, typer.Argument(help="The permit number.")],
    premise: Annotated[str, typer.Option("--premise", help="The premise's id (rtcc: GET /api/v1/dispatch/premises).")],
    holder: Annotated[str, typer.Option("--holder", help="Who holds the permit.")],
    company: Annotated[str | None, typer.Option("--company", help="The monitoring company's code.")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="Expiry date, YYYY-MM-DD.")] = None,
) -> None:
    """Register an alarm permit of a premise (audited)."""
    try:
        premise_id = uuid.UUID(premise)
        expires_on = date.fromisoformat(expires) if expires else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def work(rt: Runtime) -> str:
        data = PermitCreate(number=number, premise_id=premise_id, holder=holder, company=company, expires_on=expires_on)
        with rt.db.uow() as session:
            return _line(permits.create(session, data, actor=cli_operator()))

    typer.echo(run_command(work, bus=False))


@permits_app.command("set")
def permits_set(
    number: Annotated[str, typer.Argument(help="The permit number.")],
    status: Annotated[str | None, typer.Option("--status", help="active, suspended or revoked.")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="Expiry date, YYYY-MM-DD.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="The monitoring company's code.")] = None,
) -> None:
    """Change a permit's status, expiry or company (audited)."""
    changes: dict[str, object] = {}
    if status is not None:
        changes["status"] = status
    if company is not None:
        changes["company"] = company
    if expires is not None:
        try:
            changes["expires_on"] = date.fromisoformat(expires)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--expires") from None

    def work(rt: Runtime) -> str:
        data = PermitUpdate.model_validate(changes)
        with rt.db.uow() as session:
            found = permits.get_by_number(session, number)
            return _line(permits.update(session, found.id, data, actor=cli_operator()))

    typer.echo(run_command(work, bus=False))


@companies_app.command("list")
def companies_list() -> None:
    """List registered alarm companies."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = alarms.list_companies(session)
        if not rows:
            return "no alarm companies"
        return "\n".join(f"{c.code:<16} {'active' if c.active else 'inactive':<9} {c.name}" for c in rows)

    typer.echo(run_command(work, bus=False))


@companies_app.command("add")
def companies_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. acme.")],
    name: Annotated[str, typer.Option("--name", help="The company's name.")],
    phone: Annotated[str | None, typer.Option("--phone", help="The central station's line.")] = None,
) -> None:
    """Register an alarm company (audited)."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            c = alarms.create_company(
                session, AlarmCompanyCreate(code=code, name=name, phone=phone), actor=cli_operator()
            )
        return f"alarm company {c.code} registered"

    typer.echo(run_command(work, bus=False))


@companies_app.command("key")
def companies_key(
    code: Annotated[str, typer.Argument(help="The company's code.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "central station",
) -> None:
    """Issue an API key for a company (it may only send that company's alarms); prints the secret once."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            key = alarms.issue_key(session, code, AlarmKeyCreate(name=name), actor=cli_operator())
        return f"key {key.prefix} for {code}: {key.secret}"

    typer.echo(run_command(work, bus=False))
