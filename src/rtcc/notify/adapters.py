"""Notifier adapters behind one protocol. Adding a channel (SMS, email, a CAD feed) is a new class here.

``WebhookNotifier`` POSTs JSON with an ``Idempotency-Key`` header (the event id), so a receiver can drop a retried
delivery; ``LogNotifier`` writes a line without personal data. Both raise on failure so the bus retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notification:
    """One message about one alert event."""

    key: str  # idempotency key: the live event id
    alert_id: str
    kind: str
    state: str
    priority: int
    title: str
    data: dict[str, Any]


class Notifier(Protocol):
    """A delivery channel."""

    name: str

    def send(self, notification: Notification) -> None:
        """Deliver, or raise to have the event retried."""


class LogNotifier:
    """Writes one log line per notification (no plates or names)."""

    name = "log"

    def send(self, notification: Notification) -> None:
        logger.info(
            "alert %s (%s, priority %d) is %s",
            notification.alert_id,
            notification.kind,
            notification.priority,
            notification.state,
        )


class WebhookNotifier:
    """POSTs the notification as JSON to a configured URL (e.g. a CAD bridge or a paging gateway)."""

    name = "webhook"

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout_s)

    def send(self, notification: Notification) -> None:
        resp = self._client.post(
            self.url,
            json={
                "alert_id": notification.alert_id,
                "kind": notification.kind,
                "state": notification.state,
                "priority": notification.priority,
                "title": notification.title,
                "alert": notification.data,
            },
            headers={"Idempotency-Key": notification.key},
        )
        resp.raise_for_status()
