"""What every change of a hotlist does, in one place: it is audited in the caller's transaction, bumps the list's
``version`` (so a matcher polling ``snapshot.snapshot_version`` rebuilds its index), and publishes ``hotlists.changed``
after commit. Lists, single entries, the skip list and file imports all change hotlists through these helpers; the
checks a change must pass live in ``hotlists.guards``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.bus.outbox import publish_after_commit
from rtcc.core.errors import NotFound
from rtcc.hotlists import repository
from rtcc.hotlists.events import HotlistsChanged
from rtcc.hotlists.models import Hotlist
from rtcc.identity.logic import Principal


def actor_name(actor: Principal) -> str:
    """Who made a change, as stored on a list or entry (``owner``, ``added_by``)."""
    return actor.audit_name[:64]


def audit_change(
    session: Session,
    actor: Principal,
    action: str,
    target_id: object,
    details: dict[str, Any],
    *,
    target_type: str = "hotlist",
) -> None:
    """Record a change in the audit log, in the caller's transaction."""
    audit.record_for(
        session,
        actor,
        action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )


def publish_changed(session: Session, bus: Bus, change: str, hotlist: Hotlist | None = None) -> None:
    """Publish ``hotlists.changed`` after every committed change of a list, its entries or the skip list."""
    event = HotlistsChanged(
        change=change,
        hotlist_id=hotlist.id if hotlist is not None else None,
        version=hotlist.version if hotlist is not None else None,
    )
    publish_after_commit(session, bus, event.envelope())


def bump(hotlist: Hotlist, now: datetime) -> None:
    """A new version of the list (its entries or settings changed)."""
    hotlist.version = (hotlist.version or 0) + 1
    hotlist.updated_at = now


def load_hotlist(session: Session, hotlist_id: uuid.UUID, *, lock: bool = False) -> Hotlist:
    """The list with this id, locked for update with ``lock``; NotFound otherwise."""
    hotlist = repository.get_hotlist(session, hotlist_id, for_update=lock)
    if hotlist is None:
        raise NotFound(f"no hotlist {hotlist_id}")
    return hotlist
