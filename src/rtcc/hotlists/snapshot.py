"""The matcher's view of the hotlists: the snapshot it indexes, the token that says when to rebuild it, and the
details of the entries a read matched.

``active_snapshot`` holds every active list's entries not expired at a moment, column by column, and the skip list.
``snapshot_version`` is a token over every list's (id, version, active), the skip list and the earliest future
expiry of an active entry: it changes on every change, and also the moment an entry expires, so a matcher that polls
it never keeps matching an expired entry (``HotlistSnapshot.valid_until`` tells it the same without a query).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.hotlists import repository
from rtcc.hotlists.entries import entry_fields
from rtcc.hotlists.schemas import EntryDetail, HotlistSnapshot, ListInfo

logger = logging.getLogger(__name__)


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
        out[entry.id] = EntryDetail(**entry_fields(entry, list_category))
    return out
