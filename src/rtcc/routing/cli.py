"""``rtcc routing``: import an OpenStreetMap file as the road network, show or switch the active network, and ask
for travel times from the command line.

Each command builds the runtime from ``RTCC_*`` settings and runs one unit of work; imports are audited as
``cli:<os user>``. Domain errors print one line and exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.identity.logic import cli_operator
from rtcc.routing import service
from rtcc.routing.schemas import LatLon
from rtcc.runtime import Runtime

routing = typer.Typer(no_args_is_help=True, help="Road networks (OpenStreetMap import) and travel times.")


def _point(text: str, name: str) -> LatLon:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise typer.BadParameter(f"{name}: expected LAT,LON, got {text!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise typer.BadParameter(f"{name}: {text!r} is not a WGS84 latitude,longitude")
    return LatLon(lat, lon)


@routing.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="An OpenStreetMap file: .osm.pbf or .osm (XML).")],
    name: Annotated[str | None, typer.Option(help="Name to store it under (default: the file name's stem).")] = None,
    label: Annotated[str | None, typer.Option(help="What the network is, as screens show it.")] = None,
    activate: Annotated[bool, typer.Option(help="Make it the active network.")] = True,
) -> None:
    """Import the drivable roads of an OSM file as a road network (atomic: a bad file changes nothing)."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as s:
            net = service.import_file(s, file, name=name, label=label, actor=cli_operator(), activate=activate)
        state = "active" if net.active else "stored"
        typer.echo(f"imported {net.name}: {net.node_count} nodes, {net.edge_count} edges ({state})")

    run_command(work, bus=False)


@routing.command("info")
def info_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per network.")] = False,
) -> None:
    """List the stored road networks; the active one is marked."""

    def work(rt: Runtime) -> None:
        with rt.db.read() as s:
            found = service.networks(s)
        if not found and not as_json:
            typer.echo("no road network loaded: travel times are straight-line estimates")
        for n in found:
            if as_json:
                typer.echo(n.model_dump_json())
            else:
                mark = "*" if n.active else " "
                typer.echo(
                    f"{mark} {n.name:<24} {n.node_count:>9} nodes {n.edge_count:>9} edges  "
                    f"{n.imported_at:%Y-%m-%d %H:%M} UTC  {n.label}"
                )

    run_command(work, bus=False)


@routing.command("activate")
def activate_cmd(name: Annotated[str, typer.Argument(help="A stored network's name.")]) -> None:
    """Make a stored network the active one (every process switches on its next query)."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as s:
            net = service.activate_network(s, name, actor=cli_operator())
        typer.echo(f"active: {net.name}")

    run_command(work, bus=False)


@routing.command("eta")
def eta_cmd(
    to: Annotated[str, typer.Option("--to", help="Destination LAT,LON (the call).")],
    origins: Annotated[list[str], typer.Option("--from", help="Origin LAT,LON (a unit); repeat for several.")],
    emergent: Annotated[bool, typer.Option("--emergent", help="Emergent response: faster speeds.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Travel times from each origin to the destination (network, or straight-line estimate where there is none)."""
    dest = _point(to, "--to")
    points = [_point(o, "--from") for o in origins]

    def work(rt: Runtime) -> None:
        params = service.RoutingParams.from_settings(rt.settings)
        with rt.db.read() as s:
            out = service.travel_times(s, to=dest, origins=points, emergent=emergent, params=params)
        if as_json:
            typer.echo(json.dumps(out.model_dump()))
            return
        where = f"network {out.network} ({out.network_label})" if out.network else "no road network"
        typer.echo(f"to {dest.lat:.6f},{dest.lon:.6f} on {where}{', emergent' if emergent else ''}")
        for p, sec, method in zip(points, out.seconds, out.methods, strict=True):
            shown = "unreachable" if sec is None else f"{sec:8.1f} s"
            typer.echo(f"  from {p.lat:.6f},{p.lon:.6f}: {shown}  {method}")
        if out.note:
            typer.echo(f"note: {out.note}")

    run_command(work, bus=False)
