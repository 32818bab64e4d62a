"""Footage clips: uploads by the owner (or staff, for the agency's own cameras), downloads by staff, the chain of
custody, verification of the files' hashes and evidence exports. Each step writes a custody entry, an audit entry
(same transaction) and an entry in the camera's owner-visible access log (C4). The requests these clips answer, and
their decisions, are ``footage.service``.

These functions take ``session`` and never commit; work on files (hashing, copying) stays outside them
(``footage.evidence`` re-hashes outside any transaction and then calls ``record_*`` here in a short one).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, field_error
from rtcc.footage import repository
from rtcc.footage.logic import (
    CustodyAction,
    Event,
    RequestState,
    check_chain,
    check_event,
)
from rtcc.footage.models import FootageClip
from rtcc.footage.records import (
    append_custody,
    audit_entry,
    camera_log,
    custody_fields,
    load,
    load_own,
    notify_requester,
    to_read,
)
from rtcc.footage.schemas import (
    ClipCheck,
    ClipRead,
    CustodyRead,
    FootageRequestRead,
    VerifyResult,
)
from rtcc.footage.storage import FootageStore, StagedFile
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------------ clips


def check_staff_upload(session: Session, request_id: uuid.UUID) -> None:
    """Refuse, before any byte is received, a staff upload to a request that is missing, to an owner's camera, or
    not open for uploads."""
    req = load(session, request_id)
    if req.owner_user_id is not None:
        raise PermissionDenied("the camera's owner uploads the footage for this request")
    check_event(req.state, req.due_at, Event.upload, utcnow())


def check_owner_upload(session: Session, request_id: uuid.UUID, *, owner: Principal) -> None:
    """Refuse, before any byte is received, an owner upload to a request that is not theirs or not approved."""
    req = load_own(session, request_id, owner)
    check_event(req.state, req.due_at, Event.upload, utcnow())


def new_clip(
    request_id: uuid.UUID,
    staged: StagedFile,
    *,
    filename: str,
    actor: Principal,
    at: datetime,
    started_at: datetime,
    recorded: tuple[datetime | None, datetime | None],
    note: str | None,
) -> FootageClip:
    """The clip row of a staged upload: its hash, size and storage key, who uploaded it and when, and the time span
    it records (an owner's or staff upload here, a drone's or other recording in ``recordings``)."""
    return FootageClip(
        id=uuid.uuid4(),
        request_id=request_id,
        sha256=staged.sha256,
        size_bytes=staged.size,
        content_type=staged.content_type,
        filename=filename[:255],
        storage_key=staged.key,
        uploaded_by=actor.audit_name[:128],
        uploaded_by_role=actor.role[:32] if actor.role else None,
        uploaded_at=at,
        upload_started_at=started_at,
        recorded_start=recorded[0],
        recorded_end=recorded[1],
        note=note,
    )


def add_clip(
    session: Session,
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
    """Record a staged clip (row, custody, audit, camera log, notification) and flush; the caller then moves the file
    into place and commits. Owners upload to their own camera's requests; staff only to the agency's own cameras'."""
    if actor.is_community:
        req = load_own(session, request_id, actor, for_update=True)
    else:
        req = load(session, request_id, for_update=True)
        if req.owner_user_id is not None:
            raise PermissionDenied("the camera's owner uploads the footage for this request")
    now = utcnow()
    new_state = check_event(req.state, req.due_at, Event.upload, now)
    if repository.clip_with_hash(session, req.id, staged.sha256) is not None:
        raise Conflict(
            "this file was already uploaded for this request",
            errors=[field_error("file", f"duplicate of sha256 {staged.sha256}")],
        )
    clip = new_clip(
        req.id,
        staged,
        filename=filename,
        actor=actor,
        at=now,
        started_at=started_at,
        recorded=(recorded_start, recorded_end),
        note=note,
    )
    repository.add(session, clip)
    first = req.state != RequestState.fulfilled.value
    req.state = new_state.value
    req.clip_count = (req.clip_count or 0) + 1
    req.updated_at = now
    if first:
        req.fulfilled_at = now
    details = {"filename": clip.filename, "size": clip.size_bytes, "content_type": clip.content_type}
    append_custody(
        session,
        req,
        CustodyAction.upload,
        actor=actor,
        at=now,
        client_ip=client_ip,
        clip_id=clip.id,
        sha256=clip.sha256,
        details=details,
    )
    audit_entry(session, actor, "footage.upload", req, clip_id=str(clip.id), sha256=clip.sha256, size=clip.size_bytes)
    camera_log(session, req, actor, "footage.upload", clip_id=str(clip.id), sha256=clip.sha256)
    notify_requester(
        session,
        req,
        f"Footage received ({req.case_number})",
        f"A clip ({clip.size_bytes} bytes, sha256 {clip.sha256}) was uploaded for camera {req.camera_code}.",
    )
    session.flush()  # every constraint error surfaces here, before the file is moved
    logger.info("clip %s recorded for footage request %s", clip.id, req.id)
    return ClipRead.model_validate(clip)


def clip_for_access(session: Session, clip_id: uuid.UUID) -> FootageClip:
    """A clip row (NotFound when missing); staff only, before it is re-hashed and served."""
    clip = repository.get_clip(session, clip_id)
    if clip is None:
        raise NotFound(f"clip {clip_id} not found")
    return clip


