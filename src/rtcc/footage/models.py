"""Tables of the footage domain: footage requests to camera owners, the clips uploaded for them (content-addressed
files in the evidence store, with SHA-256 and size), and the append-only, hash-chained chain-of-custody log.

The camera is referred to by its registry id (no foreign key across domains); the request keeps a snapshot of the
camera's code, name and owner so that the evidence record stays readable when the registry changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class FootageRequest(Base):
    """A request for a camera's recordings of a time window, tied to a case (and optionally an incident).

    ``source`` ``camera`` (a registry camera; ``case_number`` set) or ``drone`` (the agency's own recording of a drone
    flight, ``rtcc.footage.recordings``: ``camera_id`` is the drone's id, ``source_ref`` the flight's id,
    ``case_number`` empty until it is attached to a case as evidence). ``retain_until``: an unattached recording is
    purged then (None: kept, e.g. evidence); ``purged_at``: when its files were deleted (the row stays as the record).
    """

    __tablename__ = "footage_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    camera_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    camera_code: Mapped[str] = mapped_column(String(64))
    camera_name: Mapped[str] = mapped_column(String(128))
    owner_type: Mapped[str] = mapped_column(String(16))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: the agency's own camera
    case_number: Mapped[str | None] = mapped_column(String(64))  # None: a recording not (yet) evidence of a case
    incident_number: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(48))
    reason: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_by_role: Mapped[str | None] = mapped_column(String(32))
    requested_by_id: Mapped[str | None] = mapped_column(String(64))  # the requesting user's id (notifications)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the owner must answer by then
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clip_count: Mapped[int] = mapped_column(Integer, default=0)
    custody_seq: Mapped[int] = mapped_column(Integer, default=0)  # seq of the last custody entry
    custody_head: Mapped[str | None] = mapped_column(String(64))  # hash of the last custody entry
    source: Mapped[str] = mapped_column(String(16), default="camera", server_default="camera")
    source_ref: Mapped[str | None] = mapped_column(String(64))
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_footage_requests_state_requested", "state", "requested_at"),
        Index("ix_footage_requests_camera", "camera_id"),
        Index("ix_footage_requests_owner", "owner_user_id"),
        Index("ix_footage_requests_case", "case_number"),
        Index("ix_footage_requests_source", "source", "source_ref"),
        Index("ix_footage_requests_retention", "purged_at", "retain_until"),
    )


class FootageClip(Base):
    """One uploaded file: where it lies in the evidence store (by its SHA-256), its size and type, who uploaded it
    and when."""

    __tablename__ = "footage_clips"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("footage_requests.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_by_role: Mapped[str | None] = mapped_column(String(32))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    upload_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("request_id", "sha256", name="uq_footage_clips_request_sha256"),
        Index("ix_footage_clips_sha256", "sha256"),
    )


class CustodyEntry(Base):
    """One access to a request's evidence (upload, view, export, verification, decision): who, in which role, when,
    from where, and the SHA-256 of the clip at that moment. Append-only: nothing updates or deletes these rows, and
    each entry's ``hash`` chains it to the previous entry of the same request."""

    __tablename__ = "footage_custody"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("footage_requests.id"))
    seq: Mapped[int] = mapped_column(Integer)
    clip_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sha256: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("request_id", "seq", name="uq_footage_custody_request_seq"),
        Index("ix_footage_custody_clip", "clip_id"),
        Index("ix_footage_custody_at", "at"),
        {"sqlite_autoincrement": True},
    )
