"""``rtcc community`` commands: send and list public alerts, list the tip queue, and install the city profile's
neighborhoods. Each command builds the runtime from ``RTCC_*`` settings, runs its units of work, and stops; changes
are audited as ``cli:<os user>``. The outbox that delivers the alerts is ``rtcc notify outbox``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer

from rtcc.commands import run_command
from rtcc.community import neighborhoods as hoods
from rtcc.community import public_alerts
from rtcc.community import tips as tip_service
from rtcc.community.logic import Category, Certainty, Severity, Urgency
from rtcc.community.schemas import AlertArea, AlertCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import cli_operator
from rtcc.settings import Settings

community = typer.Typer(no_args_is_help=True, help="Community accounts, watch groups, subscriptions, alerts, tips.")
alert = typer.Typer(no_args_is_help=True, help="Public alerts to subscribers (CAP 1.2).")
tips = typer.Typer(no_args_is_help=True, help="Suspicious-activity tips.")
neighborhoods = typer.Typer(no_args_is_help=True, help="Neighborhoods of alerts and watch groups.")
community.add_typer(alert, name="alert")
community.add_typer(tips, name="tips")
community.add_typer(neighborhoods, name="neighborhoods")

T = TypeVar("T")


_actor = cli_operator  # the audit names the OS user who ran the command


def _run(work: Callable[[Database, Settings], T]) -> T:
    return run_command(lambda rt: work(rt.db, rt.settings), bus=False)


@neighborhoods.command("install")
def neighborhoods_install() -> None:
    """Install the city profile's neighborhoods (RTCC_CITY_PROFILE), updating changed ones (idempotent)."""

    def work(db: Database, settings: Settings) -> int:
        with db.uow() as session:
            return hoods.install_from_profile(session)

    typer.echo(f"{_run(work)} neighborhoods added or updated")


@neighborhoods.command("list")
def neighborhoods_list() -> None:
    """Print code and name of every neighborhood."""

    def work(db: Database, settings: Settings) -> list[str]:
        with db.read() as session:
            return [f"{n.code:<8} {n.name}" for n in hoods.list_neighborhoods(session)]

    for line in _run(work):
        typer.echo(line)


@alert.command("send")
def alert_send(
    category: Annotated[Category, typer.Option(help="Alert category.")],
    headline: Annotated[str, typer.Option(help="One-line headline.")],
    body: Annotated[str, typer.Option(help="The message.")],
    neighborhood: Annotated[
        str | None, typer.Option(help="Neighborhood code (or give --lat/--lon/--radius-m).")
    ] = None,
    lat: Annotated[float | None, typer.Option(help="Centre latitude.")] = None,
    lon: Annotated[float | None, typer.Option(help="Centre longitude.")] = None,
    radius_m: Annotated[float | None, typer.Option(help="Radius in metres.")] = None,
    severity: Annotated[Severity, typer.Option(help="CAP severity.")] = Severity.Moderate,
    urgency: Annotated[Urgency, typer.Option(help="CAP urgency.")] = Urgency.Expected,
    certainty: Annotated[Certainty, typer.Option(help="CAP certainty.")] = Certainty.Likely,
    expires_hours: Annotated[float | None, typer.Option(help="Expires this many hours from now.")] = None,
) -> None:
    """Send a public alert to matching subscribers; print its id and the number of outbox messages."""
    try:
        data = AlertCreate(
            category=category,
            headline=headline,
            body=body,
            area=AlertArea(neighborhood_code=neighborhood, lat=lat, lon=lon, radius_m=radius_m),
            severity=severity,
            urgency=urgency,
            certainty=certainty,
            expires=utcnow() + timedelta(hours=expires_hours) if expires_hours else None,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    def work(db: Database, settings: Settings) -> str:
        with db.uow() as session:
            sent = public_alerts.send_alert(session, data, actor=_actor(), sender=public_alerts.cap_sender(settings))
            return f"{sent.id} {sent.recipients} messages queued"

    typer.echo(_run(work))


@alert.command("list")
def alert_list(limit: Annotated[int, typer.Option(min=1, max=1000, help="How many.")] = 20) -> None:
    """Print the latest public alerts."""

    def work(db: Database, settings: Settings) -> list[str]:
        with db.read() as session:
            return [
                f"{a.sent_at.isoformat(timespec='seconds')} {a.category:<15} {a.recipients:>7} msgs  "
                f"{a.area_desc[:30]:<30} {a.headline}  {a.id}"
                for a in public_alerts.list_alerts(session, limit=limit)
            ]

    for line in _run(work):
        typer.echo(line)


@tips.command("list")
def tips_list(
    status: Annotated[str | None, typer.Option(help="received, reviewing, referred or closed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many.")] = 50,
) -> None:
    """Print the tip queue, newest first (anonymous tips show no reporter)."""

    def work(db: Database, settings: Settings) -> list[str]:
        with db.read() as session:
            items, _total = tip_service.triage_queue(session, status=status, limit=limit, offset=0)
            return [
                f"{t.reference} {t.submitted_at.isoformat(timespec='seconds')} {t.status:<9} {t.category:<15} "
                f"{'anonymous' if t.anonymous else (t.reporter or '?'):<20} {t.description[:50]!r}"
                for t in items
            ]

    for line in _run(work):
        typer.echo(line)
