"""Tables of the ALPR domain: cameras, reads, the sensors' own alerts (``alpr_vendor_alerts``), dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid, false, text
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.alpr.logic import IMAGE_PREFIX
from rtcc.core.db import Base, UTCDateTime


class Camera(Base):
    """An ALPR camera (fixed, mobile, or a shared Frigate NVR). ``code`` is the id sensors send."""

    __tablename__ = "alpr_cameras"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="alpr_fixed")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str | None] = mapped_column(String(255))
    # the city profile's division it belongs to (point in polygon, or set explicitly); its reads and alerts follow it
    division: Mapped[str | None] = mapped_column(String(32), index=True)
    agent_uid: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")  # online | offline | unknown
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Read(Base):
    """One plate seen by one camera at one moment. ``id`` is the idempotency key (same read twice = same id)."""

    __tablename__ = "alpr_reads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alpr_cameras.id"))
    plate: Mapped[str] = mapped_column(String(16))
    plate_norm: Mapped[str] = mapped_column(String(16))
    plate_ocr: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(8))
    confidence: Mapped[float | None] = mapped_column(Float)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    vehicle_make: Mapped[str | None] = mapped_column(String(32))
    vehicle_model: Mapped[str | None] = mapped_column(String(48))
    vehicle_color: Mapped[str | None] = mapped_column(String(24))
    vehicle_type: Mapped[str | None] = mapped_column(String(24))
    image_ref: Mapped[str | None] = mapped_column(String(512))
    crop_ref: Mapped[str | None] = mapped_column(String(512))
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))  # rest | openalpr | mqtt | frigate | file
    source_ref: Mapped[str | None] = mapped_column(String(128))
    is_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    heading_deg: Mapped[float | None] = mapped_column(Float)  # direction of travel, degrees from north
    camera_label: Mapped[str | None] = mapped_column(String(128))  # what the sensor calls its camera

    __table_args__ = (
        # INCLUDE (id) on PostgreSQL: plate search pages merge in the index alone (investigations.repository)
        Index("ix_alpr_reads_plate_norm_observed", "plate_norm", "observed_at", postgresql_include=["id"]),
        Index("ix_alpr_reads_camera_observed", "camera_id", "observed_at"),
        Index("ix_alpr_reads_observed", "observed_at"),
        # the few hits by time: a retention drop of a day keeps them without reading the day (alpr.partitions)
        Index(
            "ix_alpr_reads_hit_observed", "observed_at", postgresql_where=text("is_hit"), sqlite_where=text("is_hit")
        ),
        # the few reads whose images are in our store, by file: retention deletes a file only when no read still
        # names it (content-addressed files can be shared); queries repeat the predicate so the index applies
        Index(
            "ix_alpr_reads_crop_ref_stored",
            "crop_ref",
            postgresql_where=text(f"crop_ref LIKE '{IMAGE_PREFIX}/%'"),
            sqlite_where=text(f"crop_ref LIKE '{IMAGE_PREFIX}/%'"),
        ),
        Index(
            "ix_alpr_reads_image_ref_stored",
            "image_ref",
            postgresql_where=text(f"image_ref LIKE '{IMAGE_PREFIX}/%'"),
            sqlite_where=text(f"image_ref LIKE '{IMAGE_PREFIX}/%'"),
        ),
    )


class VendorAlert(Base):
    """A sensor's own hotlist alert (an OpenALPR agent's ``alpr_alert``), kept as the vendor sent it and linked to
    the read it is about by that read's id (computed from the same camera and group uuid, so the link holds
    whichever of the alert and the group arrives first: an alert stores the read its own group carries when the
    group has not come yet). It is evidence shown to analysts beside the read, never one of our alerts: our hotlists
    and matching stay the source of truth. It goes with its read (``ON DELETE CASCADE``), so retention purges it.
    ``id`` is derived from the read and the list, so a resent alert is stored once."""

    __tablename__ = "alpr_vendor_alerts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    read_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alpr_reads.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alpr_cameras.id"))
    plate: Mapped[str | None] = mapped_column(String(16))
    alert_list: Mapped[str | None] = mapped_column(String(128))
    list_type: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(255))
    site_name: Mapped[str | None] = mapped_column(String(128))
    camera_name: Mapped[str | None] = mapped_column(String(128))
    agent_uid: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeadLetter(Base):
    """Input we could not parse or accept: the raw payload and the reason, kept for listing and replay."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), index=True)  # e.g. webhook, mqtt, file, rest, bus
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # at most RTCC_DEAD_LETTER_PAYLOAD_MAX_BYTES of it (a prefix)
    # size and SHA-256 of the whole payload (UTF-8); null on letters written before revision 0027 and kept whole
    payload_bytes: Mapped[int | None] = mapped_column(BigInteger)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    payload_truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # topic, file, line, content type
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | replayed | discarded
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
