"""Queries of the drones domain. Never commits: the caller's unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtcc.drones.models import Dock, Drone, Geofence, LaunchDecision, LaunchPolicy, LaunchRequest, Pilot, ProgramLimits


def docks(session: Session) -> Sequence[Dock]:
    return session.scalars(select(Dock).order_by(Dock.code)).all()


def dock(session: Session, dock_id: uuid.UUID, *, for_update: bool = False) -> Dock | None:
    q = select(Dock).where(Dock.id == dock_id)
    return session.scalars(q.with_for_update() if for_update else q).first()


def dock_by_code(session: Session, code: str) -> Dock | None:
    return session.scalars(select(Dock).where(Dock.code == code)).first()


def drones(session: Session) -> Sequence[Drone]:
    return session.scalars(select(Drone).order_by(Drone.code)).all()


def drone(session: Session, drone_id: uuid.UUID, *, for_update: bool = False) -> Drone | None:
    q = select(Drone).where(Drone.id == drone_id)
    return session.scalars(q.with_for_update() if for_update else q).first()


def drone_by_code(session: Session, code: str) -> Drone | None:
    return session.scalars(select(Drone).where(Drone.code == code)).first()


#: The statements a launch decision runs on every call, built once.
_DOCK_ROWS = select(
    Dock.id, Dock.code, Dock.lat, Dock.lon, Dock.status, Dock.launch_time_s, Dock.wind_mps, Dock.gust_mps,
    Dock.weather_at, Dock.weather_source,
).order_by(Dock.code)  # fmt: skip
_DRONE_ROWS = select(
    Drone.id, Drone.code, Drone.cruise_speed_mps, Drone.endurance_s, Drone.battery_pct, Drone.status, Drone.dock_id
).where(Drone.dock_id.is_not(None))
_PILOT_ROWS = select(Pilot.id, Pilot.certificate_expires, Pilot.active, Pilot.on_duty)


def decision_rows(session: Session) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
    """The columns a launch decision reads, as plain rows (no ORM objects: this runs on every decision): docks
    (id, code, lat, lon, status, launch_time_s, wind_mps, gust_mps, weather_at), drones in a dock (id, code,
    cruise_speed_mps, endurance_s, battery_pct, status, dock_id), pilots (id, certificate_expires, active, on_duty)."""
    conn = session.connection()
    return conn.execute(_DOCK_ROWS).all(), conn.execute(_DRONE_ROWS).all(), conn.execute(_PILOT_ROWS).all()


def pilots(session: Session) -> Sequence[Pilot]:
    return session.scalars(select(Pilot).order_by(Pilot.name)).all()


def pilot_of_user(session: Session, user_id: uuid.UUID) -> Pilot | None:
    return session.scalars(select(Pilot).where(Pilot.user_id == user_id)).first()


def policy_at(session: Session, at: datetime) -> LaunchPolicy | None:
    """The latest policy version in force at ``at``."""
    q = select(LaunchPolicy).where(LaunchPolicy.effective_from <= at).order_by(LaunchPolicy.version.desc()).limit(1)
    return session.scalars(q).first()


def policy_key_at(session: Session, at: datetime) -> tuple[int, int, datetime] | None:
    """(id, version, created_at) of the policy version in force at ``at`` (one small row: decisions cache the rest)."""
    q = (
        select(LaunchPolicy.id, LaunchPolicy.version, LaunchPolicy.created_at)
        .where(LaunchPolicy.effective_from <= at)
        .order_by(LaunchPolicy.version.desc())
        .limit(1)
    )
    row = session.connection().execute(q).first()
    return None if row is None else (int(row[0]), int(row[1]), row[2])


def limits_row_at(session: Session, at: datetime) -> tuple[int, float, bool, bool, float | None] | None:
    """(version, max_altitude_m, bvlos_allowed, night_ops_allowed, visual_line_of_sight_m) in force at ``at``."""
    q = (
        select(
            ProgramLimits.version, ProgramLimits.max_altitude_m, ProgramLimits.bvlos_allowed,
            ProgramLimits.night_ops_allowed, ProgramLimits.visual_line_of_sight_m,
        )
        .where(ProgramLimits.effective_from <= at)
        .order_by(ProgramLimits.version.desc())
        .limit(1)
    )  # fmt: skip
    row = session.connection().execute(q).first()
    return None if row is None else (int(row[0]), float(row[1]), bool(row[2]), bool(row[3]), row[4])


def policy_version(session: Session, version: int) -> LaunchPolicy | None:
    return session.scalars(select(LaunchPolicy).where(LaunchPolicy.version == version)).first()


def policies(session: Session) -> Sequence[LaunchPolicy]:
    return session.scalars(select(LaunchPolicy).order_by(LaunchPolicy.version.desc())).all()


def last_policy_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(LaunchPolicy.version), 0))) or 0)


def limits_at(session: Session, at: datetime) -> ProgramLimits | None:
    q = select(ProgramLimits).where(ProgramLimits.effective_from <= at).order_by(ProgramLimits.version.desc()).limit(1)
    return session.scalars(q).first()


def last_limits_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ProgramLimits.version), 0))) or 0)


def geofences(session: Session, policy_id: int) -> Sequence[Geofence]:
    return session.scalars(select(Geofence).where(Geofence.policy_id == policy_id).order_by(Geofence.name)).all()


def zone_counts(session: Session, policy_ids: Sequence[int]) -> dict[int, int]:
    if not policy_ids:
        return {}
    q = select(Geofence.policy_id, func.count()).where(Geofence.policy_id.in_(policy_ids)).group_by(Geofence.policy_id)
    return {int(pid): int(n) for pid, n in session.execute(q).all()}


def decision(session: Session, decision_id: uuid.UUID) -> LaunchDecision | None:
    return session.get(LaunchDecision, decision_id)


def decisions(
    session: Session, *, call_id: uuid.UUID | None = None, outcome: str | None = None, limit: int, offset: int
) -> tuple[Sequence[LaunchDecision], int]:
    q = select(LaunchDecision)
    if call_id is not None:
        q = q.where(LaunchDecision.call_id == call_id)
    if outcome is not None:
        q = q.where(LaunchDecision.outcome == outcome)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = session.scalars(
        q.order_by(LaunchDecision.decided_at.desc(), LaunchDecision.id).limit(limit).offset(offset)
    ).all()
    return rows, total


def launch_request(session: Session, request_id: uuid.UUID, *, for_update: bool = False) -> LaunchRequest | None:
    q = select(LaunchRequest).where(LaunchRequest.id == request_id)
    return session.scalars(q.with_for_update() if for_update else q).first()


def launch_requests(session: Session, *, state: str | None, limit: int, offset: int) -> Sequence[LaunchRequest]:
    q = select(LaunchRequest)
    if state is not None:
        q = q.where(LaunchRequest.state == state)
    return session.scalars(q.order_by(LaunchRequest.requested_at.desc()).limit(limit).offset(offset)).all()


def pending_for_drone(session: Session, drone_id: uuid.UUID) -> LaunchRequest | None:
    q = select(LaunchRequest).where(LaunchRequest.drone_id == drone_id, LaunchRequest.state == "pending")
    return session.scalars(q.limit(1)).first()
