"""``rtcc analytics`` commands: the public forecasting benchmark (NIJ Portland challenge) run from files.

``rtcc analytics nij-forecast --data DIR --out DIR`` reads the challenge's training folder, backtests the hotspot
models per category and window, forecasts the challenge's windows from 2017-03-01 with each winner and writes the
flagged cells as GeoJSON (``rtcc.analytics.nij``). No database, no runtime: files in, files out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

analytics = typer.Typer(no_args_is_help=True, help="Analytics: hotspot forecasts with their measured accuracy.")


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
