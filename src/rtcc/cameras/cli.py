"""``rtcc registry``: list, add and withdraw registered cameras, and run a canvass, from the command line.

Each command builds the runtime from ``RTCC_*`` settings and runs one unit of work; changes are audited as
``cli:<os user>``. Domain errors print and exit 1.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer

from rtcc.cameras import canvass as canvass_uc
from rtcc.cameras import service
from rtcc.cameras.schemas import CameraCreate, CameraFilters, CanvassQuery
from rtcc.commands import run_command
from rtcc.identity.logic import cli_operator
from rtcc.places import service as places
from rtcc.runtime import Runtime

registry = typer.Typer(no_args_is_help=True, help="Registered cameras (all owner types) and canvass.")

_actor = cli_operator  # the audit names the OS user who ran the command


def _when(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{name}: not an ISO 8601 time: {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@registry.command("list")
def list_cmd(
    owner_type: Annotated[str | None, typer.Option(help="city, alpr, business or residential.")] = None,
    sharing_level: Annotated[str | None, typer.Option(help="registered, on_request, live_linked, withdrawn.")] = None,
    q: Annotated[str | None, typer.Option(help="Code, name or address contains this.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List registered cameras by code."""

    def work(rt: Runtime) -> None:
        filters = CameraFilters.model_validate({"owner_type": owner_type, "sharing_level": sharing_level, "q": q})
        with rt.db.uow() as s:
            page = service.list_cameras(
                s,
                filters,
                viewer=cli_operator(),
                coarse_decimals=rt.settings.registry_coarse_decimals,
                limit=limit,
                offset=0,
            )
        for cam in page.items:
            if as_json:
                typer.echo(cam.model_dump_json())
            else:
                typer.echo(
                    f"{cam.code:<20} {cam.owner_type:<12} {cam.sharing_level:<12} "
                    f"{cam.lat:.5f},{cam.lon:.5f} dir {cam.direction_deg:>5.1f} fov {cam.fov_deg:>5.1f} "
                    f"range {cam.range_m:>6.1f} m  keeps {cam.owner_retention_days:>3} d  {cam.name}"
                )
        if not as_json:
            typer.echo(f"{len(page.items)} of {page.total} cameras")

    run_command(work, bus=False)


@registry.command("add")
def add_cmd(
    name: Annotated[str, typer.Option(help="Display name.")],
    lat: Annotated[float, typer.Option(help="Latitude (WGS84).")],
    lon: Annotated[float, typer.Option(help="Longitude (WGS84).")],
    owner_type: Annotated[str, typer.Option(help="city, alpr, business or residential.")] = "city",
    owner_name: Annotated[str, typer.Option(help="Department, business or household.")] = "City",
    code: Annotated[str | None, typer.Option(help="Unique code; default: generated.")] = None,
    direction: Annotated[float, typer.Option(help="Bearing the camera looks along, degrees.")] = 0.0,
    fov: Annotated[float, typer.Option(help="Field of view, degrees (360 = all around).")] = 90.0,
    range_m: Annotated[float, typer.Option("--range", help="Useful range in metres.")] = 30.0,
    retention_days: Annotated[int, typer.Option(help="Days the owner's device keeps footage.")] = 30,
    sharing_level: Annotated[str, typer.Option(help="registered, on_request, live_linked.")] = "registered",
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    contact: Annotated[str | None, typer.Option(help="How to reach the owner.")] = None,
    stream_url: Annotated[str | None, typer.Option(help="Stream URL (live_linked).")] = None,
    snapshot_url: Annotated[str | None, typer.Option(help="Snapshot URL (live_linked).")] = None,
    alpr_camera_code: Annotated[str | None, typer.Option(help="For owner type alpr: the ALPR camera code.")] = None,
) -> None:
    """Register a camera."""

    def work(rt: Runtime) -> None:
        data = CameraCreate.model_validate(
            {
                "code": code, "name": name, "lat": lat, "lon": lon, "owner_type": owner_type,
                "owner_name": owner_name, "direction_deg": direction, "fov_deg": fov, "range_m": range_m,
                "owner_retention_days": retention_days, "sharing_level": sharing_level, "address": address,
                "contact": contact, "stream_url": stream_url, "snapshot_url": snapshot_url,
                "alpr_camera_code": alpr_camera_code,
            }
        )  # fmt: skip
        with rt.db.uow() as s:
            cam = service.create_camera(s, data, actor=_actor())
        typer.echo(f"registered {cam.code} ({cam.id})")

    run_command(work, bus=False)


@registry.command("withdraw")
def withdraw_cmd(camera: Annotated[str, typer.Argument(help="Camera id or code.")]) -> None:
    """Withdraw a camera at once (it leaves canvass and live views)."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as s:
            try:
                camera_id = uuid.UUID(camera)
            except ValueError:
                found = service.camera_by_code(s, camera)
                camera_id = found.id
            cam = service.withdraw_camera(s, camera_id, actor=_actor())
        typer.echo(f"withdrawn {cam.code}")

    run_command(work, bus=False)


@registry.command("canvass")
def canvass_cmd(
    start: Annotated[str, typer.Option(help="Window start, ISO 8601 (UTC if no offset).")],
    end: Annotated[str, typer.Option(help="Window end, ISO 8601 (UTC if no offset).")],
    lat: Annotated[float | None, typer.Option(help="Latitude of the place.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude of the place.")] = None,
    place: Annotated[str | None, typer.Option(help="An intersection ('Artesia Blvd & Norwalk Blvd').")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Cameras that could have seen a place in a time window (audited as a canvass)."""
    query_doc = {
        "lat": lat, "lon": lon, "place": place, "start": _when(start, "start"), "end": _when(end, "end"),
        "limit": limit,
    }  # fmt: skip

    def work(rt: Runtime) -> None:
        query = CanvassQuery.model_validate(query_doc)
        index = canvass_uc.CanvassIndex()
        with rt.db.uow() as s:
            result = canvass_uc.canvass(s, index, query)
            canvass_uc.record_canvass(s, _actor(), result)
        if as_json:
            typer.echo(result.model_dump_json())
            return
        where = result.place or f"{result.lat:.5f},{result.lon:.5f}"
        typer.echo(f"canvass at {where}: {len(result.items)} of {result.searched} shared cameras")
        for h in result.items:
            cover = "covered" if h.retention_covers else "overwritten"
            typer.echo(
                f"{h.rank:>3}. {h.camera.code:<20} {h.distance_m:>7.1f} m  off-axis {h.angle_off_axis_deg:>5.1f}  "
                f"{h.camera.sharing_level:<12} {cover:<11} ask by {h.request_deadline.isoformat()}  {h.camera.name}"
            )

    run_command(work, bus=False)


@registry.command("places")
def places_cmd() -> None:
    """The intersections a canvass --place can name."""
    for p in places.intersections():
        typer.echo(json.dumps({"name": p.name, "lat": p.lat, "lon": p.lon}))
