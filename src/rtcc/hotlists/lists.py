"""Hotlists themselves: create a list, find it by name or id, page through the lists, change its settings, take it
out of matching (or back in). Its entries are managed in ``hotlists.entries`` (by hand) and ``hotlists.imports``
(files, the scheduled refresh).

A list tolerating differing characters (tolerance 1 or 2) on a large or NCIC/CLEW-fed list needs
``allow_large_fuzzy`` (``hotlists.guards``, ``hotlists.tolerance``). A list's refresh file given through the API must
lie inside the data directory: the server reads it on a schedule. Every change is audited, bumps the list's
``version`` and publishes ``hotlists.changed`` after commit (``hotlists.changes``).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.hotlists import guards, repository
from rtcc.hotlists.changes import actor_name, audit_change, bump, load_hotlist, publish_changed
from rtcc.hotlists.models import Hotlist
from rtcc.hotlists.schemas import HotlistCreate, HotlistPage, HotlistRead, HotlistUpdate
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)


def _refresh_path(value: str | None, root: Path | None) -> str | None:
    """The absolute refresh path to store; with ``root`` (API callers) it must lie inside that directory.

    Relative paths are taken relative to ``root`` (or the working directory). The server reads this file on a
    schedule and reports its bad lines, so remote users must not be able to point it anywhere on the machine.
    """
    if value is None or not value.strip():
        return None
    path = Path(value.strip())
    if root is not None:
        base = root.resolve()
        resolved = (base / path).resolve()
        if not resolved.is_relative_to(base):
            raise invalid("refresh_path", f"must be a file inside the data directory {base}")
        return str(resolved)
    return str(path.resolve())


def create_hotlist(
    session: Session, bus: Bus, data: HotlistCreate, *, actor: Principal, refresh_root: Path | None = None
) -> Hotlist:
    """Create an empty, active list (audited); ``refresh_root`` confines its refresh file to a directory."""
    refresh_path = _refresh_path(data.refresh_path, refresh_root)
    if repository.hotlist_by_name(session, data.name) is not None:
        raise Conflict(f"a hotlist named {data.name!r} exists")
    allow_large = data.allow_large_fuzzy and data.max_diff > 0
    guards.check_tolerance(
        session,
        None,
        max_diff=data.max_diff,
        allow_large_fuzzy=allow_large,
        entries=0,
        formats=[data.refresh_format],
    )
    now = utcnow()
    hotlist = Hotlist(
        name=data.name,
        source=data.source,
        category=data.category.value,
        priority=data.priority,
        owner=data.owner or actor_name(actor),
        max_diff=data.max_diff,
        allow_large_fuzzy=allow_large,
        require_state=data.require_state,
        active=True,
        refresh_path=refresh_path,
        refresh_format=data.refresh_format,
        last_imported_at=None,
        entry_count=0,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(hotlist)
    session.flush()
    audit_change(
        session,
        actor,
        "hotlist.create",
        hotlist.id,
        {
            "name": hotlist.name,
            "source": hotlist.source,
            "category": hotlist.category,
            "priority": hotlist.priority,
            "owner": hotlist.owner,
            "max_diff": hotlist.max_diff,
            "allow_large_fuzzy": hotlist.allow_large_fuzzy,
            "require_state": hotlist.require_state,
            "refresh_path": hotlist.refresh_path,
        },
    )
    publish_changed(session, bus, "create", hotlist)
    logger.info("hotlist %s created (%s)", hotlist.id, hotlist.category)
    return hotlist


def get_hotlist(session: Session, hotlist_id: uuid.UUID) -> Hotlist:
    """The list with this id; NotFound otherwise."""
    return load_hotlist(session, hotlist_id)


def find_hotlist(session: Session, ref: str) -> Hotlist:
    """The list named ``ref``, or whose id is ``ref``; NotFound otherwise."""
    hotlist = repository.hotlist_by_name(session, ref)
    if hotlist is not None:
        return hotlist
    try:
        hotlist_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound(f"no hotlist named {ref!r}") from None
    return load_hotlist(session, hotlist_id)


def list_hotlists(
    session: Session, *, active: bool | None = None, limit: int | None = None, offset: int = 0
) -> list[Hotlist]:
    """Lists by priority and name, optionally only active (or inactive) ones."""
    return repository.list_hotlists(session, active=active, limit=limit, offset=offset)


def hotlist_page(session: Session, *, active: bool | None = None, limit: int = 100, offset: int = 0) -> HotlistPage:
    """One page of lists by priority and name, with the total."""
    rows = repository.list_hotlists(session, active=active, limit=limit, offset=offset)
    return HotlistPage(
        items=[HotlistRead.model_validate(h) for h in rows],
        total=repository.count_hotlists(session, active=active),
        limit=limit,
        offset=offset,
    )


def update_hotlist(
    session: Session,
    bus: Bus,
    hotlist_id: uuid.UUID,
    data: HotlistUpdate,
    *,
    actor: Principal,
    refresh_root: Path | None = None,
) -> Hotlist:
    """Change a list's settings or take it out of (or back into) matching (audited; bumps the version).

    Tolerance 1 or 2 on a large or NCIC/CLEW-fed list needs ``allow_large_fuzzy`` (``hotlists.tolerance``); setting
    tolerance 0 clears that choice.
    """
    hotlist = load_hotlist(session, hotlist_id, lock=True)
    wanted = data.model_dump(exclude_unset=True)
    if wanted.get("max_diff", hotlist.max_diff) == 0:  # the choice belongs to a tolerance; none at 0
        wanted["allow_large_fuzzy"] = False
    changes: dict[str, list[Any]] = {}
    for field, value in wanted.items():
        if value is None and field not in ("refresh_path", "refresh_format"):
            continue  # an explicit null for a required field means "leave it"
        if field == "category" and value is not None:
            value = str(value)
        if field == "refresh_path":
            value = _refresh_path(value, refresh_root)
        old = getattr(hotlist, field)
        if old != value:
            changes[field] = [old, value]
    if not changes:
        return hotlist
    if changes.keys() & {"max_diff", "allow_large_fuzzy", "refresh_format"}:

        def after(field: str) -> Any:
            return changes[field][1] if field in changes else getattr(hotlist, field)

        guards.check_tolerance(
            session,
            hotlist,
            max_diff=after("max_diff"),
            allow_large_fuzzy=after("allow_large_fuzzy"),
            entries=hotlist.entry_count or 0,
            formats=[after("refresh_format"), guards.last_import_format(session, hotlist.id)],
        )
    if "name" in changes:
        other = repository.hotlist_by_name(session, changes["name"][1])
        if other is not None and other.id != hotlist.id:
            raise Conflict(f"a hotlist named {changes['name'][1]!r} exists")
    for field, (_old, new) in changes.items():
        setattr(hotlist, field, new)
    bump(hotlist, utcnow())
    action = "hotlist.update"
    if set(changes) == {"active"}:
        action = "hotlist.reactivate" if hotlist.active else "hotlist.deactivate"
    audit_change(session, actor, action, hotlist.id, {"name": hotlist.name, "changes": changes})
    publish_changed(session, bus, action.removeprefix("hotlist."), hotlist)
    return hotlist


def deactivate_hotlist(session: Session, bus: Bus, hotlist_id: uuid.UUID, *, actor: Principal) -> Hotlist:
    """Take a list out of matching; its entries are kept (audited as ``hotlist.deactivate``)."""
    return update_hotlist(session, bus, hotlist_id, HotlistUpdate(active=False), actor=actor)
