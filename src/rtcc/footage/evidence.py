"""Evidence operations that span files and the database, each owning its short units of work: storing a staged
upload atomically, serving a clip, verifying a request, and assembling an evidence package.

File work (re-hashing, copying into a zip) runs outside any transaction, so that a large clip never holds the
database's write lock (SQLite has one writer); the custody, audit and camera-log entries are then written in one
short unit of work. Routes and CLI commands call these; they never run inside a caller's transaction.

An evidence package is a zip holding ``clips/<n>-<sha256><ext>`` (each copied while re-hashed, so the package never
carries a file that no longer matches its recorded hash), ``manifest.json`` (the request; each clip's file name in the
zip, SHA-256, size, type, uploader, upload start and end times, recorded times; who exported it and when) and
``custody_log.json`` (the request's whole custody chain, including this export's entry).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict
from rtcc.footage import clips as clip_records
from rtcc.footage.logic import EXTENSIONS
from rtcc.footage.schemas import ClipCheck, ClipRead, VerifyResult
from rtcc.footage.storage import FootageStore, StagedFile
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
PACKAGE_FORMAT = "openrtcc-evidence-package/1"


def store_upload(
    db: Database,
    store: FootageStore,
    request_id: uuid.UUID,
    staged: StagedFile,
    *,
    actor: Principal,
    filename: str,
    started_at: datetime,
    note: str | None = None,
    recorded_start: datetime | None = None,
    recorded_end: datetime | None = None,
    client_ip: str | None = None,
) -> ClipRead:
    """Record a staged upload and move its file into place in one unit of work. On any failure the staged file is
    removed, and a file that this upload moved into place is removed again (unless a committed clip row refers to
    the same content): no row without its file, no file without its row."""
    created = False
    try:
        with db.uow() as session:
            clip = clip_records.add_clip(
                session,
                request_id,
                staged,
                actor=actor,
                filename=filename,
                started_at=started_at,
                note=note,
                recorded_start=recorded_start,
                recorded_end=recorded_end,
                client_ip=client_ip,
            )
            created = store.commit(staged)  # fsync + atomic rename; the unit of work commits right after
        return clip
    except BaseException:
        store.discard(staged)
        if created:
            _remove_unreferenced(db, store, staged)
        raise


def _remove_unreferenced(db: Database, store: FootageStore, staged: StagedFile) -> None:
    from rtcc.footage import repository  # the check is a plain query; no service rule applies

    try:
        with db.read() as session:
            referenced = repository.hash_referenced(session, staged.sha256)
    except Exception:
        logger.exception("could not check whether clip file %s is referenced; keeping it", staged.key)
        return
    if not referenced:
        store.remove(staged.key)


@dataclass
class Download:
    """A clip to serve: its metadata and the open file (the caller closes it)."""

    clip: ClipRead
    file: BinaryIO


def open_clip(
    db: Database, store: FootageStore, clip_id: uuid.UUID, *, actor: Principal, client_ip: str | None
) -> Download:
    """Re-hash a clip's file, log the access (custody with the hash as served, audit, camera log) and open it; a
    file whose hash changed is logged as a failed verification and refused (409)."""
    with db.read() as session:
        clip = clip_records.clip_for_access(session, clip_id)
        key, expected = clip.storage_key, clip.sha256
    now = store.rehash(key)
    actual = now[0] if now else None
    with db.uow() as session:
        read = clip_records.record_download(session, clip_id, actual_sha256=actual, actor=actor, client_ip=client_ip)
    if actual != expected:
        raise Conflict(
            f"clip {clip_id} failed verification: the stored file "
            + ("is missing" if actual is None else "no longer matches its recorded sha256")
        )
    return Download(read, store.open(key))


def verify(
    db: Database, store: FootageStore, request_id: uuid.UUID, *, actor: Principal, client_ip: str | None = None
) -> VerifyResult:
    """Re-hash every clip of a request and walk its custody chain; the verification itself is logged."""
    with db.read() as session:
        _req, clips = clip_records.request_clips(session, request_id)
        checks = clip_records.check_clips(store, clips)
    with db.uow() as session:
        return clip_records.record_verification(session, request_id, checks, actor=actor, client_ip=client_ip)


def _copy_hashing(src: BinaryIO, dst: Any) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    while chunk := src.read(_CHUNK):
        h.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return h.hexdigest(), size


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, sort_keys=True, default=str).encode()


def build_package(
    db: Database, store: FootageStore, request_id: uuid.UUID, *, actor: Principal, client_ip: str | None = None
) -> Path:
    """Assemble the evidence package of a request into a temporary zip in the store and return its path (the
    caller deletes it after sending). A clip whose file no longer matches is logged and the export refused (409)."""
    with db.read() as session:
        head, clips = clip_records.request_clips(session, request_id)
        rows = [(c.id, c.storage_key, c.sha256, c.size_bytes, c.content_type, c.filename) for c in clips]
    if head.purged_at is not None:
        raise Conflict(f"recording {request_id} was purged on {head.purged_at.date().isoformat()}: nothing to export")
    if not rows:
        raise Conflict(f"footage request {request_id} has no clips to export")
    path = store.scratch_file(".zip")
    try:
        names: dict[uuid.UUID, str] = {}
        checks: list[ClipCheck] = []
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for n, (clip_id, key, sha, size, ctype, filename) in enumerate(rows, start=1):
                arcname = f"clips/{n:03d}-{sha}{EXTENSIONS.get(ctype, '.bin')}"
                with store.open(key) as src, zf.open(arcname, "w", force_zip64=True) as dst:
                    actual, actual_size = _copy_hashing(src, dst)
                ok = actual == sha and actual_size == size
                checks.append(
                    ClipCheck(
                        clip_id=clip_id,
                        filename=filename,
                        expected_sha256=sha,
                        actual_sha256=actual,
                        expected_size=size,
                        actual_size=actual_size,
                        ok=ok,
                        problem=None if ok else "content changed (sha256 differs)",
                    )
                )
                names[clip_id] = arcname
            if not all(c.ok for c in checks):
                with db.uow() as session:
                    clip_records.record_verification(session, request_id, checks, actor=actor, client_ip=client_ip)
                bad = ", ".join(str(c.clip_id) for c in checks if not c.ok)
                raise Conflict(f"export refused: clip(s) {bad} no longer match their recorded sha256")
            with db.uow() as session:
                req, custody = clip_records.record_export(session, request_id, checks, actor=actor, client_ip=client_ip)
            manifest = {
                "format": PACKAGE_FORMAT,
                "generated_at": utcnow().isoformat(),
                "generated_by": {"name": actor.audit_name, "role": actor.role},
                "request": req.model_dump(mode="json", exclude={"clips", "allowed_events"}),
                "clips": [
                    {
                        "file": names[c.id],
                        "clip_id": str(c.id),
                        "sha256": c.sha256,
                        "size_bytes": c.size_bytes,
                        "content_type": c.content_type,
                        "original_filename": c.filename,
                        "uploaded_by": c.uploaded_by,
                        "uploaded_by_role": c.uploaded_by_role,
                        "upload_started_at": c.upload_started_at.isoformat(),
                        "uploaded_at": c.uploaded_at.isoformat(),
                        "recorded_start": c.recorded_start.isoformat() if c.recorded_start else None,
                        "recorded_end": c.recorded_end.isoformat() if c.recorded_end else None,
                        "note": c.note,
                    }
                    for c in req.clips
                    if c.id in names
                ],
                "custody_log": "custody_log.json",
            }
            zf.writestr("manifest.json", _json(manifest))
            zf.writestr("custody_log.json", _json([e.model_dump(mode="json") for e in custody]))
        return path
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
