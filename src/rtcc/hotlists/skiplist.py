"""The hotlist skip list: normalised plate texts whose reads are never matched, whatever list holds them. Adding and
removing are audited and publish ``hotlists.changed`` after commit (``hotlists.changes``); the skip list is part of the
matcher's snapshot and of its version token (``hotlists.snapshot``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.core.plates import normalise
from rtcc.hotlists import repository
from rtcc.hotlists.changes import actor_name, audit_change, publish_changed
from rtcc.hotlists.models import SkipEntry
from rtcc.hotlists.schemas import SkipCreate
from rtcc.identity.logic import Principal


def add_skip(session: Session, bus: Bus, data: SkipCreate, *, actor: Principal) -> SkipEntry:
    """Put a plate text on the skip list: reads of it are never matched (audited)."""
    plate_norm = normalise(data.plate)
    if not plate_norm:
        raise invalid("plate", "the plate has no letters or digits")
    if repository.skip_entry(session, plate_norm) is not None:
        raise Conflict(f"{plate_norm} is already on the skip list")
    entry = SkipEntry(plate_norm=plate_norm, reason=data.reason, added_by=actor_name(actor), added_at=utcnow())
    session.add(entry)
    session.flush()
    audit_change(
        session,
        actor,
        "hotlist.skip_add",
        entry.id,
        {"plate": plate_norm, "reason": data.reason},
        target_type="hotlist_skip",
    )
    publish_changed(session, bus, "skip_add")
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
    audit_change(session, actor, "hotlist.skip_remove", entry_id, details, target_type="hotlist_skip")
    publish_changed(session, bus, "skip_remove")


def list_skip(session: Session) -> list[SkipEntry]:
    """The skip list, by plate."""
    return repository.skip_entries(session)


def skip_plates(session: Session) -> set[str]:
    """Normalised plates that are never matched."""
    return set(repository.skip_plate_values(session))
