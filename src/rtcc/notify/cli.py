"""``rtcc notify`` commands: run and inspect the notification outbox (``rtcc notify outbox run|status``). Each
command builds the runtime from ``RTCC_*`` settings, runs its units of work, and stops."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from rtcc.commands import run_command
from rtcc.notify import delivery, service
from rtcc.runtime import Runtime

notify = typer.Typer(
    no_args_is_help=True, help="Notifications to people: the outbox of inbox, e-mail and SMS messages."
)
outbox = typer.Typer(no_args_is_help=True, help="The notification outbox.")
notify.add_typer(outbox, name="outbox")


@outbox.command("run")
def outbox_run(
    max_passes: Annotated[int, typer.Option(min=1, help="Stop after this many passes.")] = 1000,
) -> None:
    """Deliver due messages through the configured channels until none is due; print the counts (``not_sent``:
    messages of an unconfigured channel, e.g. SMS without a provider, marked with the reason they stay unsent)."""

    def work(rt: Runtime) -> dict[str, int]:
        channels = delivery.senders(rt.settings)
        worker = delivery.worker_name()
        totals = {"passes": 0, "claimed": 0, "sent": 0, "failed": 0, "dead": 0, "released": 0, "not_sent": 0}
        for _ in range(max_passes):
            result = delivery.deliver_settings_pass(rt.db, rt.settings, channels, worker)
            totals["not_sent"] += result.not_sent
            if result.claimed == 0:
                break
            totals["passes"] += 1
            for key in ("claimed", "sent", "failed", "dead", "released"):
                totals[key] += getattr(result, key)
        return totals

    typer.echo(json.dumps(run_command(work, bus=False)))


@outbox.command("status")
def outbox_status() -> None:
    """Print outbox rows per status and channel (JSON)."""

    def work(rt: Runtime) -> str:
        with rt.db.read() as session:
            return service.outbox_status(session).model_dump_json()

    typer.echo(run_command(work, bus=False))
