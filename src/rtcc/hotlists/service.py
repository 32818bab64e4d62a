"""Hotlist use cases: lists, single entries, the skip list, and the snapshot the matcher indexes. File imports and
the scheduled refresh live in ``hotlists.imports``; the checks a change must pass (a tolerance that suits the list,
no identical entry twice) and the tolerance cost report in ``hotlists.guards``.

Every change is audited in the caller's transaction and bumps the list's ``version``; a ``hotlists.changed`` event
is published after commit. An import parses the whole file first (a bad line raises ``ImportFailed`` naming
``file:line`` before anything is touched), then replaces the list's entries inside the caller's transaction: entries
identical to a stored one keep their row (and id), the rest are deleted and bulk-inserted, so the list in force
stays in force until the new one commits, and matches and open alerts pointing at unchanged entries survive a daily
re-import. ``snapshot_version`` is a token over every list's (id, version, active), the skip list and the earliest
future expiry of an active entry: it changes on every change, and also the moment an entry expires, so a matcher
that polls it never keeps matching an expired entry (``HotlistSnapshot.valid_until`` tells it the same without a
query).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.bus.outbox import publish_after_commit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.core.plates import MAX_PLATE_LEN, is_plausible, normalise, ocr_class
from rtcc.hotlists import guards, repository
from rtcc.hotlists.events import HotlistsChanged
from rtcc.hotlists.logic import normalise_region
from rtcc.hotlists.models import Hotlist, HotlistEntry, SkipEntry
from rtcc.hotlists.schemas import (
    EntryCreate,
    EntryDetail,
    EntryPage,
    EntryRead,
    HotlistCreate,
    HotlistPage,
    HotlistRead,
    HotlistSnapshot,
    HotlistUpdate,
    ListInfo,
    SkipCreate,
)
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: Event published after every committed change of a list, its entries or the skip list.


# --- helpers ---------------------------------------------------------------------------------------------------------


def _actor_name(actor: Principal) -> str:
    return actor.audit_name[:64]


def _audit(
    session: Session,
    actor: Principal,
    action: str,
    target_id: object,
    details: dict[str, Any],
    *,
    target_type: str = "hotlist",
) -> None:
    audit.record_for(
        session,
        actor,
        action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )


def _publish_changed(session: Session, bus: Bus, change: str, hotlist: Hotlist | None = None) -> None:
    event = HotlistsChanged(
        change=change,
        hotlist_id=hotlist.id if hotlist is not None else None,
        version=hotlist.version if hotlist is not None else None,
    )
    publish_after_commit(session, bus, event.envelope())


def _bump(hotlist: Hotlist, now: datetime) -> None:
    hotlist.version = (hotlist.version or 0) + 1
    hotlist.updated_at = now


def _load(session: Session, hotlist_id: uuid.UUID, *, lock: bool = False) -> Hotlist:
    hotlist = repository.get_hotlist(session, hotlist_id, for_update=lock)
    if hotlist is None:
        raise NotFound(f"no hotlist {hotlist_id}")
    return hotlist


def _plate_norm(plate: str, field: str = "plate") -> str:
    norm = normalise(plate)
    if not is_plausible(norm):
        raise invalid(field, f"a plate needs 2 to {MAX_PLATE_LEN} letters or digits")
    return norm


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


def _entry_fields(entry: HotlistEntry, list_category: str) -> dict[str, Any]:
    """The fields every view of an entry shares; its category is the one its source line gave, else the list's."""
    return {
        "id": entry.id,
        "hotlist_id": entry.hotlist_id,
        "plate": entry.plate,
        "plate_norm": entry.plate_norm,
        "region": entry.region,
        "category": str((entry.extra or {}).get("category") or list_category),
        "reason": entry.reason,
        "case_number": entry.case_number,
        "expires_at": entry.expires_at,
        "vehicle_make": entry.vehicle_make,
        "vehicle_model": entry.vehicle_model,
        "vehicle_color": entry.vehicle_color,
        "vehicle_type": entry.vehicle_type,
        "vehicle_year": entry.vehicle_year,
    }


def entry_read(entry: HotlistEntry, list_category: str) -> EntryRead:
    """The API view of an entry."""
    return EntryRead(
        **_entry_fields(entry, list_category),
        added_by=entry.added_by,
        added_at=entry.added_at,
        extra=entry.extra or {},
    )


