"""Single hotlist entries: add a plate to a list by hand, remove one, page through a list's entries, and the API
view of an entry (its category is the one its source line gave, else the list's).

An entry identical to one already on the list (same plate, state, reason, case and vehicle) is refused, and so is
one that would make a list tolerating differing characters too large for that tolerance (``hotlists.guards``). Every
change is audited, bumps the list's ``version`` and publishes ``hotlists.changed`` after commit
(``hotlists.changes``). Whole files are loaded by ``hotlists.imports``.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit.service import Actor
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.core.plates import MAX_PLATE_LEN, is_plausible, normalise, ocr_class
from rtcc.governance import access
from rtcc.hotlists import guards, repository
from rtcc.hotlists.changes import actor_name, audit_change, bump, load_hotlist, publish_changed
from rtcc.hotlists.logic import normalise_region
from rtcc.hotlists.models import HotlistEntry
from rtcc.hotlists.schemas import EntryCreate, EntryPage, EntryRead
from rtcc.identity.logic import Principal


def _plate_norm(plate: str, field: str = "plate") -> str:
    norm = normalise(plate)
    if not is_plausible(norm):
        raise invalid(field, f"a plate needs 2 to {MAX_PLATE_LEN} letters or digits")
    return norm


def entry_fields(entry: HotlistEntry, list_category: str) -> dict[str, Any]:
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
        **entry_fields(entry, list_category),
        added_by=entry.added_by,
        added_at=entry.added_at,
        extra=entry.extra or {},
    )


def add_entry(session: Session, bus: Bus, hotlist_id: uuid.UUID, data: EntryCreate, *, actor: Principal) -> EntryRead:
    """Add one plate to a list by hand (audited; bumps the version)."""
    plate_norm = _plate_norm(data.plate)
    try:
        region = normalise_region(data.region) if data.region and data.region.strip() else None
    except ValueError as exc:
        raise invalid("region", str(exc)) from None
    hotlist = load_hotlist(session, hotlist_id, lock=True)
    now = utcnow()
    entry = HotlistEntry(
        hotlist_id=hotlist.id,
        plate=data.plate.strip(),
        plate_norm=plate_norm,
        plate_ocr=ocr_class(plate_norm),
        region=region,
        reason=data.reason,
        case_number=data.case_number,
        added_by=actor_name(actor),
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
    bump(hotlist, now)
    session.flush()
    audit_change(
        session,
        actor,
        "hotlist.entry_add",
        hotlist.id,
        {"entry_id": entry.id, "plate": entry.plate_norm, "region": region, "case_number": entry.case_number},
    )
    publish_changed(session, bus, "entry_add", hotlist)
    return entry_read(entry, hotlist.category)


def remove_entry(session: Session, bus: Bus, hotlist_id: uuid.UUID, entry_id: int, *, actor: Principal) -> None:
    """Remove one entry from a list (audited; bumps the version)."""
    hotlist = load_hotlist(session, hotlist_id, lock=True)
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
    bump(hotlist, utcnow())
    session.flush()
    audit_change(session, actor, "hotlist.entry_remove", hotlist.id, details)
    publish_changed(session, bus, "entry_remove", hotlist)


def list_entries(
    session: Session,
    hotlist_id: uuid.UUID,
    *,
    actor: Actor,
    purpose: str | None,
    case_number: str | None = None,
    plate: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> EntryPage:
    """A page of a list's entries by plate; ``plate`` keeps those whose normalised plate starts with it. Shown under
    a purpose: one ``alpr.access`` record lists the page's plates (``governance.access``)."""
    declared = access.check(session, purpose=purpose, case_number=case_number)
    hotlist = load_hotlist(session, hotlist_id)
    prefix = normalise(plate) if plate else None
    rows, total = repository.entries_page(session, hotlist.id, plate_prefix=prefix, limit=limit, offset=offset)
    items = [entry_read(e, hotlist.category) for e in rows]
    access.record(
        session,
        actor,
        surface="hotlists.entries",
        purpose=declared,
        case_number=case_number,
        plates=[e.plate_norm for e in items],
        extra={"hotlist_id": str(hotlist.id)},
    )
    return EntryPage(items=items, total=total, limit=limit, offset=offset)
