"""``rtcc simulate``: a scenario beside its baseline (``run``) and the backtest against unseen weeks (``backtest``),
both fitted on the imported CAD history; each also stores its run (``simulator_runs``) so the screen shows it.

``rtcc simulate run --scenario FILE.json`` (or ``--preset cso_pm``) prints per priority the baseline's and the
scenario's median and p90 response with their 95 % intervals, the queue and the busiest units.
``rtcc simulate backtest --origin cad:alexandria --year 2025 --fit-weeks 35-42 --predict-weeks 43-45 --time-zone
America/New_York`` prints predicted against observed median and p90 response per priority, with the error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from tqdm import tqdm

from rtcc.commands import run_command
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime
from rtcc.simulator import repository, service
from rtcc.simulator.fit import history_zone
from rtcc.simulator.schemas import BacktestCreate, RunCreate, Scenario

simulate = typer.Typer(no_args_is_help=True, help="The what-if simulator: scenarios and the backtest.")


def _weeks(text: str, option: str) -> tuple[int, int]:
    try:
        a, _, b = text.partition("-")
        return int(a), int(b or a)
    except ValueError:
        raise typer.BadParameter(f"{option}: weeks are N or N-M (ISO weeks), got {text!r}") from None


def _bar(bar: tqdm) -> Callable[[float], None]:  # type: ignore[type-arg]
    def update(share: float) -> None:
        bar.update(int(share * 100) - bar.n)

    return update


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v / 60:6.1f}"


def _ci(d: dict[str, Any]) -> str:
    if d["lo"] is None:
        return f"{_fmt(d['value'])}"
    return f"{_fmt(d['value'])} [{_fmt(d['lo']).strip()}-{_fmt(d['hi']).strip()}]"


def _store(rt: Runtime, kind: str, req: RunCreate | BacktestCreate, results: dict[str, Any]) -> str:
    from rtcc.core.clock import utcnow

    with rt.db.uow() as session:
        run = service.start_run(session, kind, req, actor=cli_operator())
        repository.finish(session, run.id, status="done", results=results, error=None, at=utcnow())
    return str(run.id)


@simulate.command("run")
def run(
    scenario: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Scenario JSON file.")] = None,
    preset: Annotated[
        str | None, typer.Option(help="A ready-made scenario (priority_rule, cso_pm, guards, ...).")
    ] = None,
    origin: Annotated[str | None, typer.Option(help="cad:<layout> (imported) or live (own calls).")] = None,
    since: Annotated[datetime | None, typer.Option(help="Fit from (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Fit until (UTC, exclusive).")] = None,
    hours: Annotated[float, typer.Option(help="Simulated hours per replication.")] = 168.0,
    replications: Annotated[int, typer.Option(help="Replications (confidence intervals across them).")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 13,
    time_zone: Annotated[
        str | None, typer.Option(help="Local time zone of the calls (default: the history's own).")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="catalogue or history (default: the data decides).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Simulate a scenario beside its baseline on the imported history."""

    def work(rt: Runtime) -> tuple[dict[str, Any], str]:
        with rt.db.read() as session:
            if scenario is not None:
                try:
                    scen = Scenario.model_validate(json.loads(scenario.read_text(encoding="utf-8")))
                except (ValidationError, json.JSONDecodeError) as exc:
                    raise typer.BadParameter(f"--scenario {scenario}: {exc}") from None
            elif preset is not None:
                found = {p.key: p.scenario for p in service.scenario_presets(session, origin=origin)}
                if preset not in found:
                    raise typer.BadParameter(f"--preset: one of {', '.join(found)}")
                scen = found[preset]
            else:
                scen = Scenario()
            req = RunCreate(
                scenario=scen,
                origin=origin,
                since=since,
                until=until,
                hours=hours,
                replications=replications,
                seed=seed,
            )
            bar = tqdm(total=100, unit="%", desc=scen.name)
            res = service.compare(session, req, tz=time_zone, mode=mode, progress=_bar(bar))
            bar.close()
        return res, _store(rt, "scenario", req, res)

    res, run_id = run_command(work, bus=False)
    if as_json:
        typer.echo(json.dumps(res, indent=1))
        return
    typer.echo(f"run {run_id}: {res['scenario_name']} ({'; '.join(res['notes'])})")
    typer.echo("response in minutes, mean over replications [95% CI]")
    typer.echo(
        f"{'priority':>10} {'calls':>7}  {'baseline median':>22} {'scenario median':>22}  "
        f"{'baseline p90':>22} {'scenario p90':>22}"
    )
    for b, s in zip(res["baseline"]["priorities"], res["scenario"]["priorities"], strict=False):
        typer.echo(
            f"{b['priority']:>10} {b['calls']:>7}  {_ci(b['median_s']):>22} {_ci(s['median_s']):>22}  "
            f"{_ci(b['p90_s']):>22} {_ci(s['p90_s']):>22}"
        )
    for label in ("baseline", "scenario"):
        r = res[label]
        busy = sorted(r["units"], key=lambda u: -u["utilisation"])[:3]
        q = r["queue"]["mean"]["value"]
        typer.echo(
            f"{label}: mean queue {q if q is None else round(q, 3)} calls, max {r['queue']['max']}; busiest "
            + ", ".join(f"{u['unit']} {u['utilisation']:.0%}" for u in busy)
        )


