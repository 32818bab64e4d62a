"""``rtcc drones``: the fleet (``fleet import``, ``fleet list``), the launch policy (``policy check``,
``policy import``, ``policy show``) and remote pilots (``pilot add``, ``pilot list``). Each command runs one unit of
work; changes are audited as ``cli:<os user>``. A bad file prints every problem, one ``error: <where>: <what>`` line
each, and exits 1.

Fleet file (JSON): ``{"docks": [{"code", "name", "lat", "lon", "launch_time_s", "status"?, "elevation_m"?,
"drones": [{"code", "model", "cruise_speed_mps", "endurance_s", "battery_pct"?, "status"?}]}]}``.
Policy file: a GeoJSON FeatureCollection (``rtcc.drones.policyfile``); ``--city-default`` imports the packaged policy
of the active city profile (``rtcc/drones/policies/<slug>.geojson``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from rtcc.commands import run_command
from rtcc.drones import policies, policyfile, service
from rtcc.drones.schemas import FleetIn, FleetRead, PilotCreate, PolicyImported
from rtcc.identity.logic import cli_operator
from rtcc.runtime import Runtime

drones = typer.Typer(no_args_is_help=True, help="Drones as first responders: fleet, launch policy, pilots.")
fleet_app = typer.Typer(no_args_is_help=True, help="Docks and drones.")
policy_app = typer.Typer(no_args_is_help=True, help="The launch policy, its geofence zones and the program's limits.")
pilot_app = typer.Typer(no_args_is_help=True, help="Remote pilots and their certificates.")
drones.add_typer(fleet_app, name="fleet")
drones.add_typer(policy_app, name="policy")
drones.add_typer(pilot_app, name="pilot")


def _fail(errors: list[str]) -> typer.Exit:
    for e in errors:
        typer.echo(f"error: {e}", err=True)
    return typer.Exit(1)


def _fleet_lines(f: FleetRead) -> str:
    by_dock: dict[object, list[str]] = {}
    for d in f.drones:
        by_dock.setdefault(d.dock_id, []).append(f"{d.code} ({d.model}, {d.status}, {d.battery_pct:.0f} %)")
    lines = [
        f"{k.code:<10} {k.status:<11} launch {k.launch_time_s:>4.0f} s  {k.lat:.5f},{k.lon:.5f}  {k.name}  "
        f"drones: {', '.join(by_dock.get(k.id, [])) or '-'}"
        for k in f.docks
    ]
    return "\n".join([*lines, f"{len(f.docks)} dock(s), {len(f.drones)} drone(s)"])


def read_fleet_file(path: Path) -> FleetIn:
    """Read and validate a fleet file; ``typer.Exit(1)`` after printing every problem."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail([f"{path}: {exc.strerror or exc}"]) from None
    except json.JSONDecodeError as exc:
        raise _fail([f"{path.name}: line {exc.lineno} column {exc.colno}: {exc.msg}"]) from None
    try:
        return FleetIn.model_validate(raw)
    except ValidationError as exc:
        raise _fail(
            [f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()]
        ) from None


@fleet_app.command("import")
def fleet_import(
    file: Annotated[Path, typer.Argument(help="The fleet file (JSON, see 'rtcc drones --help').")],
) -> None:
    """Create or update docks and their drones by code (audited)."""
    data = read_fleet_file(file)

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            return _fleet_lines(service.import_fleet(session, data, actor=cli_operator()))

    typer.echo(run_command(work, bus=False))


