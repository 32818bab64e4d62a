"""The ``rtcc`` command. The root defines serve, demo, worker, db and bench; each domain's sub-command groups come
from its manifest (``rtcc.domains``)."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Annotated

import typer

from rtcc.settings import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="OpenRTCC: an open-source Real-Time Crime Center.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
app.add_typer(db_app, name="db")

#: Benchmarks: ``rtcc bench <name>`` calls ``rtcc.bench.<name>.run(rows=..., database_url=...)``.
BENCHMARKS = (
    "match",
    "ingest",
    "live",
    "search",
    "retention",
    "canvass",
    "notify",
    "places",
    "routing",
    "dispatch",
    "drones",
    "analytics",
    "audit",
    "patrol",
    "simulate",
    "kpi",
    "bodylimit",
)


_registered: list[str] = []


def _check_city_profile(ref: str) -> None:
    """Stop with the file and field of the first problem when the city profile cannot be used."""
    from rtcc.commands import command_errors
    from rtcc.places import service as places

    with command_errors():
        places.activate(ref)


def _register_domains() -> None:
    if _registered:
        return
    _registered.append("done")
    from rtcc.core.manifest import load
    from rtcc.domains import manifests

    for manifest in manifests():
        for group in manifest.cli:
            app.add_typer(load(group.app), name=group.name)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head) on RTCC_DATABASE_URL."""
    from rtcc.core.migrate import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from rtcc.core.migrate import current

    typer.echo(current(get_settings().database_url) or "(not migrated)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default RTCC_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RTCC_PORT).")] = None,
    migrate: Annotated[bool, typer.Option(help="Run 'db upgrade' first.")] = True,
) -> None:
    """Run the HTTP API (and, in the embedded profile, the in-process consumers)."""
    import uvicorn

    from rtcc.app import create_app
    from rtcc.core.migrate import upgrade

    settings = get_settings()
    _check_city_profile(settings.city_profile)
    if migrate:
        upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        timeout_graceful_shutdown=5,  # open SSE streams must not keep the server from stopping
    )


@app.command()
def demo(
    speedup: Annotated[
        float | None, typer.Option(help="Compress simulated time (default RTCC_DEMO_SPEEDUP, 1 = real time).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RTCC_PORT).")] = None,
    production_mode: Annotated[
        bool,
        typer.Option(
            "--production-mode",
            help="Staff sign in with a second factor, as in production (each enrols a TOTP app or a security key at "
            "first sign-in); the same as RTCC_MFA_REQUIRED=true.",
        ),
    ] = False,
) -> None:
    """Start the simulated Cerritos demo: server, 19 ALPR cameras, hotlists, live hits within a minute."""
    from rtcc.demo.runner import run_demo

    settings = get_settings()
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    if production_mode:  # set explicitly, so the demo keeps it on (``rtcc.demo.runner.demo_security``)
        settings = settings.model_copy(update={"mfa_required": True})
    run_demo(settings, speedup=speedup if speedup is not None else settings.demo_speedup)


@app.command()
def worker(
    role: Annotated[str, typer.Argument(help="A role: ingest, match, notify, index, outbox or jobs.")],
) -> None:
    """Run one worker role (production profile: several per role share the work over NATS)."""
    import asyncio

    from rtcc.core.logging import configure_logging
    from rtcc.workers.run import run_worker

    settings = get_settings()
    configure_logging(settings.log_level)
    _check_city_profile(settings.city_profile)
    try:
        asyncio.run(run_worker(role, settings))
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(BENCHMARKS)}.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object of named figures.")] = False,
    database: Annotated[str | None, typer.Option("--database", help="Database URL (default: a temp SQLite).")] = None,
    rows: Annotated[int | None, typer.Option(help="Size parameter of the benchmark.")] = None,
    reads_per_request: Annotated[
        int | None, typer.Option(help="ingest: reads per HTTP request, over a real server (cameras send 1).")
    ] = None,
    clients: Annotated[int | None, typer.Option(help="ingest: concurrent clients (connections) sending reads.")] = None,
    mqtt: Annotated[
        bool, typer.Option("--mqtt", help="ingest: one read per QoS 1 message through the broker.")
    ] = False,
    partitioned: Annotated[
        bool,
        typer.Option(
            "--partitioned",
            help="search: 30 days of city reads (default 60,000,000) in day partitions against an unpartitioned "
            "copy, and a retention day drop while ingest runs (PostgreSQL --database).",
        ),
    ] = False,
) -> None:
    """Run a benchmark and print its figures (benchmarks assert nothing about time)."""
    if name not in BENCHMARKS:
        typer.echo(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}", err=True)
        raise typer.Exit(2)
    mod = importlib.import_module(f"rtcc.bench.{name}")
    extra: dict[str, object] = {}  # options only some benchmarks take, passed when given
    if reads_per_request is not None:
        extra["reads_per_request"] = reads_per_request
    if clients is not None:
        extra["clients"] = clients
    if mqtt:
        extra["mqtt"] = True
    if partitioned:
        extra["partitioned"] = True
    result = mod.run(rows=rows, database_url=database, **extra)
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        for key, value in result.items():
            typer.echo(f"{key:>32}: {value}")


def main() -> None:
    """Entry point of the ``rtcc`` console script."""
    _register_domains()
    app()