@simulate.command("backtest")
def backtest(
    fit_weeks: Annotated[str, typer.Option(help="ISO weeks fitted on, N-M (e.g. 35-42).")],
    predict_weeks: Annotated[str, typer.Option(help="ISO weeks predicted, N-M (e.g. 43-45).")],
    year: Annotated[int, typer.Option(help="Year of the ISO weeks.")],
    origin: Annotated[str | None, typer.Option(help="cad:<layout> (imported) or live (own calls).")] = None,
    replications: Annotated[int, typer.Option(help="Replications.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 13,
    time_zone: Annotated[
        str | None, typer.Option(help="Local time zone of the calls (default: the history's own).")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="catalogue or history (default: the data decides).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Fit on some weeks of the imported history, predict later weeks, print predicted against observed response."""
    f1, f2 = _weeks(fit_weeks, "--fit-weeks")
    p1, p2 = _weeks(predict_weeks, "--predict-weeks")
    if p1 != f2 + 1:
        raise typer.BadParameter("--predict-weeks must start the week after --fit-weeks ends")

    def work(rt: Runtime) -> tuple[dict[str, Any], str]:
        with rt.db.read() as session:
            tz = ZoneInfo(time_zone) if time_zone else history_zone(session, origin)
        fit_from, fit_until = service.week_bounds(year, f1, f2, tz)
        _, predict_until = service.week_bounds(year, p1, p2, tz)
        req = BacktestCreate(
            origin=origin,
            fit_from=fit_from,
            fit_until=fit_until,
            predict_until=predict_until,
            replications=replications,
            seed=seed,
        )
        with rt.db.read() as session:
            bar = tqdm(total=100, unit="%", desc="backtest")
            res = service.backtest(session, req, tz=time_zone, mode=mode, progress=_bar(bar))
            bar.close()
        return res, _store(rt, "backtest", req, res)

    res, run_id = run_command(work, bus=False)
    if as_json:
        typer.echo(json.dumps(res, indent=1))
        return
    typer.echo(
        f"run {run_id}: fit weeks {f1}-{f2}, predict weeks {p1}-{p2} of {year}; {res['units']} units; "
        + "; ".join(res["notes"])
    )
    typer.echo("response in minutes; error = predicted - observed, in % of observed")
    typer.echo(
        f"{'priority':>8} {'obs calls':>9} {'sim calls':>9} | {'obs med':>7} {'pred med':>8} {'err%':>6} | "
        f"{'obs p90':>7} {'pred p90':>8} {'err%':>6}"
    )
    for r in res["rows"]:
        typer.echo(
            f"{r['priority']:>8} {r['observed_calls']:>9} {r['predicted_calls']:>9.0f} | "
            f"{_fmt(r['observed_median_s']):>7} {_fmt(r['predicted_median_s']):>8} {_pct(r['median_error_pct']):>6} | "
            f"{_fmt(r['observed_p90_s']):>7} {_fmt(r['predicted_p90_s']):>8} {_pct(r['p90_error_pct']):>6}"
        )


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:+.0f}"
