"""Hotlist file imports and the scheduled refresh: parse a whole file (a bad line raises ``ImportFailed`` naming
``file:line`` before anything changes), then replace a list's entries atomically in the caller's transaction.

Identical lines become one entry (a plate listed three times the same way would otherwise raise three alerts for
one read); the result says how many lines were ``merged``. A list tolerating differing characters (k >= 1) refuses a
file that would make it large, or that is an NCIC/CLEW extract, unless the list explicitly allows it
(``hotlists.tolerance``). Entries identical to a stored one keep their row (and id); the others are deleted and
bulk-inserted, so the list in force stays in force until the new one commits, and matches and open alerts pointing
at unchanged entries survive a daily re-import. A file is refreshed when its sha256 differs from the one recorded in
the list's last ``hotlist.import`` (or ``hotlist.refresh_failed``) audit entry.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import ImportFailed, NotFound
from rtcc.core.plates import ocr_class
from rtcc.hotlists import parsers, repository
from rtcc.hotlists.changes import actor_name, audit_change, bump, load_hotlist, publish_changed
from rtcc.hotlists.guards import tolerance_refusal
from rtcc.hotlists.logic import entry_fingerprint, extra_json
from rtcc.hotlists.parsers import ParsedEntry
from rtcc.hotlists.repository import EntryValues
from rtcc.hotlists.schemas import (
    ImportResult,
    RefreshOutcome,
)
from rtcc.identity.logic import SYSTEM, Principal

logger = logging.getLogger(__name__)

#: Audit actions that record which file (by sha256) a list was last loaded from, or failed to load from.
FILE_ACTIONS = ("hotlist.import", "hotlist.refresh_failed")
#: What the refresh records as the digest of a file it could not read (so a missing file is audited once).
UNREADABLE = "unreadable"
_AUDIT_PAGE = 500


def _entry_values(entry: ParsedEntry) -> EntryValues:
    """An entry's column values in ``repository.ENTRY_VALUES`` order; its own category goes into ``extra``."""
    extra = dict(entry.extra)
    if entry.category:
        extra["category"] = entry.category
    return (
        entry.plate,
        entry.plate_norm,
        ocr_class(entry.plate_norm),
        entry.region,
        entry.reason,
        entry.case_number,
        entry.expires_at,
        entry.vehicle_make,
        entry.vehicle_model,
        entry.vehicle_color,
        entry.vehicle_type,
        entry.vehicle_year,
        extra_json(extra),
    )


def _values_fingerprint(v: EntryValues) -> bytes:
    # ENTRY_VALUES minus the derived plate_norm and plate_ocr, in FINGERPRINT_COLUMNS order.
    return entry_fingerprint(v[0], *v[3:])


def _row_fingerprint(row: Any) -> bytes:
    # FINGERPRINT_COLUMNS minus the id.
    return entry_fingerprint(*row[1:])


