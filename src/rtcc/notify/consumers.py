"""The notify consumer: live alert events (group ``notify``) -> notifiers. Runs in ``rtcc worker notify``."""

from __future__ import annotations

import logging

import anyio

from rtcc.bus.envelope import Envelope
from rtcc.notify.adapters import LogNotifier, Notifier, WebhookNotifier
from rtcc.notify.logic import notification_for
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)


def notifiers_from(urls: list[str]) -> list[Notifier]:
    """The configured channels: always the log, plus one webhook per URL."""
    out: list[Notifier] = [LogNotifier()]
    out.extend(WebhookNotifier(u) for u in urls)
    return out


async def start(runtime: Runtime) -> None:
    """Subscribe to alert events and deliver notifications; a failed delivery raises so the bus retries."""
    notifiers = notifiers_from(runtime.settings.notify_webhook_urls)
    sent: list[str] = []
    runtime.services["notify.sent"] = sent

    def deliver(envelope: Envelope) -> None:
        note = notification_for(envelope.payload, max_priority=runtime.settings.notify_max_priority)
        if note is None:
            return
        for notifier in notifiers:
            notifier.send(note)
        sent.append(note.key)
        del sent[:-1000]

    async def handle(envelope: Envelope) -> None:
        await anyio.to_thread.run_sync(deliver, envelope)

    await runtime.bus.subscribe("live.>", handle, group="notify")


async def stop(runtime: Runtime) -> None:
    """Nothing to release."""
    runtime.services.pop("notify.sent", None)
