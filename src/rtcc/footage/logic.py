"""Pure rules of the footage domain: the request state machine, who must approve a request, the checks on a request's
time window, recognising a clip's type from its magic bytes, and the hash chain of the custody log. No I/O here.

A request goes ``requested -> approved | declined | cancelled | expired``; ``approved -> fulfilled`` (the first clip
arrives; more clips may follow) or ``cancelled``; ``fulfilled -> closed``. ``declined``, ``cancelled``, ``expired``
and ``closed`` are terminal. A camera whose owner is the agency itself (city or ALPR camera, ``owner_user_id`` None)
needs nobody's approval: its request is created ``approved`` and staff upload the clips. A request to a camera with an
owner (``registered``, ``on_request`` or ``live_linked`` sharing) waits for that owner to approve it. A camera that is
``withdrawn`` takes no requests. An unanswered request is *effectively* expired once its ``due_at`` passes, before a
job or ``rtcc footage expire`` writes the state down.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from rtcc.core.errors import Conflict, DomainError, field_error, invalid


class RequestState(StrEnum):
    requested = "requested"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"
    fulfilled = "fulfilled"
    closed = "closed"


class Event(StrEnum):
    """What happens to a request."""

    approve = "approve"
    decline = "decline"
    cancel = "cancel"
    expire = "expire"
    upload = "upload"
    close = "close"


class CustodyAction(StrEnum):
    """Every kind of entry in the chain-of-custody log."""

    requested = "requested"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"
    closed = "closed"
    upload = "upload"
    download = "download"
    export = "export"
    verify = "verify"
    recorded = "recorded"  # an agency recording (a drone flight's) entered the store (footage.recordings)
    evidence = "evidence"  # a recording attached to a case: kept beyond its retention
    purged = "purged"  # a recording's retention ran out: its files deleted, the record kept


TERMINAL: frozenset[RequestState] = frozenset(
    {RequestState.declined, RequestState.cancelled, RequestState.expired, RequestState.closed}
)

#: (state, event) -> next state. Anything absent is illegal (409 naming the state).
_TRANSITIONS: dict[tuple[RequestState, Event], RequestState] = {
    (RequestState.requested, Event.approve): RequestState.approved,
    (RequestState.requested, Event.decline): RequestState.declined,
    (RequestState.requested, Event.cancel): RequestState.cancelled,
    (RequestState.requested, Event.expire): RequestState.expired,
    (RequestState.approved, Event.upload): RequestState.fulfilled,
    (RequestState.approved, Event.cancel): RequestState.cancelled,
    (RequestState.fulfilled, Event.upload): RequestState.fulfilled,
    (RequestState.fulfilled, Event.close): RequestState.closed,
}

#: The custody entry each transition writes.
TRANSITION_CUSTODY: dict[Event, CustodyAction] = {
    Event.approve: CustodyAction.approved,
    Event.decline: CustodyAction.declined,
    Event.cancel: CustodyAction.cancelled,
    Event.expire: CustodyAction.expired,
    Event.close: CustodyAction.closed,
}

#: Sharing levels of the camera registry (contract C4) and whether a footage request may be made.
SHARING_ACCEPTS_REQUESTS: Mapping[str, bool] = {
    "registered": True,
    "on_request": True,
    "live_linked": True,
    "withdrawn": False,
}


def allowed_events(state: str) -> list[Event]:
    """The events that are legal in ``state`` (empty for terminal states)."""
    return [e for (s, e) in _TRANSITIONS if s == state]


def next_state(state: str, event: Event) -> RequestState:
    """The state after ``event``; an illegal event raises Conflict (409) naming the current state."""
    try:
        current = RequestState(state)
    except ValueError:
        raise Conflict(f"request is in an unknown state {state!r}") from None
    nxt = _TRANSITIONS.get((current, event))
    if nxt is None:
        allowed = ", ".join(e.value for e in allowed_events(current)) or "none (terminal)"
        raise Conflict(
            f"cannot {event.value} a footage request that is {current.value} (allowed: {allowed})",
            errors=[field_error("state", f"state is {current.value}")],
        )
    return nxt


def effective_state(state: str, due_at: datetime | None, now: datetime) -> RequestState:
    """The state as of ``now``: an unanswered request past its due time counts as expired."""
    current = RequestState(state)
    if current is RequestState.requested and due_at is not None and due_at <= now:
        return RequestState.expired
    return current


def check_event(state: str, due_at: datetime | None, event: Event, now: datetime) -> RequestState:
    """``next_state`` on the effective state, so that an overdue request can no longer be approved or declined
    (it can still be marked expired)."""
    current = effective_state(state, due_at, now)
    if current is RequestState.expired and RequestState(state) is RequestState.requested and event is Event.expire:
        return RequestState.expired
    return next_state(current, event)


def needs_owner_approval(owner_user_id: object | None) -> bool:
    """True when a person outside the agency owns the camera (their approval is required)."""
    return owner_user_id is not None


def check_sharing(sharing_level: str) -> None:
    """Raise Conflict when a camera's sharing level takes no footage requests (withdrawn or unknown)."""
    if not SHARING_ACCEPTS_REQUESTS.get(sharing_level, False):
        raise Conflict(
            f"the camera does not take footage requests (sharing level {sharing_level})",
            errors=[field_error("camera_id", f"sharing level is {sharing_level}")],
        )


