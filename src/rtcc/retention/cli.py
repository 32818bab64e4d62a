"""``rtcc retention``: show the policy, run a purge pass (or a dry run), and manage legal holds as a named user.

``run`` goes on batch after batch until nothing is due (``--max-batches`` bounds it) and acts as ``cli:<os user>``
with the system's rights (it is an operator's command, like ``rtcc db upgrade``). Hold commands act as ``--user``,
with that user's role, exactly as over HTTP: the same two-person rule and the same audit entries.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.core.db import Database
from rtcc.core.errors import NotFound, PermissionDenied
from rtcc.identity import service as identity
from rtcc.identity.logic import Perm, Principal, cli_operator
from rtcc.retention import service
from rtcc.retention.logic import HoldAction, HoldStatus
from rtcc.retention.schemas import HoldCreate, HoldRead
from rtcc.runtime import Runtime
from rtcc.settings import get_settings

retention = typer.Typer(no_args_is_help=True, help="Retention runs and legal holds.")
holds = typer.Typer(no_args_is_help=True, help="Legal holds: keep case data past retention.")
retention.add_typer(holds, name="holds")

UserOpt = Annotated[str, typer.Option("--user", help="User name of the person acting (audited).")]
NoteOpt = Annotated[str | None, typer.Option(help="A note kept with the decision (and in the audit).")]


_operator = cli_operator  # the audit names the OS user who ran the command


def _principal(db: Database, username: str, perm: Perm) -> Principal:
    with db.read() as session:
        for user in identity.list_users(session):
            if user.username == username and user.is_active:
                principal = identity.principal_of(user)
                if not principal.can(perm):
                    raise PermissionDenied(f"{username} ({principal.role}) lacks permission {perm.value}")
                return principal
    raise NotFound(f"no active user named {username!r}")


def _fmt(t: datetime | None) -> str:
    return t.isoformat(timespec="seconds") if t else "-"


@retention.command("policy")
def policy() -> None:
    """Print the retention period of each data class."""
    settings = get_settings()
    for c in service.policy(settings):
        typer.echo(f"{c.name:<13} {c.days:>6} days  {c.description}")
    typer.echo(
        f"batches of {settings.retention_batch_size} rows, {settings.retention_pause_ms} ms apart; "
        f"scheduled every {settings.retention_interval_s} s"
    )


@retention.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what is due; delete nothing.")] = False,
    classes: Annotated[
        list[str] | None,
        typer.Option(
            "--class", help="Data class to purge (repeatable): reads_nonhit, reads_hit, images, alerts, audit."
        ),
    ] = None,
    max_batches: Annotated[int | None, typer.Option(help="Stop each class after this many batches.")] = None,
) -> None:
    """Purge expired data now, in bounded batches, each recorded in the audit chain."""
    outcome = run_command(
        lambda rt: service.run_purge(
            rt.db,
            rt.settings,
            actor=_operator(),
            trigger="cli",
            classes=classes,
            dry_run=dry_run,
            max_batches=max_batches,
        ),
        bus=False,
    )
    verb = "due" if dry_run else "purged"
    for c in outcome.classes:
        more = "" if c.complete else " (more due)"
        typer.echo(
            f"{c.name:<13} {verb} {c.count:>9}  oldest {_fmt(c.oldest)}  newest {_fmt(c.newest)}  "
            f"batches {c.batches}{more}"
        )
    typer.echo(f"run {outcome.run_id}")


def _print_hold(h: HoldRead) -> None:
    due = "  REVIEW DUE" if h.review_due else ""
    typer.echo(
        f"{h.id}  {h.status:<9} case {h.case_number:<16} review {h.review_date.isoformat()}  "
        f"requested by {h.requested_by}{due}"
    )


@holds.command("list")
def list_holds(
    status: Annotated[HoldStatus | None, typer.Option(help="Only holds in this status.")] = None,
    case_number: Annotated[str | None, typer.Option(help="Only holds of this case.")] = None,
    review_due: Annotated[bool, typer.Option("--review-due", help="Only active holds due for review.")] = False,
) -> None:
    """List legal holds, newest first."""

    def work(rt: Runtime) -> list[HoldRead]:
        with rt.db.read() as session:
            return service.list_holds(
                session, status=status.value if status else None, case_number=case_number, review_due=review_due
            )

    for h in run_command(work, bus=False):
        _print_hold(h)


@holds.command("request")
def request(
    user: UserOpt,
    case_number: Annotated[str, typer.Option(help="The case the data is held for.")],
    reason: Annotated[str, typer.Option(help="Why the data must be kept.")],
    review_date: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Review date (YYYY-MM-DD, future).")],
    plate: Annotated[list[str] | None, typer.Option(help="Plate to hold (repeatable).")] = None,
    read_id: Annotated[list[str] | None, typer.Option(help="Read id to hold (repeatable).")] = None,
    alert_id: Annotated[list[str] | None, typer.Option(help="Alert id to hold (repeatable).")] = None,
    camera: Annotated[list[str] | None, typer.Option(help="ALPR camera code to hold (repeatable).")] = None,
    time_from: Annotated[datetime | None, typer.Option(help="Start of the time range (UTC).")] = None,
    time_to: Annotated[datetime | None, typer.Option(help="End of the time range (UTC).")] = None,
) -> None:
    """Request a legal hold (a supervisor other than you must approve it)."""
    try:
        data = HoldCreate(
            case_number=case_number,
            reason=reason,
            review_date=review_date.date(),
            plates=plate or [],
            read_ids=[uuid.UUID(r) for r in read_id or []],
            alert_ids=[uuid.UUID(a) for a in alert_id or []],
            camera_codes=camera or [],
            time_from=_utc(time_from),
            time_to=_utc(time_to),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc

    def work(rt: Runtime) -> HoldRead:
        actor = _principal(rt.db, user, Perm.holds_request)
        with rt.db.uow() as session:
            hold = service.request_hold(
                session,
                data,
                actor=actor,
                max_window_days=rt.settings.hold_max_window_days,
                max_review_days=rt.settings.hold_max_review_days,
            )
            return service.hold_view(hold)

    _print_hold(run_command(work, bus=False))


def _utc(value: datetime | None) -> datetime | None:
    """Times typed without a zone are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _decide(hold_id: str, user: str, action: HoldAction, note: str | None) -> None:
    try:
        hid = uuid.UUID(hold_id)
    except ValueError as exc:
        raise typer.BadParameter(f"not a hold id: {hold_id!r}") from exc

    def work(rt: Runtime) -> HoldRead:
        actor = _principal(rt.db, user, Perm.holds_approve)
        with rt.db.uow() as session:
            return service.hold_view(service.act_on_hold(session, hid, action, actor=actor, note=note))

    _print_hold(run_command(work, bus=False))


@holds.command("approve")
def approve(hold_id: str, user: UserOpt, note: NoteOpt = None) -> None:
    """Approve a requested hold (not your own request)."""
    _decide(hold_id, user, HoldAction.approve, note)


@holds.command("deny")
def deny(hold_id: str, user: UserOpt, note: NoteOpt = None) -> None:
    """Deny a requested hold (not your own request)."""
    _decide(hold_id, user, HoldAction.deny, note)


@holds.command("release")
def release(hold_id: str, user: UserOpt, note: NoteOpt = None) -> None:
    """Release an active hold; its data is purged by the next pass once past retention."""
    _decide(hold_id, user, HoldAction.release, note)