@fleet_app.command("list")
def fleet_list() -> None:
    """List docks with their drones (status, battery)."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            return _fleet_lines(service.fleet(session))

    typer.echo(run_command(work, bus=False))


def _load_policy(file: Path | None, city_default: bool) -> tuple[policyfile.PolicyDocument, str]:
    if (file is None) == (not city_default):
        raise typer.BadParameter("give a policy file or --city-default (not both)")
    try:
        path = policies.default_path() if city_default else file
        assert path is not None
        return policyfile.load(path), path.name
    except FileNotFoundError as exc:
        raise _fail([str(exc)]) from None
    except policyfile.PolicyFileError as exc:
        raise _fail(exc.errors) from None


def _imported(r: PolicyImported) -> str:
    p = r.policy
    lim = f"; program limits v{r.limits.version} ({r.limits.authorization_ref})" if r.limits else ""
    return (
        f"launch policy v{p.version} '{p.name}' in force from {p.effective_from.isoformat()}: "
        f"{len(p.eligible_call_types)} eligible and {len(p.excluded_call_types)} excluded call types, "
        f"{r.zones} zones ({r.no_fly} no-fly, {r.camera_restricted} camera-restricted){lim}"
    )


@policy_app.command("check")
def policy_check(
    file: Annotated[Path | None, typer.Argument(help="The policy file (GeoJSON FeatureCollection).")] = None,
    city_default: Annotated[
        bool, typer.Option("--city-default", help="The active city profile's packaged policy.")
    ] = False,
) -> None:
    """Validate a policy file (structure, zones, call types against the dispatch catalogue) without importing it."""
    doc, name = _load_policy(file, city_default)
    errors = policies.check_call_types(doc)
    if errors:
        raise _fail(errors)
    no_fly = sum(1 for z in doc.zones if z.kind == "no_fly")
    typer.echo(
        f"{name}: valid: {len(doc.policy.eligible_call_types)} eligible and {len(doc.policy.excluded_call_types)} "
        f"excluded call types, {len(doc.zones)} zones ({no_fly} no-fly), "
        f"program limits {'included' if doc.limits else 'not included'}"
    )


@policy_app.command("import")
def policy_import(
    file: Annotated[Path | None, typer.Argument(help="The policy file (GeoJSON FeatureCollection).")] = None,
    city_default: Annotated[
        bool, typer.Option("--city-default", help="The active city profile's packaged policy.")
    ] = False,
) -> None:
    """Store a policy file as the next policy version with its zones (and the next program-limits version); audited."""
    doc, name = _load_policy(file, city_default)

    def work(rt: Runtime) -> str:
        with rt.db.uow() as session:
            return _imported(policies.import_document(session, doc, source=name, actor=cli_operator()))

    typer.echo(run_command(work, bus=False))


@policy_app.command("show")
def policy_show() -> None:
    """Show the launch policy and program limits in force."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            p = service.active_policy(session)
            lim = service.active_limits(session)
        if p is None:
            return "no launch policy in force (rtcc drones policy import)"
        lines = [
            f"launch policy v{p.version} '{p.name}' from {p.effective_from.isoformat()} ({p.source or '-'})",
            f"  eligible: {', '.join(p.eligible_call_types)}",
            *(f"  excluded: {e.call_type} [{e.rule_id}] {e.rule}" for e in p.excluded_call_types),
            f"  wind <= {p.max_wind_mps} m/s, gusts <= {p.max_gust_mps or '-'} m/s, daylight only: {p.daylight_only}",
            f"  battery >= {p.min_battery_pct} % (reserve {p.reserve_pct} %), range <= {p.max_range_m:.0f} m, "
            f"{p.zone_count} zones",
        ]
        if lim is not None:
            lines.append(
                f"program limits v{lim.version} ({lim.authorization_ref}): max altitude {lim.max_altitude_m} m, "
                f"BVLOS {'yes' if lim.bvlos_allowed else 'no'}, night operations "
                f"{'yes' if lim.night_ops_allowed else 'no'}"
            )
        return "\n".join(lines)

    typer.echo(run_command(work, bus=False))


@pilot_app.command("add")
def pilot_add(
    username: Annotated[str, typer.Argument(help="A staff user with the 'pilot' role.")],
    certificate: Annotated[str, typer.Option("--certificate", help="The FAA remote pilot certificate number.")],
    expires: Annotated[str, typer.Option("--expires", help="When the certificate (recurrent training) expires.")],
) -> None:
    """Register (or update) a remote pilot and the certificate's expiry (audited)."""
    try:
        expires_on = date.fromisoformat(expires)
    except ValueError:
        raise typer.BadParameter(f"--expires: {expires!r} is not a date (YYYY-MM-DD)") from None

    def work(rt: Runtime) -> str:
        data = PilotCreate(username=username, certificate_number=certificate, certificate_expires=expires_on)
        with rt.db.uow() as session:
            p = service.register_pilot(session, data, actor=cli_operator())
        return f"pilot {p.name}: certificate {p.certificate_number} valid until {p.certificate_expires.isoformat()}"

    typer.echo(run_command(work, bus=False))


@pilot_app.command("list")
def pilot_list() -> None:
    """List remote pilots with their certificates and duty status."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            rows = service.pilots(session)
        today = date.today()
        return "\n".join(
            [
                f"{p.name:<24} {p.certificate_number:<14} expires {p.certificate_expires.isoformat()}"
                f"{' (EXPIRED)' if p.certificate_expires < today else ''}  {'on duty' if p.on_duty else 'off duty'}"
                for p in rows
            ]
            + [f"{len(rows)} pilot(s)"]
        )

    typer.echo(run_command(work, bus=False))
