"""``rtcc reads``, ``rtcc deadletters`` and ``rtcc cameras``: import read files, list and replay dead letters, list
cameras.

``rtcc reads import FILE`` stores a CSV or JSONL file in batches (one transaction each) with a progress bar; a bad
line becomes a dead letter (``file:line: reason``) and the import carries on: this is sensor data, where one garbled
line must not cost the rest. Commands that store reads start the configured bus so that ``alpr.reads.stored``
reaches the matchers (on NATS; the in-process bus of a CLI process has no subscribers).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from rtcc.alpr import cameras as camera_service
from rtcc.alpr import deadletters as dead_letter_service
from rtcc.alpr import principals, replay, store
from rtcc.alpr.adapters.files import FORMATS, FileReader, guess_format
from rtcc.alpr.logic import DocumentError, NormalizedRead, Rejection
from rtcc.alpr.schemas import DeadLetterPage
from rtcc.commands import run_command
from rtcc.identity.logic import Perm, Principal
from rtcc.runtime import Runtime

reads = typer.Typer(no_args_is_help=True, help="ALPR reads: import CSV/JSONL files.")
deadletters = typer.Typer(no_args_is_help=True, help="Inputs that could not be accepted: list and replay them.")
cameras = typer.Typer(no_args_is_help=True, help="ALPR cameras and their health.")

#: Who CLI commands act as in the audit log.
CLI_ACTOR = Principal(kind="user", id="cli", name="cli", role="system", permissions=frozenset(Perm))


@reads.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSONL file.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file name).")] = None,
    camera: Annotated[str | None, typer.Option(help="Camera code for records that name none.")] = None,
    batch: Annotated[int, typer.Option(min=1, max=50_000, help="Records per transaction.")] = 5000,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Import reads from a CSV or JSONL file; bad lines are dead-lettered and the import carries on."""
    try:
        file_format = (fmt or guess_format(file)).lower()
        if file_format not in FORMATS:
            raise DocumentError(f"unknown format {file_format!r} (csv or jsonl)")
    except DocumentError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc

    def work(runtime: Runtime) -> tuple[dict[str, int], list[str], list[str]]:
        principal = principals.ingest_principal("cli")
        totals = {"records": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "dead_lettered": 0}
        messages: list[str] = []
        bar = tqdm(total=file.stat().st_size, unit="B", unit_scale=True, desc=file.name, disable=not progress)
        reader = FileReader(file, file_format, default_camera=camera, on_progress=bar.update)
        pending: list[NormalizedRead] = []
        problems: list[Rejection] = []

        def flush() -> None:
            if not pending and not problems:
                return
            with dead_letter_service.dead_letter_sink(runtime.db) as sink, runtime.db.uow() as session:
                result = store.ingest(
                    session,
                    runtime.bus,
                    pending,
                    source="file",
                    principal=principal,
                    settings=runtime.settings,
                    dead_letters=sink,
                    problems=problems,
                )
            totals["accepted"] += result.accepted
            totals["duplicates"] += result.duplicates
            totals["rejected"] += len({r.index for r in result.rejected})
            totals["dead_lettered"] += result.dead_lettered
            messages.extend(f"{file.name}:{r.index}: {r.field}: {r.reason}" for r in result.rejected)
            pending.clear()
            problems.clear()

        try:
            for record in reader:
                totals["records"] += 1
                if isinstance(record, list):
                    problems.extend(record)
                else:
                    pending.append(record)
                if len(pending) + len(problems) >= batch:
                    flush()
            flush()
        finally:
            bar.close()
        return totals, messages, reader.ignored_columns

    started = time.perf_counter()
    try:
        totals, messages, ignored = run_command(work)
    except DocumentError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    elapsed = time.perf_counter() - started
    for line in messages[:50]:
        typer.echo(line, err=True)
    if len(messages) > 50:
        typer.echo(f"... and {len(messages) - 50} more (see rtcc deadletters list --source file)", err=True)
    if ignored:
        typer.echo(f"ignored unknown column(s): {', '.join(ignored)}", err=True)
    rate = totals["records"] / elapsed if elapsed > 0 else 0.0
    typer.echo(
        f"{file.name}: {totals['records']} records: {totals['accepted']} stored, {totals['duplicates']} duplicates, "
        f"{totals['rejected']} rejected ({totals['dead_lettered']} dead-lettered) in {elapsed:.1f} s ({rate:,.0f}/s)"
    )


