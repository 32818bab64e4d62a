"""Pure rules of the notify domain: which live alert events are worth notifying (new high-priority hits, verified
hits, offline cameras), the outbox's retry back-off, and the one-click unsubscribe link of a message. No I/O."""

from __future__ import annotations

import math
from typing import Any

from rtcc.notify.adapters import Notification


def notification_for(event: dict[str, Any], *, max_priority: int) -> Notification | None:
    """The notification for a live ``alerts``/``cameras`` event payload, or None when it needs none (events of
    other topics, such as the dispatch board's, never notify here)."""
    if event.get("topic") not in ("alerts", "cameras"):
        return None
    data = event.get("data") or {}
    state = str(data.get("state", ""))
    kind = str(data.get("kind", ""))
    priority = int(data.get("priority", 9))
    created = event.get("type") == "alert.created"
    wanted = (
        (kind == "hit" and created and priority <= max_priority)
        or (kind == "hit" and state == "verified")
        or (kind == "camera_offline" and created)
    )
    if not wanted or "id" not in data:
        return None
    return Notification(
        key=str(event.get("id")),
        alert_id=str(data["id"]),
        kind=kind,
        state=state,
        priority=priority,
        title=str(data.get("title", "")),
        data=data,
    )


def retry_delay_s(attempts: int, base_s: float) -> float:
    """Back-off before the next attempt after ``attempts`` failed ones: base * 2^(attempts-1), at most an hour."""
    return float(min(3600.0, base_s * math.pow(2, max(0, attempts - 1))))


def unsubscribe_url(base_url: str, token: str) -> str:
    """The one-click unsubscribe link of a message (served by the community portal, which owns subscriptions)."""
    return f"{base_url.rstrip('/')}/api/v1/community/unsubscribe/{token}"
