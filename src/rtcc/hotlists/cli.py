"""``rtcc hotlists``: create lists, import files (CSV, NCIC fixed width, CA DOJ CLEW), choose a list's OCR tolerance
(seeing what each choice costs), run the scheduled refresh once, and manage the skip list from the command line.

Each command builds the runtime from ``RTCC_*`` settings, starts the bus (so that running matchers hear
``hotlists.changed`` on NATS), runs one unit of work in a worker thread, and stops. Changes are audited as
``cli:<os user>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.core.errors import DomainError, ImportFailed
from rtcc.hotlists import guards, imports, lists, skiplist
from rtcc.hotlists.logic import Category
from rtcc.hotlists.parsers import FORMATS
from rtcc.hotlists.schemas import HotlistCreate, HotlistUpdate, ImportResult, SkipCreate, ToleranceReport
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

hotlists = typer.Typer(no_args_is_help=True, help="Hotlists: lists of plates of interest, file imports, skip list.")
skip = typer.Typer(no_args_is_help=True, help="The skip list: plate texts that are never matched.")
hotlists.add_typer(skip, name="skip")

_MAX_ERRORS_SHOWN = 10


_actor = cli_operator  # the audit names the OS user who ran the command


def _import_failed(exc: DomainError) -> None:
    """An import refused: every line's error (the first ten), and that nothing changed."""
    if not isinstance(exc, ImportFailed):
        return
    typer.echo(f"import failed: {exc.detail}", err=True)
    for err in exc.errors[1:_MAX_ERRORS_SHOWN]:
        loc = err.get("loc", [])
        typer.echo(f"  line {loc[-1] if loc else '?'}: {err.get('msg', '')}", err=True)
    if len(exc.errors) > _MAX_ERRORS_SHOWN:
        typer.echo(f"  ... and {len(exc.errors) - _MAX_ERRORS_SHOWN} more", err=True)
    typer.echo("nothing was changed; the list in force stays in force", err=True)
    raise typer.Exit(1)


def _check_format(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}")
    return value


def _describe(result: ImportResult, name: str) -> str:
    return (
        f"imported {result.entries} entries into {name!r} from {result.source_name} ({result.format}) "
        f"in {result.duration_s:.2f} s: {result.added} added, {result.removed} removed, {result.unchanged} unchanged, "
        f"{result.merged} identical lines merged{' (forced)' if result.forced else ''}"
    )


_MAX_DIFF_HELP = (
    "Differing plate positions tolerated beyond OCR-class equality (k). 0 is right for state/NCIC/CLEW lists; "
    "1 (at most 1,000 entries) or 2 (at most 25) is for small BOLO lists. See 'rtcc hotlists tolerance'."
)
_ALLOW_LARGE_HELP = "Accept k >= 1 on a larger list or an NCIC/CLEW-fed one, and the false hits that raises."


@hotlists.command("create")
def create(
    name: str,
    category: Annotated[Category, typer.Option(help="What the list holds.")],
    source: Annotated[str, typer.Option(help="Where it comes from, e.g. 'CA DOJ CLEW'.")] = "local",
    priority: Annotated[int, typer.Option(min=1, max=5, help="1 is the most urgent.")] = 3,
    owner: Annotated[str | None, typer.Option(help="Responsible unit or person.")] = None,
    max_diff: Annotated[int, typer.Option(min=0, max=2, help=_MAX_DIFF_HELP)] = 0,
    allow_large_fuzzy: Annotated[bool, typer.Option(help=_ALLOW_LARGE_HELP)] = False,
    require_state: Annotated[bool, typer.Option(help="A hit needs the read's state to agree.")] = False,
    refresh_path: Annotated[Path | None, typer.Option(help="File the scheduled refresh re-imports.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", callback=_check_format, help="csv, ncic or clew (default: detect).")
    ] = None,
) -> None:
    """Create an empty list; print its id."""

    def work(rt: Runtime) -> str:
        data = HotlistCreate(
            name=name,
            source=source,
            category=category,
            priority=priority,
            owner=owner,
            max_diff=max_diff,
            allow_large_fuzzy=allow_large_fuzzy,
            require_state=require_state,
            refresh_path=str(refresh_path.resolve()) if refresh_path else None,
            refresh_format=fmt,  # checked by _check_format; pydantic validates it again
        )
        with rt.db.uow() as session:
            return str(lists.create_hotlist(session, rt.bus, data, actor=_actor()).id)

    typer.echo(run_command(work))


@hotlists.command("import")
def import_(
    hotlist: Annotated[str, typer.Argument(metavar="LIST", help="Name or id of the list.")],
    file: Annotated[Path, typer.Argument(help="The file to import.")],
    fmt: Annotated[
        str | None, typer.Option("--format", callback=_check_format, help="csv, ncic or clew (default: detect).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a CLEW file whose trailer count disagrees with its records.")
    ] = False,
) -> None:
    """Replace a list's entries with a file's, atomically; a bad line aborts with file:line and exit status 1."""

    def work(rt: Runtime) -> tuple[ImportResult, str]:
        with rt.db.read() as session:
            target = lists.find_hotlist(session, hotlist)
            target_id, target_name = target.id, target.name
        with rt.db.uow() as session:
            result = imports.import_file(session, rt.bus, target_id, file, fmt, actor=_actor(), force=force)
            return result, target_name

    result, name = run_command(work, on_domain_error=_import_failed)
    typer.echo(_describe(result, name))