@deadletters.command("list")
def list_dead_letters(
    source: Annotated[str | None, typer.Option(help="rest, openalpr, mqtt, frigate or file.")] = None,
    status: Annotated[str | None, typer.Option(help="pending, replayed or discarded.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest N.")] = 50,
) -> None:
    """List dead letters, newest first (the listing is audited)."""

    def work(rt: Runtime) -> DeadLetterPage:
        with rt.db.uow() as session:
            return dead_letter_service.list_dead_letters(
                session, actor=CLI_ACTOR, source=source, status=status, limit=limit
            )

    page = run_command(work, bus=False)
    for d in page.items:
        reason = d.reason if len(d.reason) <= 100 else d.reason[:97] + "..."
        typer.echo(f"{d.id:>7} {d.received_at:%Y-%m-%d %H:%M:%S} {d.source:<9} {d.status:<9} x{d.attempts:<3} {reason}")
    typer.echo(f"{len(page.items)} of {page.total} dead letter(s)")


@deadletters.command("replay")
def replay_dead_letters(
    dead_letter_id: Annotated[int | None, typer.Argument(help="Id of the dead letter to replay.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every pending dead letter.")] = False,
    source: Annotated[str | None, typer.Option(help="With --all: only this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="With --all: at most this many, in transactions of 100.")] = 10_000,
) -> None:
    """Parse dead letters again through their source's adapter and store them; exit 1 if any still fails."""
    if (dead_letter_id is None) == (not replay_all):
        typer.echo("give a dead letter ID or --all", err=True)
        raise typer.Exit(2)

    def work(runtime: Runtime) -> tuple[int, int, list[str]]:
        replayed = failed = 0
        lines: list[str] = []
        if dead_letter_id is not None:
            with runtime.db.uow() as session:
                outcome = replay.replay(
                    session, runtime.bus, dead_letter_id, actor=CLI_ACTOR, settings=runtime.settings
                )
            outcomes = [outcome]
        else:
            outcomes = []
            after = 0
            while len(outcomes) < limit:
                with runtime.db.uow() as session:  # one transaction per 100 letters
                    summary = replay.replay_pending(
                        session,
                        runtime.bus,
                        source=source,
                        limit=min(100, limit - len(outcomes)),
                        actor=CLI_ACTOR,
                        settings=runtime.settings,
                        after_id=after,
                    )
                if not summary.items:
                    break
                outcomes.extend(summary.items)
                after = summary.items[-1].id
        for o in outcomes:
            if o.status == "replayed":
                replayed += 1
                lines.append(f"{o.id:>7} replayed")
            else:
                failed += 1
                lines.append(f"{o.id:>7} still failing (attempt {o.attempts}): {o.reason}")
        return replayed, failed, lines

    replayed, failed, lines = run_command(work)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{replayed} replayed, {failed} still failing")
    if failed:
        raise typer.Exit(1)


@cameras.command("list")
def list_cameras() -> None:
    """List cameras with status, last read and last heartbeat."""

    def work(rt: Runtime) -> list[str]:
        lines = []
        with rt.db.read() as session:
            for c in camera_service.list_cameras(session):
                last_read = f"{c.last_read_at:%Y-%m-%d %H:%M:%S}" if c.last_read_at else "-"
                last_beat = f"{c.last_heartbeat_at:%Y-%m-%d %H:%M:%S}" if c.last_heartbeat_at else "-"
                lines.append(
                    f"{c.code:<28} {c.status:<8} {c.kind:<12} read {last_read:<19} beat {last_beat:<19} {c.name}"
                )
        return lines

    lines = run_command(work, bus=False)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} camera(s)")