def import_entries(
    session: Session,
    bus: Bus,
    hotlist_id: uuid.UUID,
    entries: Sequence[ParsedEntry],
    *,
    actor: Principal,
    fmt: str,
    source_name: str,
    sha256: str | None = None,
    path: str | None = None,
    started: float | None = None,
    forced: bool = False,
) -> ImportResult:
    """Replace a list's entries with ``entries`` in the caller's transaction (audited ``hotlist.import``).

    Identical lines become one entry. Entries identical to a stored one keep their rows; the others are deleted and
    bulk-inserted. The version is bumped and ``hotlists.changed`` published only when something changed. Nothing is
    visible to others before commit. ``ImportFailed`` when the list's tolerance does not suit the new entries.
    """
    t0 = started if started is not None else time.perf_counter()
    unique: dict[bytes, EntryValues] = {}
    for v in map(_entry_values, entries):
        unique.setdefault(_values_fingerprint(v), v)
    merged = len(entries) - len(unique)
    hotlist = load_hotlist(session, hotlist_id, lock=True)
    refusal = tolerance_refusal(
        max_diff=hotlist.max_diff,
        allow_large_fuzzy=hotlist.allow_large_fuzzy,
        entries=len(unique),
        formats=[fmt, hotlist.refresh_format],
        plates=lambda: [v[1] for v in unique.values()],
    )
    if refusal is not None:
        raise ImportFailed(f"{source_name}: list {hotlist.name!r}: {refusal}")
    now = utcnow()
    existing: dict[bytes, list[int]] = {}
    previous = 0
    for row in repository.iter_fingerprint_rows(session, hotlist.id):
        existing.setdefault(_row_fingerprint(row), []).append(row[0])
        previous += 1
    values: Iterable[EntryValues] = unique.values()
    unchanged = 0
    if previous:
        to_insert: list[EntryValues] = []
        for fingerprint, v in unique.items():
            ids = existing.get(fingerprint)
            if ids:
                ids.pop()
                unchanged += 1
            else:
                to_insert.append(v)
        values = to_insert
    unique = {}
    if previous and not unchanged:
        removed = repository.delete_all_entries(session, hotlist.id)
    else:
        stale = [entry_id for ids in existing.values() for entry_id in ids]
        removed = repository.delete_entries(session, hotlist.id, stale) if stale else 0
    existing.clear()
    # Inserting in plate order appends to the plate index instead of splitting random pages: a third faster.
    ordered = sorted(values, key=itemgetter(1))
    added = repository.bulk_insert_entries(session, hotlist.id, actor_name(actor), now, ordered)
    changed = bool(added or removed)
    hotlist.entry_count = previous - removed + added
    hotlist.last_imported_at = now
    hotlist.updated_at = now
    if changed:
        bump(hotlist, now)
    session.flush()
    duration = round(time.perf_counter() - t0, 3)
    details: dict[str, Any] = {
        "file": source_name,
        "format": fmt,
        "sha256": sha256,
        "entries": hotlist.entry_count,
        "replaced": previous,
        "added": added,
        "removed": removed,
        "unchanged": unchanged,
        "merged": merged,
        "duration_s": duration,
    }
    if forced:
        details["forced"] = True
    if path is not None:
        details["path"] = path
    audit_change(session, actor, "hotlist.import", hotlist.id, details)
    if changed:
        publish_changed(session, bus, "import", hotlist)
    logger.info(
        "hotlist %s: imported %s (%s): %d entries, %d added, %d removed, %d unchanged, %d merged, %.2f s",
        hotlist.id,
        source_name,
        fmt,
        hotlist.entry_count,
        added,
        removed,
        unchanged,
        merged,
        duration,
    )
    return ImportResult(
        hotlist_id=hotlist.id,
        format=fmt,
        source_name=source_name,
        entries=hotlist.entry_count,
        replaced=previous,
        added=added,
        removed=removed,
        unchanged=unchanged,
        merged=merged,
        forced=forced,
        version=hotlist.version,
        sha256=sha256,
        duration_s=duration,
    )


def import_bytes(
    session: Session,
    bus: Bus,
    hotlist_id: uuid.UUID,
    data: bytes,
    *,
    fmt: str | None,
    name: str,
    actor: Principal,
    path: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Parse a whole file held in memory (format detected when ``fmt`` is None), then import it atomically.

    Parsing happens before the session is first used, so no database lock is held meanwhile; a bad line raises
    ``ImportFailed`` ("name:line: reason") and nothing changes. ``force`` accepts a CLEW file whose trailer count
    disagrees with its records (audited as forced).
    """
    t0 = time.perf_counter()
    used = fmt or parsers.sniff_format(data, name)
    entries = parsers.parse_bytes(data, used, name, force=force)
    digest = hashlib.sha256(data).hexdigest()
    return import_entries(
        session,
        bus,
        hotlist_id,
        entries,
        actor=actor,
        fmt=used,
        source_name=name,
        sha256=digest,
        path=path,
        started=t0,
        forced=force,
    )


def import_file(
    session: Session,
    bus: Bus,
    hotlist_id: uuid.UUID,
    path: Path,
    fmt: str | None = None,
    *,
    actor: Principal,
    force: bool = False,
) -> ImportResult:
    """Read, parse and import a hotlist file (CSV, NCIC fixed width or CLEW ``.tbl``) atomically."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror or exc}") from exc
    return import_bytes(
        session, bus, hotlist_id, data, fmt=fmt, name=path.name, actor=actor, path=str(path), force=force
    )