def check_window(
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    max_hours: int,
    owner_retention_days: int | None,
) -> None:
    """Reject a window that is empty, too long, in the future, or wholly older than the owner keeps recordings."""
    if start.utcoffset() is None:
        raise invalid("window_start", "give a timezone (e.g. 2026-11-20T18:00:00Z)")
    if end.utcoffset() is None:
        raise invalid("window_end", "give a timezone (e.g. 2026-11-20T19:00:00Z)")
    if end <= start:
        raise invalid("window_end", "must be after window_start")
    if end - start > timedelta(hours=max_hours):
        raise invalid("window_end", f"the window may span at most {max_hours} hours")
    if start > now:
        raise invalid("window_start", "lies in the future: footage not yet recorded cannot be requested")
    if owner_retention_days is not None and end < now - timedelta(days=owner_retention_days):
        raise invalid(
            "window_end",
            f"the owner keeps recordings for {owner_retention_days} days; this window has already been overwritten",
        )


# --------------------------------------------------------------------------------------------------- upload checks


class UploadTooLarge(DomainError):
    """An upload that passed the size limit (it was aborted while streaming; nothing was stored)."""

    status = 413
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    """An upload whose bytes are not one of the allowed clip types."""

    status = 415
    title = "Unsupported media type"


#: How many leading bytes ``sniff`` needs to decide (fewer are fine for a short file).
SNIFF_BYTES = 512

_MP4_BRANDS_QT = {b"qt  "}

#: File name extension of each recognised type (content-addressed file names carry it).
EXTENSIONS: Mapping[str, str] = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
    "video/webm": ".webm",
    "video/x-msvideo": ".avi",
    "video/mp2t": ".ts",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}

_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> str | None:
    """The content type the leading bytes of a file show, or None when they match no known clip type."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand in _MP4_BRANDS_QT else "video/mp4"
    if len(head) >= 8 and head[4:8] in _QT_ATOMS:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or WebM, told apart by the DocType
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:  # MPEG transport stream: 188-byte packets
        return "video/mp2t"
    return None


def check_type(head: bytes, *, declared: str | None, allowed: list[str]) -> str:
    """The detected content type of an upload, or UnsupportedMediaType naming the ``file`` field: unknown bytes,
    a type not allowed, or a declared type the bytes contradict (``application/octet-stream`` declares nothing)."""
    detected = sniff(head)
    if detected is None:
        msg = "the file is not a recognised video or image (checked by its content, not its name)"
        raise UnsupportedMediaType(f"file: {msg}", errors=[field_error("file", msg)])
    if detected not in allowed:
        msg = f"{detected} is not accepted (allowed: {', '.join(allowed)})"
        raise UnsupportedMediaType(f"file: {msg}", errors=[field_error("file", msg)])
    base = (declared or "").split(";", 1)[0].strip().lower()
    if base and base not in ("application/octet-stream", detected):
        msg = f"declared as {base} but the content is {detected}"
        raise UnsupportedMediaType(f"file: {msg}", errors=[field_error("file", msg)])
    return detected


def safe_filename(name: str | None, *, default: str = "clip") -> str:
    """The base name of an uploaded file with path parts and control characters removed (kept for display only)."""
    raw = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in raw if ch.isprintable() and ch not in '<>:"|?*').strip().lstrip(".")
    return (clean or default)[:200]


# --------------------------------------------------------------------------------------------------- custody chain

#: ``prev_hash`` of the first custody entry of a request.
CUSTODY_GENESIS = "0" * 64


@dataclass(frozen=True)
class CustodyFields:
    """What a custody entry's hash covers."""

    request_id: str
    seq: int
    action: str
    actor: str
    actor_role: str | None
    at: datetime
    clip_id: str | None
    sha256: str | None
    client_ip: str | None
    details: Mapping[str, Any]


def custody_hash(prev_hash: str, f: CustodyFields) -> str:
    """SHA-256 over the previous entry's hash and this entry's fields (canonical JSON): editing, inserting or deleting
    an entry breaks every later hash of that request."""
    body = {
        "request_id": f.request_id,
        "seq": f.seq,
        "action": f.action,
        "actor": f.actor,
        "actor_role": f.actor_role,
        "at": f.at.isoformat(timespec="microseconds"),
        "clip_id": f.clip_id,
        "sha256": f.sha256,
        "client_ip": f.client_ip,
        "details": dict(f.details),
    }
    data = prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of walking one request's custody chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def check_chain(entries: list[tuple[str, str, CustodyFields]]) -> ChainCheck:
    """Walk (prev_hash, hash, fields) in seq order and report the first entry that was edited, inserted or deleted."""
    prev = CUSTODY_GENESIS
    expected = 1
    for n, (prev_hash, h, f) in enumerate(entries):
        if f.seq != expected:
            return ChainCheck(False, n, f.seq, f"custody entry {f.seq} is out of sequence (expected {expected})")
        if prev_hash != prev:
            return ChainCheck(False, n, f.seq, f"custody entry {f.seq} does not follow its predecessor")
        if custody_hash(prev_hash, f) != h:
            return ChainCheck(False, n, f.seq, f"custody entry {f.seq} was edited (hash mismatch)")
        prev = h
        expected += 1
    return ChainCheck(True, len(entries))
