"""Tables of the cameras domain: registered cameras (every owner type), the owner-visible access log, and the
registry's change counter that in-memory canvass indexes compare against to know when to reload.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class RegisteredCamera(Base):
    """One camera in the registry: where it is, how it is mounted, what its owner keeps and chooses to share.

    ``sharing_level`` is the owner's choice (registered, on_request, live_linked, withdrawn); ``withdrawn_at`` is set
    when it becomes withdrawn. ``stream_url``/``snapshot_url`` are only ever handed out while the camera is
    live-linked. ``last_seen_at`` is the last heartbeat or successful snapshot probe; ``last_ok_at``/``last_error``
    describe the last probe.
    """

    __tablename__ = "registry_cameras"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    owner_type: Mapped[str] = mapped_column(String(16))  # city | alpr | business | residential
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_name: Mapped[str] = mapped_column(String(128))
    contact: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    division: Mapped[str | None] = mapped_column(String(32), index=True)  # the city profile's, by its point
    direction_deg: Mapped[float] = mapped_column(Float)
    fov_deg: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    owner_retention_days: Mapped[int] = mapped_column(Integer)
    sharing_level: Mapped[str] = mapped_column(String(16))
    stream_url: Mapped[str | None] = mapped_column(String(512))
    snapshot_url: Mapped[str | None] = mapped_column(String(512))
    alpr_camera_code: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_registry_cameras_owner_user", "owner_user_id"),
        Index("ix_registry_cameras_sharing_level", "sharing_level"),
        Index("ix_registry_cameras_owner_type", "owner_type"),
    )


class CameraAccess(Base):
    """One request for, or view of, a registered camera, shown to its owner (who asked, what, when, and why)."""

    __tablename__ = "registry_camera_access"
    __table_args__ = (
        Index("ix_registry_camera_access_camera_at", "camera_id", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_cameras.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RegistryVersion(Base):
    """A single row whose ``version`` is bumped in the same transaction as every registry change (one cheap read
    tells an in-memory canvass index whether it is stale)."""

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
