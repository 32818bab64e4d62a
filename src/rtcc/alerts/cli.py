"""``rtcc alerts``: list alerts, open one, and verify, reject, dispatch or close it from the command line.

Every action runs as a named user (``--user``) with that user's role, exactly as over HTTP: the same checklist, the
same state machine, an audit entry and a live event. The event is stored in the live-event log, so the API
processes' live hubs pick it up (through the bus, or from the log by their catch-up poll).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from rtcc.alerts import lifecycle, queue
from rtcc.alerts.logic import AlertKind, AlertState, Checklist, RejectReason
from rtcc.alerts.schemas import AlertFilters, AlertRead, PageParams
from rtcc.commands import run_command
from rtcc.core.errors import NotFound
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Principal
from rtcc.runtime import Runtime

alerts = typer.Typer(no_args_is_help=True, help="Alerts: list them, open one, and act on it as a named user.")

T = TypeVar("T")
UserOpt = Annotated[str, typer.Option("--user", help="User name of the person acting (audited).")]
NoteOpt = Annotated[str | None, typer.Option(help="A note kept with the transition.")]


def _run(fn: Callable[[Runtime], T]) -> T:
    return run_command(fn)


def _principal(runtime: Runtime, username: str) -> Principal:
    with runtime.db.read() as session:
        for user in identity.list_users(session):
            if user.username == username and user.is_active:
                return identity.principal_of(user)
    raise NotFound(f"no active user named {username!r}")


def _line(a: AlertRead) -> str:
    return f"{a.id}  {a.kind:<14} {a.state:<10} p{a.priority}  {a.created_at:%Y-%m-%d %H:%M:%S}  {a.title}"


def _print(a: AlertRead) -> None:
    typer.echo(_line(a))
    if a.kind == AlertKind.hit:
        typer.echo(f"  read {a.plate_read} vs listed {a.plate_listed} ({a.match_kind}; differ at {a.diff_positions})")
        if a.entry is not None:
            typer.echo(
                f"  entry: {a.entry.reason or '-'}; case {a.entry.case_number or '-'}; current {a.entry.current}"
            )
    for t in a.transitions:
        typer.echo(f"  {t.at:%Y-%m-%d %H:%M:%S}  {t.actor:<16} {t.from_state or '-'} -> {t.to_state}")


@alerts.command("list")
def list_alerts(
    state: Annotated[AlertState | None, typer.Option(help="Only alerts in this state.")] = None,
    kind: Annotated[AlertKind | None, typer.Option(help="Only alerts of this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 50,
    purpose: Annotated[
        str, typer.Option(help="Purpose code the plates are listed for (recorded as an alpr.access entry).")
    ] = "audit_review",
    case_number: Annotated[str | None, typer.Option(help="Case number, where the purpose needs one.")] = None,
) -> None:
    """List alerts, newest first (titles only; open one with 'show'); an audited access under PURPOSE."""

    def work(rt: Runtime) -> None:
        with rt.db.uow() as session:
            page = queue.list_alerts(
                session,
                SYSTEM,
                AlertFilters(state=state, kind=kind),
                PageParams(limit=limit),
                purpose=purpose,
                case_number=case_number,
            )
        for a in page.items:
            typer.echo(_line(a))
        typer.echo(f"{len(page.items)} of {page.total}")

    _run(work)


@alerts.command("show")
def show(alert_id: uuid.UUID, user: UserOpt) -> None:
    """Open one alert as USER (an audited access): read and entry side by side, and its history."""

    def work(rt: Runtime) -> None:
        who = _principal(rt, user)
        with rt.db.uow() as session:
            _print(queue.get_alert(session, who, alert_id))

    _run(work)


def _act(
    alert_id: uuid.UUID,
    action: str,
    user: str,
    *,
    checklist: Checklist | None = None,
    reason: str | None = None,
    unit: str | None = None,
    note: str | None = None,
) -> None:
    def work(rt: Runtime) -> None:
        who = _principal(rt, user)
        with rt.db.uow() as session:
            result = lifecycle.transition(
                session, rt.bus, alert_id, action, actor=who, checklist=checklist, reason=reason, unit=unit, note=note
            )
        _print(result)

    _run(work)


@alerts.command("verify")
def verify(
    alert_id: uuid.UUID,
    user: UserOpt,
    plate_matches_crop: Annotated[bool, typer.Option(help="Plate characters confirmed against the crop.")] = False,
    state_confirmed: Annotated[bool, typer.Option(help="The plate's state agrees with the entry.")] = False,
    entry_current: Annotated[bool, typer.Option(help="The hotlist entry is still current.")] = False,
    vehicle_consistent: Annotated[bool, typer.Option(help="The vehicle matches the description.")] = False,
    note: NoteOpt = None,
) -> None:
    """Verify a new hit; every checklist item must be confirmed."""
    checklist = Checklist(plate_matches_crop, state_confirmed, entry_current, vehicle_consistent)
    _act(alert_id, "verify", user, checklist=checklist, note=note)


@alerts.command("reject")
def reject(
    alert_id: uuid.UUID,
    user: UserOpt,
    reason: Annotated[RejectReason, typer.Option(help="Why the hit is wrong.")],
    note: NoteOpt = None,
) -> None:
    """Reject a new hit (misread, wrong state, entry no longer current, ...)."""
    _act(alert_id, "reject", user, reason=reason.value, note=note)


@alerts.command("dispatch")
def dispatch(
    alert_id: uuid.UUID,
    user: UserOpt,
    unit: Annotated[str, typer.Option(help="The unit sent.")],
    note: NoteOpt = None,
) -> None:
    """Record that a unit was sent to a verified hit."""
    _act(alert_id, "dispatch", user, unit=unit, note=note)


@alerts.command("close")
def close(alert_id: uuid.UUID, user: UserOpt, note: NoteOpt = None) -> None:
    """Close a verified or dispatched hit, or a camera-offline alert."""
    _act(alert_id, "close", user, note=note)
