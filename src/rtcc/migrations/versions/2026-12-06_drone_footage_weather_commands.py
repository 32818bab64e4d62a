"""drones: footage in the footage domain's custody, wind observations, drone commands

Revision ID: 0033
Revises: 0021
Create Date: 2026-12-06 07:30:00

- ``footage_requests`` carries agency recordings (a drone flight's video): ``source`` (``camera`` | ``drone``),
  ``source_ref`` (the flight), ``retain_until`` and ``purged_at``; ``case_number`` may be empty until a recording is
  attached to a case. The duplicate ``drone_flight_footage`` table is folded into it (each row becomes a recording,
  with a clip when its file was in the evidence store, and its evidence/purge state) and dropped.
- ``drone_launch_policies``: ``weather_max_age_s`` (the ``wind.stale`` rule) and ``footage_retention_days``.
- ``drone_docks.weather_source``; ``drone_weather_observations`` (feeds, docks' stations, manual entries);
  ``drone_commands`` (return to dock / land, the channel, sent and acknowledged times).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0033"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_T = rtcc.core.db.UTCDateTime(timezone=True)


def _aware(v: datetime | None) -> datetime | None:
    return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v


def upgrade() -> None:
    with op.batch_alter_table("footage_requests", schema=None) as b:
        b.alter_column("case_number", existing_type=sa.String(length=64), nullable=True)
        b.add_column(sa.Column("source", sa.String(length=16), server_default="camera", nullable=False))
        b.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("retain_until", _T, nullable=True))
        b.add_column(sa.Column("purged_at", _T, nullable=True))
        b.create_index("ix_footage_requests_source", ["source", "source_ref"], unique=False)
        b.create_index("ix_footage_requests_retention", ["purged_at", "retain_until"], unique=False)
    with op.batch_alter_table("drone_launch_policies", schema=None) as b:
        b.add_column(sa.Column("weather_max_age_s", sa.Integer(), nullable=True))
        b.add_column(sa.Column("footage_retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("drone_docks", schema=None) as b:
        b.add_column(sa.Column("weather_source", sa.String(length=16), nullable=True))
    op.create_table(
        "drone_weather_observations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dock_id", sa.Uuid(), nullable=True),
        sa.Column("station", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("observed_at", _T, nullable=False),
        sa.Column("received_at", _T, nullable=False),
        sa.Column("wind_mps", sa.Float(), nullable=False),
        sa.Column("gust_mps", sa.Float(), nullable=True),
        sa.Column("direction_deg", sa.Float(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["dock_id"],
            ["drone_docks.id"],
            name=op.f("fk_drone_weather_observations_dock_id_drone_docks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_weather_observations")),
    )
    with op.batch_alter_table("drone_weather_observations", schema=None) as b:
        b.create_index("ix_drone_weather_observed", ["observed_at"], unique=False)
    op.create_table(
        "drone_commands",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flight_id", sa.Uuid(), nullable=False),
        sa.Column("drone_id", sa.Uuid(), nullable=False),
        sa.Column("drone_code", sa.String(length=32), nullable=False),
        sa.Column("command", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.Column("issued_at", _T, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sent_at", _T, nullable=True),
        sa.Column("send_error", sa.Text(), nullable=True),
        sa.Column("acked_at", _T, nullable=True),
        sa.ForeignKeyConstraint(
            ["drone_id"],
            ["drone_aircraft.id"],
            name=op.f("fk_drone_commands_drone_id_drone_aircraft"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_commands")),
    )
    with op.batch_alter_table("drone_commands", schema=None) as b:
        b.create_index("ix_drone_commands_drone", ["drone_id", "issued_at"], unique=False)
        b.create_index("ix_drone_commands_flight", ["flight_id"], unique=False)
    _fold_footage()
    with op.batch_alter_table("drone_flight_footage", schema=None) as b:
        b.drop_index("ix_drone_flight_footage_flight")
        b.drop_index("ix_drone_flight_footage_due")
    op.drop_table("drone_flight_footage")


def _tables() -> tuple[sa.TableClause, sa.TableClause, sa.TableClause, sa.TableClause]:
    """Typed views of the tables the fold reads and writes (reflection loses the UUID type on SQLite)."""
    u, s, t, i = sa.Uuid(), sa.String(), _T, sa.Integer()
    old = sa.table(
        "drone_flight_footage",
        *(sa.column(n, u) for n in ("id", "flight_id")),
        *(sa.column(n, s) for n in ("storage_key", "sha256", "content_type", "stored_by", "evidence_case", "note")),
        sa.column("size_bytes", i),
        *(sa.column(n, t) for n in ("recorded_start", "recorded_end", "stored_at", "retain_until", "purged_at")),
        *(sa.column(n, t) for n in ("evidence_at",)),
        sa.column("evidence_by", s),
        sa.column("details", sa.JSON()),
    )
    flights = sa.table(
        "drone_flights",
        sa.column("id", u),
        sa.column("drone_id", u),
        sa.column("drone_code", s),
        sa.column("call_number", s),
        sa.column("launched_at", t),
    )
    reqs = sa.table(
        "footage_requests",
        *(sa.column(n, u) for n in ("id", "camera_id", "owner_user_id")),
        *(
            sa.column(n, s)
            for n in (
                "camera_code",
                "camera_name",
                "owner_type",
                "case_number",
                "incident_number",
                "purpose",
                "reason",
                "state",
                "requested_by",
                "decided_by",
                "source",
                "source_ref",
            )
        ),
        *(
            sa.column(n, t)
            for n in (
                "window_start",
                "window_end",
                "requested_at",
                "decided_at",
                "fulfilled_at",
                "closed_at",
                "updated_at",
                "retain_until",
                "purged_at",
            )
        ),
        sa.column("clip_count", i),
        sa.column("custody_seq", i),
    )
    clips = sa.table(
        "footage_clips",
        *(sa.column(n, u) for n in ("id", "request_id")),
        *(sa.column(n, s) for n in ("sha256", "content_type", "filename", "storage_key", "uploaded_by", "note")),
        sa.column("uploaded_by_role", s),
        sa.column("size_bytes", sa.BigInteger()),
        *(sa.column(n, t) for n in ("uploaded_at", "upload_started_at", "recorded_start", "recorded_end")),
    )
    return old, flights, reqs, clips


def _fold_footage() -> None:
    """Each ``drone_flight_footage`` row becomes a drone recording of the footage domain (nothing is lost; a row
    whose file was never in the evidence store keeps its hash in the reason and has no clip)."""
    conn = op.get_bind()
    old, flights, reqs, clips = _tables()
    rows = conn.execute(
        sa.select(old, flights.c.drone_id, flights.c.drone_code, flights.c.call_number, flights.c.launched_at).join(
            flights, flights.c.id == old.c.flight_id
        )
    ).mappings()
    for r in list(rows):
        rid = uuid.uuid4()
        stored = _aware(r["stored_at"])
        start = _aware(r["recorded_start"]) or _aware(r["launched_at"]) or stored
        end = _aware(r["recorded_end"]) or stored
        has_file = bool(r["storage_key"])
        conn.execute(
            reqs.insert().values(
                id=rid, camera_id=r["drone_id"], camera_code=r["drone_code"],
                camera_name=f"Drone {r['drone_code']}, flight of call {r['call_number'] or '-'}"[:128],
                owner_type="drone", owner_user_id=None, case_number=r["evidence_case"],
                incident_number=r["call_number"], purpose="drone_recording",
                reason=f"moved from drone_flight_footage (sha256 {r['sha256']})",
                window_start=start, window_end=end, state="closed" if r["purged_at"] else "fulfilled",
                requested_by=r["stored_by"], requested_at=stored, decided_by="agency", decided_at=stored,
                fulfilled_at=stored, closed_at=_aware(r["purged_at"]), updated_at=stored,
                clip_count=1 if has_file else 0, custody_seq=0, source="drone", source_ref=str(r["flight_id"]),
                retain_until=None if r["evidence_case"] else _aware(r["retain_until"]),
                purged_at=_aware(r["purged_at"]),
            )
        )  # fmt: skip
        if has_file:
            conn.execute(
                clips.insert().values(
                    id=uuid.uuid4(), request_id=rid, sha256=r["sha256"], size_bytes=r["size_bytes"],
                    content_type=r["content_type"], filename=str(r["storage_key"]).rsplit("/", 1)[-1][:255],
                    storage_key=r["storage_key"], uploaded_by=r["stored_by"], uploaded_by_role=None,
                    uploaded_at=stored, upload_started_at=stored, recorded_start=_aware(r["recorded_start"]),
                    recorded_end=_aware(r["recorded_end"]), note=r["note"],
                )
            )  # fmt: skip


def downgrade() -> None:
    op.create_table(
        "drone_flight_footage",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flight_id", sa.Uuid(), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("recorded_start", _T, nullable=True),
        sa.Column("recorded_end", _T, nullable=True),
        sa.Column("stored_at", _T, nullable=False),
        sa.Column("stored_by", sa.String(length=128), nullable=False),
        sa.Column("retain_until", _T, nullable=False),
        sa.Column("evidence_case", sa.String(length=64), nullable=True),
        sa.Column("evidence_at", _T, nullable=True),
        sa.Column("evidence_by", sa.String(length=128), nullable=True),
        sa.Column("purged_at", _T, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flight_id"],
            ["drone_flights.id"],
            name=op.f("fk_drone_flight_footage_flight_id_drone_flights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_flight_footage")),
    )
    with op.batch_alter_table("drone_flight_footage", schema=None) as b:
        b.create_index("ix_drone_flight_footage_due", ["purged_at", "retain_until"], unique=False)
        b.create_index("ix_drone_flight_footage_flight", ["flight_id"], unique=False)
    conn = op.get_bind()
    old, _flights, reqs, clips = _tables()
    rows = conn.execute(
        sa.select(reqs, clips.c.sha256, clips.c.size_bytes, clips.c.content_type, clips.c.storage_key, clips.c.note)
        .outerjoin(clips, clips.c.request_id == reqs.c.id)
        .where(reqs.c.source == "drone")
    ).mappings()
    for r in list(rows):
        conn.execute(
            old.insert().values(
                id=uuid.uuid4(),
                flight_id=uuid.UUID(r["source_ref"]),
                storage_key=r["storage_key"],
                sha256=r["sha256"] or str(r["reason"]).rsplit("sha256 ", 1)[-1].rstrip(")")[:64],
                size_bytes=r["size_bytes"] or 0,
                content_type=r["content_type"] or "video/mp4",
                recorded_start=r["window_start"],
                recorded_end=r["window_end"],
                stored_at=r["requested_at"],
                stored_by=r["requested_by"],
                retain_until=r["retain_until"] or r["updated_at"],
                evidence_case=r["case_number"],
                evidence_at=r["updated_at"] if r["case_number"] else None,
                evidence_by=None,
                purged_at=r["purged_at"],
                note=r["note"],
                details={},
            )
        )
    conn.execute(
        sa.delete(sa.table("footage_custody", sa.column("request_id"))).where(
            sa.column("request_id").in_(sa.select(reqs.c.id).where(reqs.c.source == "drone"))
        )
    )
    conn.execute(sa.delete(clips).where(clips.c.request_id.in_(sa.select(reqs.c.id).where(reqs.c.source == "drone"))))
    conn.execute(sa.delete(reqs).where(reqs.c.source == "drone"))
    with op.batch_alter_table("drone_commands", schema=None) as b:
        b.drop_index("ix_drone_commands_flight")
        b.drop_index("ix_drone_commands_drone")
    op.drop_table("drone_commands")
    with op.batch_alter_table("drone_weather_observations", schema=None) as b:
        b.drop_index("ix_drone_weather_observed")
    op.drop_table("drone_weather_observations")
    with op.batch_alter_table("drone_docks", schema=None) as b:
        b.drop_column("weather_source")
    with op.batch_alter_table("drone_launch_policies", schema=None) as b:
        b.drop_column("footage_retention_days")
        b.drop_column("weather_max_age_s")
    with op.batch_alter_table("footage_requests", schema=None) as b:
        b.drop_index("ix_footage_requests_retention")
        b.drop_index("ix_footage_requests_source")
        b.drop_column("purged_at")
        b.drop_column("retain_until")
        b.drop_column("source_ref")
        b.drop_column("source")
        b.alter_column("case_number", existing_type=sa.String(length=64), nullable=False)