def record_download(
    session: Session,
    clip_id: uuid.UUID,
    *,
    actual_sha256: str | None,
    actor: Principal,
    client_ip: str | None = None,
) -> ClipRead:
    """Log a view/download of a clip (custody with the hash of the file as served, audit, camera log); a file that
    no longer matches its recorded hash is logged as a failed verification and refused with Conflict."""
    clip = clip_for_access(session, clip_id)
    req = load(session, clip.request_id, for_update=True)
    now = utcnow()
    if actual_sha256 != clip.sha256:
        problem = "missing" if actual_sha256 is None else "hash mismatch"
        append_custody(
            session,
            req,
            CustodyAction.verify,
            actor=actor,
            at=now,
            client_ip=client_ip,
            clip_id=clip.id,
            sha256=actual_sha256,
            details={"ok": False, "problem": problem, "on": "download"},
        )
        audit_entry(session, actor, "footage.verify", req, ok=False, clip_id=str(clip.id), problem=problem)
        return ClipRead.model_validate(clip)
    append_custody(
        session,
        req,
        CustodyAction.download,
        actor=actor,
        at=now,
        client_ip=client_ip,
        clip_id=clip.id,
        sha256=actual_sha256,
        details={"filename": clip.filename},
    )
    audit_entry(session, actor, "footage.download", req, clip_id=str(clip.id), sha256=clip.sha256)
    camera_log(session, req, actor, "footage.view", clip_id=str(clip.id))
    return ClipRead.model_validate(clip)


def custody(session: Session, request_id: uuid.UUID) -> list[CustodyRead]:
    """A request's chain-of-custody log in order."""
    load(session, request_id)
    return [CustodyRead.model_validate(e) for e in repository.custody_of(session, request_id)]


def request_clips(session: Session, request_id: uuid.UUID) -> tuple[FootageRequestRead, list[FootageClip]]:
    """A request and its clip rows (for verification and packaging)."""
    req = load(session, request_id)
    clips = repository.clips_of(session, [req.id]).get(req.id, [])
    return to_read(req, clips), clips


def check_clips(store: FootageStore, clips: list[FootageClip]) -> list[ClipCheck]:
    """Re-hash each clip's file and compare with the hash and size recorded at upload."""
    out = []
    for c in clips:
        sha, size = store.rehash(c.storage_key) or (None, None)
        ok = sha == c.sha256 and size == c.size_bytes
        problem = "file missing" if sha is None else None if ok else "content changed (sha256 differs)"
        out.append(
            ClipCheck(
                clip_id=c.id,
                filename=c.filename,
                expected_sha256=c.sha256,
                actual_sha256=sha,
                expected_size=c.size_bytes,
                actual_size=size,
                ok=ok,
                problem=problem,
            )
        )
    return out


def record_verification(
    session: Session,
    request_id: uuid.UUID,
    checks: list[ClipCheck],
    *,
    actor: Principal,
    client_ip: str | None = None,
) -> VerifyResult:
    """Walk the custody chain, then log the verification (custody per clip and one audit entry); returns the result."""
    req = load(session, request_id, for_update=True)
    chain = check_chain([(e.prev_hash, e.hash, custody_fields(e)) for e in repository.custody_of(session, req.id)])
    now = utcnow()
    for c in checks:
        append_custody(
            session,
            req,
            CustodyAction.verify,
            actor=actor,
            at=now,
            client_ip=client_ip,
            clip_id=c.clip_id,
            sha256=c.actual_sha256,
            details={"ok": c.ok, **({"problem": c.problem} if c.problem else {})},
        )
    ok = chain.ok and all(c.ok for c in checks)
    audit_entry(
        session,
        actor,
        "footage.verify",
        req,
        ok=ok,
        clips=len(checks),
        bad_clips=[str(c.clip_id) for c in checks if not c.ok],
        custody_ok=chain.ok,
        custody_problem=chain.problem,
    )
    if not ok:
        logger.warning("footage request %s failed verification", req.id)
    return VerifyResult(
        request_id=req.id,
        ok=ok,
        clips=checks,
        custody_ok=chain.ok,
        custody_checked=chain.checked,
        custody_problem=chain.problem,
        verified_at=now,
    )


def record_export(
    session: Session,
    request_id: uuid.UUID,
    checks: list[ClipCheck],
    *,
    actor: Principal,
    client_ip: str | None = None,
) -> tuple[FootageRequestRead, list[CustodyRead]]:
    """Log an evidence package export (custody, audit, camera log); returns the request and the custody log
    including this export entry, for the package's manifest and custody file."""
    req = load(session, request_id, for_update=True)
    if not req.clip_count:
        raise Conflict(f"footage request {request_id} has no clips to export (state {req.state})")
    if req.purged_at is not None:
        raise Conflict(f"recording {request_id} was purged on {req.purged_at.date().isoformat()}: nothing to export")
    now = utcnow()
    details = {"clips": [{"clip_id": str(c.clip_id), "sha256": c.actual_sha256} for c in checks]}
    append_custody(session, req, CustodyAction.export, actor=actor, at=now, client_ip=client_ip, details=details)
    audit_entry(
        session, actor, "footage.export", req, clips=len(checks), total_bytes=sum(c.actual_size or 0 for c in checks)
    )
    camera_log(session, req, actor, "footage.export", clips=len(checks))
    clips = repository.clips_of(session, [req.id]).get(req.id, [])
    return to_read(req, clips, now=now), [CustodyRead.model_validate(e) for e in repository.custody_of(session, req.id)]