# --- scheduled refresh -----------------------------------------------------------------------------------------------


def last_file_digests(session: Session, hotlist_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """For each list, the sha256 of the file it was last imported from or last failed to refresh from.

    Read from the audit log (``hotlist.import`` / ``hotlist.refresh_failed`` details), newest first; a list never
    imported is absent.
    """
    wanted = {str(h): h for h in hotlist_ids}
    found: dict[uuid.UUID, str | None] = {}
    before: int | None = None
    while wanted:
        page = audit.search(session, action="hotlist.", before_seq=before, limit=_AUDIT_PAGE)
        if not page:
            break
        for entry in page:
            if entry.action in FILE_ACTIONS and entry.target_id in wanted:
                found[wanted.pop(entry.target_id)] = (entry.details or {}).get("sha256")
        before = page[-1].seq
    return found


def record_refresh_failure(
    session: Session, hotlist_id: uuid.UUID, *, path: str, sha256: str | None, error: str, actor: Principal
) -> None:
    """Audit a refresh that could not load a list's file (``hotlist.refresh_failed``); the list is unchanged."""
    audit_change(session, actor, "hotlist.refresh_failed", hotlist_id, {"path": path, "sha256": sha256, "error": error})


def refresh_due(db: Database, bus: Bus, *, actor: Principal = SYSTEM) -> RefreshOutcome:
    """Re-import every active list whose ``refresh_path`` file changed since it was last loaded.

    "Changed" means the file's sha256 differs from the one recorded by the list's latest import or failed refresh
    (so an unchanged file, even one touched, is not re-imported, and a broken file is reported once, not every
    pass). Each list is its own unit of work, so one broken or huge file neither blocks nor undoes the others;
    a failure leaves the list in force, is logged, and is audited as ``hotlist.refresh_failed`` with file:line.
    Unlike other use cases this one owns its transactions (one per list), which is why it takes the ``Database``.
    """
    with db.read() as session:
        targets = [(h.id, h.refresh_path or "", h.refresh_format) for h in repository.refreshable_hotlists(session)]
        digests = last_file_digests(session, [t[0] for t in targets])
    outcome = RefreshOutcome()
    for hotlist_id, path_text, fmt in targets:
        path = Path(path_text)
        try:
            data: bytes | None = path.read_bytes()
        except OSError as exc:
            data = None
            unreadable = f"{path.name}: cannot read the file: {exc.strerror or exc}"
        digest = hashlib.sha256(data).hexdigest() if data is not None else UNREADABLE
        if digests.get(hotlist_id) == digest:
            if data is None:
                logger.warning("hotlist %s: refresh file %s is still unreadable", hotlist_id, path)
            outcome.unchanged.append(hotlist_id)
            continue
        try:
            if data is None:
                raise ImportFailed(unreadable)
            with db.uow() as session:
                result = import_bytes(
                    session, bus, hotlist_id, data, fmt=fmt, name=path.name, actor=actor, path=path_text
                )
            outcome.imported.append(result)
        except (ImportFailed, NotFound) as exc:
            logger.warning("hotlist %s: refresh from %s failed; the list in force stays: %s", hotlist_id, path, exc)
            with db.uow() as session:
                record_refresh_failure(
                    session, hotlist_id, path=path_text, sha256=digest, error=exc.detail, actor=actor
                )
            outcome.failed[hotlist_id] = exc.detail
        except Exception:
            logger.exception("hotlist %s: refresh from %s crashed; the list in force stays", hotlist_id, path)
            outcome.failed[hotlist_id] = "unexpected error; see the server log"
    return outcome


# --- skip list -------------------------------------------------------------------------------------------------------
