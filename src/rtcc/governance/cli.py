"""``rtcc governance``: purpose codes, the agencies we share with, the misuse scan and queue, and the transparency
report from the command line.

Each command builds the runtime from ``RTCC_*`` settings (``rtcc.commands.run_command``), runs one unit of work
and stops; changes are audited
as ``cli:<os user>``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.governance import misuse, service, sharing, transparency
from rtcc.governance.logic import DATA_CLASSES
from rtcc.governance.schemas import AgencyCreate, AgencyUpdate
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

governance = typer.Typer(no_args_is_help=True, help="Purpose codes, sharing policy, misuse flags, transparency.")
purposes_app = typer.Typer(no_args_is_help=True, help="The purpose codes every ALPR search must name.")
agencies_app = typer.Typer(no_args_is_help=True, help="Agencies we share with, and what each may receive.")
misuse_app = typer.Typer(no_args_is_help=True, help="Misuse flags computed from the audit log.")
governance.add_typer(purposes_app, name="purposes")
governance.add_typer(agencies_app, name="agencies")
governance.add_typer(misuse_app, name="misuse")

_actor = cli_operator  # the audit names the OS user who ran the command


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@purposes_app.command("list")
def purposes_list() -> None:
    """Print the purpose codes in force (code, case required, allowed, label)."""

    def work(rt: Runtime) -> None:
        with rt.db.read() as session:
            for p in service.purposes(session):
                case = "case" if p.requires_case else "-"
                allowed = "allowed" if p.allowed else "FORBIDDEN"
                typer.echo(f"{p.code:<28} {case:<5} {allowed:<10} {p.label}")

    run_command(work, bus=False)


@agencies_app.command("list")
def agencies_list() -> None:
    """Print the agencies on the sharing list."""

    def work(rt: Runtime) -> None:
        with rt.db.read() as session:
            for a in sharing.list_agencies(session):
                state = "active" if a.active else "suspended"
                typer.echo(
                    f"{a.code:<12} {state:<9} {a.name} | classes: {', '.join(a.data_classes) or '-'} "
                    f"| purposes: {', '.join(a.purposes) or '-'}"
                )

    run_command(work, bus=False)


@agencies_app.command("add")
def agencies_add(
    code: Annotated[str, typer.Argument(help="Agency code (its API key names it).")],
    name: Annotated[str, typer.Option(help="Agency name.")],
    classes: Annotated[str, typer.Option(help=f"Comma-separated data classes: {', '.join(DATA_CLASSES)}.")] = "",
    purposes: Annotated[str, typer.Option(help="Comma-separated purpose codes it may request data for.")] = "",
    contact: Annotated[str | None, typer.Option(help="Contact person or address.")] = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="List it suspended.")] = False,
) -> None:
    """Put an agency on the sharing list."""
    try:
        data = AgencyCreate(
            code=code,
            name=name,
            data_classes=_split(classes) or [],
            purposes=_split(purposes) or [],
            contact=contact,
            active=not inactive,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def work(rt: Runtime) -> None:
        with rt.db.uow() as session:
            a = sharing.create_agency(session, data, actor=_actor())
        typer.echo(f"agency {a.code} listed ({'active' if a.active else 'suspended'})")

    run_command(work, bus=False)


@agencies_app.command("set")
def agencies_set(
    code: Annotated[str, typer.Argument(help="Agency code.")],
    classes: Annotated[str | None, typer.Option(help="Comma-separated data classes (replaces).")] = None,
    purposes: Annotated[str | None, typer.Option(help="Comma-separated purpose codes (replaces).")] = None,
    active: Annotated[bool | None, typer.Option("--active/--suspend", help="Resume or suspend sharing.")] = None,
) -> None:
    """Change what an agency may receive, or suspend it."""
    try:
        data = AgencyUpdate.model_validate(
            {
                k: v
                for k, v in {"data_classes": _split(classes), "purposes": _split(purposes), "active": active}.items()
                if v is not None
            }
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def work(rt: Runtime) -> None:
        with rt.db.uow() as session:
            a = sharing.update_agency(session, code, data, actor=_actor())
        typer.echo(f"agency {a.code} updated ({'active' if a.active else 'suspended'})")

    run_command(work, bus=False)


@misuse_app.command("scan")
def misuse_scan() -> None:
    """Run the misuse detectors over the recent audit log and write flags into the auditor queue."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as session:
            result = misuse.scan(session, settings=rt.settings, actor=_actor())
        typer.echo(
            f"examined {result.entries_examined} audit entries: {result.flags_raised} flags "
            f"({result.flags_created} new, {result.flags_updated} updated) {json.dumps(result.by_detector)}"
        )

    run_command(work, bus=False)


@misuse_app.command("list")
def misuse_list(
    status: Annotated[str | None, typer.Option(help="open or resolved.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=500, help="Most flags shown.")] = 50,
) -> None:
    """Print the auditor queue, newest first."""

    def work(rt: Runtime) -> None:
        with rt.db.read() as session:
            page = misuse.list_flags(session, status=status, limit=limit)
        for f in page.items:
            typer.echo(f"{f.id} {f.severity:<6} {f.detector:<18} {f.window_start:%Y-%m-%d} {f.summary}")
        typer.echo(f"{page.total} flags")

    run_command(work, bus=False)


@governance.command("transparency")
def transparency_json() -> None:
    """Print the public transparency report as JSON."""

    def work(rt: Runtime) -> None:
        with rt.db.read() as session:
            data = transparency.report(session, settings=rt.settings)
        typer.echo(data.model_dump_json(indent=2, exclude={"policy_text"}))

    run_command(work, bus=False)