# --- lists -----------------------------------------------------------------------------------------------------------


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
        owner=data.owner or _actor_name(actor),
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
    _audit(
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
    _publish_changed(session, bus, "create", hotlist)
    logger.info("hotlist %s created (%s)", hotlist.id, hotlist.category)
    return hotlist


def get_hotlist(session: Session, hotlist_id: uuid.UUID) -> Hotlist:
    """The list with this id; NotFound otherwise."""
    return _load(session, hotlist_id)


def find_hotlist(session: Session, ref: str) -> Hotlist:
    """The list named ``ref``, or whose id is ``ref``; NotFound otherwise."""
    hotlist = repository.hotlist_by_name(session, ref)
    if hotlist is not None:
        return hotlist
    try:
        hotlist_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound(f"no hotlist named {ref!r}") from None
    return _load(session, hotlist_id)


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
    hotlist = _load(session, hotlist_id, lock=True)
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
    _bump(hotlist, utcnow())
    action = "hotlist.update"
    if set(changes) == {"active"}:
        action = "hotlist.reactivate" if hotlist.active else "hotlist.deactivate"
    _audit(session, actor, action, hotlist.id, {"name": hotlist.name, "changes": changes})
    _publish_changed(session, bus, action.removeprefix("hotlist."), hotlist)
    return hotlist


def deactivate_hotlist(session: Session, bus: Bus, hotlist_id: uuid.UUID, *, actor: Principal) -> Hotlist:
    """Take a list out of matching; its entries are kept (audited as ``hotlist.deactivate``)."""
    return update_hotlist(session, bus, hotlist_id, HotlistUpdate(active=False), actor=actor)


# --- single entries --------------------------------------------------------------------------------------------------


def add_entry(session: Session, bus: Bus, hotlist_id: uuid.UUID, data: EntryCreate, *, actor: Principal) -> EntryRead:
    """Add one plate to a list by hand (audited; bumps the version)."""
    plate_norm = _plate_norm(data.plate)
    try:
        region = normalise_region(data.region) if data.region and data.region.strip() else None
    except ValueError as exc:
        raise invalid("region", str(exc)) from None
    hotlist = _load(session, hotlist_id, lock=True)
    now = utcnow()
    entry = HotlistEntry(
        hotlist_id=hotlist.id,
        plate=data.plate.strip(),
        plate_norm=plate_norm,
        plate_ocr=ocr_class(plate_norm),
        region=region,
        reason=data.reason,
        case_number=data.case_number,
        added_by=_actor_name(actor),
        added_at=now,
        expires_at=data.expires_at.astimezone(UTC) if data.expires_at else None,
        vehicle_make=data.vehicle_make,
        vehicle_model=data.vehicle_model,
        vehicle_color=data.vehicle_color,
        vehicle_type=data.vehicle_type,
        vehicle_year=data.vehicle_year,
        extra={"category": data.category.value} if data.category else {},
    )
    twin = guards.identical_entry(session, entry)
    if twin is not None:
        raise Conflict(f"entry {twin} on this list is identical (same plate, state, reason, case and vehicle)")
    guards.check_tolerance(
        session,
        hotlist,
        max_diff=hotlist.max_diff,
        allow_large_fuzzy=hotlist.allow_large_fuzzy,
        entries=(hotlist.entry_count or 0) + 1,
        formats=[hotlist.refresh_format],
    )
    session.add(entry)
    hotlist.entry_count = (hotlist.entry_count or 0) + 1
    _bump(hotlist, now)
    session.flush()
    _audit(
        session,
        actor,
        "hotlist.entry_add",
        hotlist.id,
        {"entry_id": entry.id, "plate": entry.plate_norm, "region": region, "case_number": entry.case_number},
    )
    _publish_changed(session, bus, "entry_add", hotlist)
    return entry_read(entry, hotlist.category)


def remove_entry(session: Session, bus: Bus, hotlist_id: uuid.UUID, entry_id: int, *, actor: Principal) -> None:
    """Remove one entry from a list (audited; bumps the version)."""
    hotlist = _load(session, hotlist_id, lock=True)
    entry = repository.get_entry(session, hotlist.id, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id} on hotlist {hotlist_id}")
    details = {
        "entry_id": entry.id,
        "plate": entry.plate_norm,
        "region": entry.region,
        "case_number": entry.case_number,
    }
    session.delete(entry)
    hotlist.entry_count = max((hotlist.entry_count or 0) - 1, 0)
    _bump(hotlist, utcnow())
    session.flush()
    _audit(session, actor, "hotlist.entry_remove", hotlist.id, details)
    _publish_changed(session, bus, "entry_remove", hotlist)


def list_entries(
    session: Session, hotlist_id: uuid.UUID, *, plate: str | None = None, limit: int = 100, offset: int = 0
) -> EntryPage:
    """A page of a list's entries by plate; ``plate`` keeps those whose normalised plate starts with it."""
    hotlist = _load(session, hotlist_id)
    prefix = normalise(plate) if plate else None
    rows, total = repository.entries_page(session, hotlist.id, plate_prefix=prefix, limit=limit, offset=offset)
    return EntryPage(items=[entry_read(e, hotlist.category) for e in rows], total=total, limit=limit, offset=offset)


# --- skip list -------------------------------------------------------------------------------------------------------


def add_skip(session: Session, bus: Bus, data: SkipCreate, *, actor: Principal) -> SkipEntry:
    """Put a plate text on the skip list: reads of it are never matched (audited)."""
    plate_norm = normalise(data.plate)
    if not plate_norm:
        raise invalid("plate", "the plate has no letters or digits")
    if repository.skip_entry(session, plate_norm) is not None:
        raise Conflict(f"{plate_norm} is already on the skip list")
    entry = SkipEntry(plate_norm=plate_norm, reason=data.reason, added_by=_actor_name(actor), added_at=utcnow())
    session.add(entry)
    session.flush()
    _audit(
        session,
        actor,
        "hotlist.skip_add",
        entry.id,
        {"plate": plate_norm, "reason": data.reason},
        target_type="hotlist_skip",
    )
    _publish_changed(session, bus, "skip_add")
    return entry


def remove_skip(session: Session, bus: Bus, plate: str, *, actor: Principal) -> None:
    """Take a plate text off the skip list (audited)."""
    plate_norm = normalise(plate)
    entry = repository.skip_entry(session, plate_norm)
    if entry is None:
        raise NotFound(f"{plate_norm or plate!r} is not on the skip list")
    details = {"plate": plate_norm, "reason": entry.reason}
    entry_id = entry.id
    session.delete(entry)
    session.flush()
    _audit(session, actor, "hotlist.skip_remove", entry_id, details, target_type="hotlist_skip")
    _publish_changed(session, bus, "skip_remove")


def list_skip(session: Session) -> list[SkipEntry]:
    """The skip list, by plate."""
    return repository.skip_entries(session)


def skip_plates(session: Session) -> set[str]:
    """Normalised plates that are never matched."""
    return set(repository.skip_plate_values(session))


# --- the matcher's view ----------------------------------------------------------------------------------------------


def _version(session: Session, now: datetime) -> tuple[str, datetime | None, list[str]]:
    """(version token, earliest future expiry, skip plates) as of ``now``."""
    h = hashlib.blake2b(digest_size=12)
    for hotlist_id, version, active in sorted(repository.list_versions(session), key=lambda r: str(r[0])):
        h.update(f"{hotlist_id}:{version}:{int(bool(active))};".encode())
    skip = repository.skip_plate_values(session)
    h.update(b"|skip|")
    for plate in skip:
        h.update(plate.encode() + b";")
    next_expiry = repository.next_expiry(session, now)
    expiry = next_expiry.astimezone(UTC).isoformat() if next_expiry is not None else "-"
    return f"{h.hexdigest()}@{expiry}", next_expiry, skip


def snapshot_version(session: Session, *, now: datetime | None = None) -> str:
    """A token that changes whenever any list, entry or the skip list changes, or an active entry expires."""
    return _version(session, now or utcnow())[0]


def active_snapshot(session: Session, *, now: datetime | None = None) -> HotlistSnapshot:
    """Everything the matcher indexes: active lists' entries not expired at ``now``, column by column."""
    now = now or utcnow()
    version, valid_until, skip = _version(session, now)  # first: a change committed meanwhile makes it stale
    lists: dict[uuid.UUID, ListInfo] = {}
    entry_ids: list[int] = []
    hotlist_ids: list[uuid.UUID] = []
    plates: list[str] = []
    regions: list[str | None] = []
    for h in repository.active_hotlists(session):
        lists[h.id] = ListInfo(
            id=h.id,
            name=h.name,
            source=h.source,
            category=h.category,
            priority=h.priority,
            max_diff=h.max_diff,
            require_state=h.require_state,
            version=h.version,
        )
        ids, list_plates, list_regions = repository.live_entry_columns(session, h.id, now)
        entry_ids.extend(ids)
        plates.extend(list_plates)
        regions.extend(list_regions)
        hotlist_ids.extend([h.id] * len(ids))
    logger.debug("hotlist snapshot %s: %d lists, %d entries", version, len(lists), len(entry_ids))
    return HotlistSnapshot(
        version=version,
        taken_at=now,
        valid_until=valid_until,
        lists=lists,
        entry_ids=entry_ids,
        hotlist_ids=hotlist_ids,
        plates_norm=plates,
        regions=regions,
        skip_plates=frozenset(skip),
    )


def entry_details(session: Session, entry_ids: Sequence[int]) -> dict[int, EntryDetail]:
    """Plate, region, reason, case number and vehicle of the given entries (those that still exist), by id."""
    out: dict[int, EntryDetail] = {}
    for entry, list_category in repository.entry_detail_rows(session, list(dict.fromkeys(entry_ids))):
        out[entry.id] = EntryDetail(**_entry_fields(entry, list_category))
    return out
