"""``rtcc search`` commands: plate search, vehicle history, stakeout, common plates and co-travel from the command
line, plus the upkeep of the plate index (``reindex``, ``index``).

A search acts as a named user (``--user USERNAME``, an active account whose role holds ``search:run``), so that the
audit log names a person; it needs ``--purpose`` and, where the code demands one, ``--case``. A refused purpose is
audited like a refused API request and exits 1 with the reason. ``--json`` prints the answer as JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from rtcc.commands import run_command
from rtcc.core.db import Database
from rtcc.core.errors import NotFound, PermissionDenied
from rtcc.identity import service as identity
from rtcc.identity.logic import Perm, Principal
from rtcc.investigations import plate_index, runner, scenes, service
from rtcc.investigations.schemas import (
    Area,
    CommonQuery,
    CoTravelQuery,
    HistoryQuery,
    IndexStats,
    Place,
    PlateSearch,
    PurposeFields,
    StakeoutQuery,
)
from rtcc.runtime import Runtime

search = typer.Typer(
    no_args_is_help=True, help="Plate search, vehicle history, stakeout, common plates, co-travel (purpose required)."
)

UserOpt = Annotated[str, typer.Option("--user", help="Act as this user (the audit log names them).")]
PurposeOpt = Annotated[str | None, typer.Option("--purpose", help="Purpose code (rtcc search purposes).")]
CaseOpt = Annotated[str | None, typer.Option("--case", help="Case or incident number.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]
StartOpt = Annotated[datetime | None, typer.Option("--from", help="Observed at or after (ISO 8601, with timezone).")]
EndOpt = Annotated[datetime | None, typer.Option("--to", help="Observed before (ISO 8601, with timezone).")]
NearOpt = Annotated[str | None, typer.Option("--near", help="Circle LAT,LON,RADIUS_M.")]


def _principal(db: Database, username: str) -> Principal:
    with db.read() as session:
        user = next((u for u in identity.list_users(session) if u.username == username), None)
        if user is None or not user.is_active:
            raise NotFound(f"--user: no active user {username!r}")
        principal = identity.principal_of(user)
    if not principal.can(Perm.search_run):
        raise PermissionDenied(f"--user: role {principal.role} lacks permission {Perm.search_run.value}")
    return principal


def _area(near: str | None) -> Area | None:
    if not near:
        return None
    try:
        lat, lon, radius = (float(x) for x in near.split(","))
    except ValueError:
        raise typer.BadParameter("--near: LAT,LON,RADIUS_M") from None
    return Area(lat=lat, lon=lon, radius_m=radius)


def _search(
    kind: str, build: Callable[[], PurposeFields], username: str, work: Callable[..., BaseModel], as_json: bool
) -> None:
    """Build the request, run it as the user in one unit of work, print it; errors print and exit 1."""

    def search_as_user(rt: Runtime) -> BaseModel:
        body = build()
        actor = _principal(rt.db, username)
        return runner.run(rt.db, kind=kind, body=body, actor=actor, work=lambda s: work(s, body, actor, rt.settings))

    result = run_command(search_as_user, bus=False)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        _print(result.model_dump(mode="json"))


def _print(data: dict[str, Any]) -> None:
    for key in ("items", "reads", "plates"):
        rows = data.get(key)
        if isinstance(rows, list):
            for row in rows:
                typer.echo("  ".join(f"{k}={v}" for k, v in row.items() if v not in (None, [], "")))
    for key, value in data.items():
        if not isinstance(value, list):
            typer.echo(f"{key}: {value}")
    stops = data.get("stops")
    if stops:
        for stop in stops:
            typer.echo(f"stop {stop['kind']}: {stop['start']} .. {stop['end']} at {stop['lat']:.5f},{stop['lon']:.5f}")


@search.command("purposes")
def purposes_cmd() -> None:
    """List the purpose codes."""

    def work(rt: Runtime) -> list[str]:
        lines = []
        with rt.db.read() as session:
            for p in service.purposes(session):
                flags = ("case required" if p.requires_case else "") + ("" if p.allowed else " FORBIDDEN")
                lines.append(f"{p.code:28} {p.label} {flags}".rstrip())
        return lines

    for line in run_command(work, bus=False):
        typer.echo(line)


@search.command("plates")
def plates_cmd(
    plate: Annotated[str, typer.Argument(help="Plate or pattern: 7AB*12, ?XYZ123.")],
    user: UserOpt,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
    mode: Annotated[str, typer.Option(help="auto, exact, wildcard, partial or similar.")] = "auto",
    max_diff: Annotated[int, typer.Option(help="similar: extra differing positions (0 or 1).")] = 0,
    state: Annotated[str | None, typer.Option(help="Issuing state, e.g. CA.")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    near: NearOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Search reads by plate (exact, wildcard, partial, similar)."""
    _search(
        "plate",
        lambda: PlateSearch.model_validate(
            {
                "plate": plate,
                "purpose": purpose,
                "case_number": case,
                "mode": mode,
                "max_diff": max_diff,
                "state": state,
                "start": start,
                "end": end,
                "area": _area(near),
                "limit": limit,
                "cursor": cursor,
            }
        ),
        user,
        lambda s, b, a, st: service.search_plates(s, b, actor=a, settings=st),
        as_json,
    )


