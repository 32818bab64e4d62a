"""Pure rule: which live alert events are worth notifying (new high-priority hits, verified hits, offline cameras)."""

from __future__ import annotations

from typing import Any

from rtcc.notify.adapters import Notification


def notification_for(event: dict[str, Any], *, max_priority: int) -> Notification | None:
    """The notification for a live ``alerts``/``cameras`` event payload, or None when it needs none."""
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
