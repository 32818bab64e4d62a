"""``rtcc dispatch import-history FILE``: a city's past calls from a CAD export into the imported history
(``rtcc.dispatch.history``), with a progress bar; registered on the ``rtcc dispatch`` group by ``rtcc.dispatch.cli``.

The file is one transaction (all or nothing); bad rows are printed as ``file:line: column: message`` and skipped.
Exit status: 0 when every record was stored or was a duplicate, 1 when rows were skipped or the file was refused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from rtcc.commands import run_command
from rtcc.dispatch import history
from rtcc.dispatch.adapters.cad_history import LAYOUTS, CadFile
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

#: Problems printed in full (the rest are counted; the batch keeps the first ``history.KEPT_PROBLEMS``).
SHOWN_PROBLEMS = 50


def _lines(path: Path) -> int:
    """About how many records the file holds (its lines less the header), for the progress bar."""
    n = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return max(n - 1, 0)


def import_history(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CAD export (CSV).")],
    layout: Annotated[
        str | None, typer.Option("--layout", help=f"Layout: {', '.join(LAYOUTS)} (default: from the header).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", exists=True, dir_okay=False, help="Column mapping (JSON or YAML) for another layout."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read, map and check everything; store nothing.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Import historic calls from a CAD export (one transaction; bad rows reported with file:line and skipped)."""

    def work(rt: Runtime) -> history.HistoryReport:
        cad = CadFile(file, layout=layout, mapping=mapping)
        bar = tqdm(total=_lines(file), unit="calls", desc=file.name, disable=not progress)
        try:
            with rt.db.read() if dry_run else rt.db.uow() as session:
                return history.import_file(session, cad, actor=cli_operator(), dry_run=dry_run, on_progress=bar.update)
        finally:
            bar.close()

    started = time.perf_counter()
    report = run_command(work, bus=False)
    elapsed = time.perf_counter() - started
    for line in report.problems[:SHOWN_PROBLEMS]:
        typer.echo(line, err=True)
    if report.problem_count > SHOWN_PROBLEMS:
        typer.echo(f"... and {report.problem_count - SHOWN_PROBLEMS} more problems", err=True)
    typer.echo(f"{report.summary()} in {elapsed:.1f} s" + (" (dry run: nothing stored)" if dry_run else ""))
    if report.skipped:
        raise typer.Exit(1)