@search.command("history")
def history_cmd(
    plate: str,
    user: UserOpt,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every read of one plate: timeline, track and stops."""
    _search(
        "history",
        lambda: HistoryQuery(plate=plate, purpose=purpose, case_number=case, start=start, end=end),
        user,
        lambda s, b, a, st: service.vehicle_history(s, b, actor=a, settings=st),
        as_json,
    )


@search.command("stakeout")
def stakeout_cmd(
    user: UserOpt,
    near: Annotated[str, typer.Option("--near", help="Circle LAT,LON,RADIUS_M.")],
    start: Annotated[datetime, typer.Option("--from", help="Window start (ISO 8601, with timezone).")],
    end: Annotated[datetime, typer.Option("--to", help="Window end (ISO 8601, with timezone).")],
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """All plates seen in an area within a time window."""
    _search(
        "stakeout",
        lambda: StakeoutQuery(purpose=purpose, case_number=case, area=_area(near), start=start, end=end),
        user,
        lambda s, b, a, st: scenes.stakeout(s, b, actor=a, settings=st),
        as_json,
    )


@search.command("common")
def common_cmd(
    user: UserOpt,
    place: Annotated[
        list[str], typer.Option("--place", help="LAT,LON,TIME[,RADIUS_M[,WINDOW_S]]; give it once per scene.")
    ],
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
    min_places: Annotated[int, typer.Option(min=1)] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Plates seen near several places/times, ranked by how many they match."""

    def build() -> CommonQuery:
        places = []
        for text in place:
            parts = text.split(",")
            if len(parts) < 3:
                raise typer.BadParameter("--place: LAT,LON,TIME[,RADIUS_M[,WINDOW_S]]")
            data: dict[str, Any] = {"lat": parts[0], "lon": parts[1], "at": parts[2]}
            if len(parts) > 3:
                data["radius_m"] = parts[3]
            if len(parts) > 4:
                data["window_s"] = parts[4]
            places.append(Place.model_validate(data))
        return CommonQuery(purpose=purpose, case_number=case, places=places, min_places=min_places)

    _search("common", build, user, lambda s, b, a, st: scenes.common_plates(s, b, actor=a, settings=st), as_json)


@search.command("cotravel")
def cotravel_cmd(
    plate: str,
    user: UserOpt,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    window_s: Annotated[float, typer.Option(help="Seconds either side of each target read.")] = 60.0,
    min_cameras: Annotated[int, typer.Option(min=1)] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Plates repeatedly seen near a target plate at several distinct cameras."""
    _search(
        "cotravel",
        lambda: CoTravelQuery(
            plate=plate,
            purpose=purpose,
            case_number=case,
            start=start,
            end=end,
            window_s=window_s,
            min_cameras=min_cameras,
        ),
        user,
        lambda s, b, a, st: scenes.cotravel(s, b, actor=a, settings=st),
        as_json,
    )


@search.command("reindex")
def reindex_cmd() -> None:
    """Rebuild the plate index from every stored read (after a bulk load or a restore)."""

    def work(rt: Runtime) -> IndexStats:
        with rt.db.uow() as session:
            return plate_index.rebuild_index(session)

    stats = run_command(work, bus=False)
    typer.echo(f"plate index rebuilt: {stats.plates} distinct plates, synced to {stats.synced_to}")


@search.command("index")
def index_cmd() -> None:
    """Show the size and freshness of the plate index."""

    def work(rt: Runtime) -> IndexStats:
        with rt.db.read() as session:
            return plate_index.index_stats(session)

    stats = run_command(work, bus=False)
    typer.echo(f"{stats.plates} distinct plates; synced to {stats.synced_to}; rebuilt at {stats.rebuilt_at}")