@hotlists.command("list")
def list_(all_: Annotated[bool, typer.Option("--all", help="Include inactive lists.")] = False) -> None:
    """Print the lists: name, category, priority, entries, k, last import."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            rows = lists.list_hotlists(session, active=None if all_ else True)
            return [
                f"{h.name:<32} {h.category:<20} p{h.priority} {h.entry_count:>9} entries  k={h.max_diff}"
                f"{' state' if h.require_state else ''}  "
                f"{'active' if h.active else 'inactive'}  "
                f"last import {h.last_imported_at.isoformat(timespec='seconds') if h.last_imported_at else 'never'}"
                f"  {h.id}"
                for h in rows
            ]

    for line in run_command(work):
        typer.echo(line)


def _describe_tolerance(report: ToleranceReport, name: str) -> list[str]:
    allowed = " (fuzzy matching on a large list allowed)" if report.allow_large_fuzzy else ""
    lines = [f"{name!r}: {report.entries:,} entries, tolerance k={report.max_diff}{allowed}"]
    for o in report.options:
        rate, per_10k = o.estimated_false_hit_rate * 100, o.estimated_false_hits_per_10k_reads
        cost = f"{rate:.3f} % of ordinary reads ({per_10k} in 10,000)"
        guard = f"; needs --allow-large-fuzzy: {o.needs_confirmation}" if o.needs_confirmation else ""
        lines.append(f"  k={o.max_diff}: expected false alerts {cost}{guard}")
    lines.append(f"  ({report.method})")
    return lines


@hotlists.command("tolerance")
def tolerance_(
    hotlist: Annotated[str, typer.Argument(metavar="LIST", help="Name or id of the list.")],
    max_diff: Annotated[int | None, typer.Option(min=0, max=2, help=_MAX_DIFF_HELP)] = None,
    allow_large_fuzzy: Annotated[bool, typer.Option(help=_ALLOW_LARGE_HELP)] = False,
) -> None:
    """Show what each OCR tolerance would cost on a list (estimated false alerts); with --max-diff, set it."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.uow() as session:
            target = lists.find_hotlist(session, hotlist)
            if max_diff is not None:
                change = HotlistUpdate(max_diff=max_diff, allow_large_fuzzy=allow_large_fuzzy if max_diff else None)
                lists.update_hotlist(session, rt.bus, target.id, change, actor=_actor())
            return _describe_tolerance(guards.tolerance_report(session, target.id), target.name)

    for line in run_command(work):
        typer.echo(line)


@hotlists.command("deactivate")
def deactivate(hotlist: Annotated[str, typer.Argument(metavar="LIST", help="Name or id of the list.")]) -> None:
    """Take a list out of matching (its entries are kept)."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            target = lists.find_hotlist(session, hotlist)
            return lists.deactivate_hotlist(session, rt.bus, target.id, actor=_actor()).name

    typer.echo(f"deactivated {run_command(work)!r}")


@hotlists.command("refresh")
def refresh() -> None:
    """Run the scheduled refresh once: re-import every list whose refresh file changed; exit 1 if one failed."""

    def work(rt: Runtime) -> tuple[list[str], int]:
        outcome = imports.refresh_due(rt.db, rt.bus, actor=_actor())
        with rt.db.read() as session:
            names = {h.id: h.name for h in lists.list_hotlists(session)}
        lines = [_describe(r, names.get(r.hotlist_id, str(r.hotlist_id))) for r in outcome.imported]
        lines += [f"unchanged: {names.get(i, str(i))!r}" for i in outcome.unchanged]
        lines += [f"FAILED: {names.get(i, str(i))!r}: {msg}" for i, msg in outcome.failed.items()]
        return lines, len(outcome.failed)

    lines, failures = run_command(work)
    for line in lines or ["no list has a refresh file"]:
        typer.echo(line)
    if failures:
        raise typer.Exit(1)


@skip.command("add")
def skip_add(
    plate: str, reason: Annotated[str, typer.Option(help="Why reads of this text are junk.")] = "junk read"
) -> None:
    """Put a plate text on the skip list."""

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            return skiplist.add_skip(session, rt.bus, SkipCreate(plate=plate, reason=reason), actor=_actor()).plate_norm

    typer.echo(f"skipping {run_command(work)}")


@skip.command("remove")
def skip_remove(plate: str) -> None:
    """Take a plate text off the skip list."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as session:
            skiplist.remove_skip(session, rt.bus, plate, actor=_actor())

    run_command(work)
    typer.echo("removed")


@skip.command("list")
def skip_list() -> None:
    """Print the skip list."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            return [f"{s.plate_norm:<12} {s.reason}  ({s.added_by})" for s in skiplist.list_skip(session)]

    for line in run_command(work):
        typer.echo(line)
