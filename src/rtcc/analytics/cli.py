"""``rtcc analytics`` commands: import agency incident files, compute and store the hotspot forecasts now, and the
public forecasting benchmark (NIJ Portland challenge) run from files.

``rtcc analytics import-incidents FILE --layout lasd|lapd`` stores an LASD or LAPD incident file (bad rows are
reported by line and skipped; a second import stores nothing twice). ``rtcc analytics forecast`` runs the forecast
job's pass once (every category at the configured horizons, or the ones named; ``--as-of`` forecasts from a past
date, for an imported past period) and prints each category's model and backtest. Both build the runtime from
``RTCC_*`` settings; models are fitted on a read session and the results stored in one short unit of work, audited
as ``cli:<os user>``.

``rtcc analytics nij-forecast --data DIR --out DIR`` reads the challenge's training folder, backtests the hotspot
models per category and window, forecasts the challenge's windows from 2017-03-01 with each winner and writes the
flagged cells as GeoJSON (``rtcc.analytics.nij``). No database, no runtime: files in, files out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from rtcc.runtime import Runtime

analytics = typer.Typer(no_args_is_help=True, help="Analytics: hotspot forecasts with their measured accuracy.")


@analytics.command("import-incidents")
def import_incidents(
    file: Annotated[Path, typer.Argument(help="The incident CSV file.", exists=True, dir_okay=False)],
    layout: Annotated[str, typer.Option(help="File layout: lasd (Sheriff's extract) or lapd (LAPD crime data).")],
    source: Annotated[str | None, typer.Option(help="Source name stored with each incident (default: layout).")] = None,
) -> None:
    """Store an agency incident file (LASD or LAPD layout) for forecasts and the public crime map."""
    from rtcc.analytics import service
    from rtcc.commands import run_command
    from rtcc.identity.logic import cli_operator

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            r = service.import_incidents(session, file, layout=layout, source=source, actor=cli_operator())
        lines = [f"{r.records} read, {r.imported} stored, {r.duplicates} already stored, {r.skipped} skipped"]
        return "\n".join(lines + [f"  {p}" for p in r.problems])

    typer.echo(run_command(work, bus=False))


@analytics.command("forecast")
def forecast_now(
    horizon: Annotated[
        list[int] | None, typer.Option(help="Horizon in days (7-92); repeat. Default: settings.")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only these categories; repeat. Default: all.")] = None,
    cell_ft: Annotated[float | None, typer.Option(help="Cell side in feet (default: RTCC_ANALYTICS_CELL_FT).")] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="Forecast as of this date (an imported past period); default: now.")
    ] = None,
    division: Annotated[
        str | None, typer.Option(help="One division's forecasts (its events on its grid); default: the city's.")
    ] = None,
) -> None:
    """Compute and store the hotspot forecasts now, and print each one's model and backtest."""
    from rtcc.analytics import forecasts
    from rtcc.commands import run_command
    from rtcc.core import divisions
    from rtcc.identity.logic import cli_operator
    from rtcc.places import service as places

    def work(rt: Runtime) -> str:
        settings = rt.settings
        out = []
        if division is not None and division not in places.division_codes():
            raise typer.BadParameter(f"no division {division!r} in the city profile", param_hint="--division")
        for h in horizon or settings.analytics_horizons_days:
            with divisions.scope(None if division is None else {division}), rt.db.read() as session:
                rows = forecasts.build_many(
                    session,
                    settings,
                    categories=category,
                    horizon_days=int(h),
                    cell_ft=cell_ft,
                    actor=cli_operator(),
                    now=None if as_of is None else as_of.replace(tzinfo=as_of.tzinfo or UTC),
                )
            with rt.db.uow() as session:
                done = forecasts.record_refresh(session, settings, rows, cell_ft=cell_ft, actor=cli_operator())
            for f in done:
                best = [s for s in f.scores if s.model == f.model]
                acc = "  ".join(
                    f"{s.area_sq_mi:g} sq mi PAI {s.mean_pai or 0:.2f} PEI {s.mean_pei or 0:.2f}" for s in best
                )
                out.append(
                    f"{f.category:<20} {h:>3} d  {f.status:<12} {f.model or '-':<12} {f.events:>6} events  {acc}"
                )
        return "\n".join(out)

    typer.echo(run_command(work, bus=False))


@analytics.command("nij-forecast")
def nij_forecast(
    data: Annotated[Path, typer.Option(help="The portland_nij_training folder (calls CSVs and boundary).")],
    out: Annotated[Path, typer.Option(help="Folder for the GeoJSON files and summary.json (created if missing).")],
    cell_ft: Annotated[float, typer.Option(help="Cell side in feet (250-600: the challenge's cell areas).")] = 600.0,
    seed: Annotated[int, typer.Option(help="Seed of the random generator (boosted model's subsampling).")] = 2017,
    origins: Annotated[int, typer.Option(help="Backtest origins per category and window (28 days apart).")] = 12,
    window: Annotated[
        list[str] | None, typer.Option(help="Only these windows (1w, 2w, 1m, 2m, 3m); repeat the option.")
    ] = None,
) -> None:
    """Forecast the NIJ challenge's windows from 2017-03-01 per category and write the flagged cells as GeoJSON."""
    from rtcc.analytics import nij

    try:
        written = nij.run_challenge(
            data, out, cell_ft=cell_ft, seed=seed, origins=origins, windows=tuple(window or nij.WINDOWS)
        )
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(str(path))
